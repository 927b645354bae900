// Objects keep insertion order everywhere a function can see it: the event's query string,
// headers and cookies as the request lists them, JSON values read from the KVS, objects the
// function builds, and the headers of the result it returns.
import cf from 'cloudfront';

const kvs = cf.kvs();

async function handler(event) {
  const request = event.request;
  console.log('query ' + Object.keys(request.querystring).join(','));
  console.log('headers ' + Object.keys(request.headers).join(','));
  console.log('cookies ' + Object.keys(request.cookies).join(','));
  const config = await kvs.get('config', { format: 'json' });
  const keys = [];
  for (const key in config) keys.push(key);
  console.log('kvs ' + keys.join(',') + ' ' + JSON.stringify(config));
  const built = { zeta: 1, alpha: 2, mid: 3 };
  built.beta = 4;
  console.log('built ' + JSON.stringify(built));
  const parsed = require('querystring').parse('z=1&a=2&m=3&a=4');
  console.log('parsed ' + JSON.stringify(parsed));
  request.headers['x-zeta'] = { value: '1' };
  request.headers['x-alpha'] = { value: '2' };
  return request;
}
