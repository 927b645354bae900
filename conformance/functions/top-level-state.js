// Top-level code runs once per load; the handler sees what it built.
import cf from 'cloudfront';

var table = {};
['a', 'b', 'c'].forEach(function (k, i) {
  table[k] = i;
});
var store = cf.kvs();

async function handler(event) {
  var key = event.request.uri.slice(1);
  var known = key in table;
  var stored = await store.exists(key);
  return { statusCode: known ? 200 : 404, headers: { 'x-index': { value: String(table[key]) }, 'x-stored': { value: String(stored) } } };
}
