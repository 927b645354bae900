// require('querystring'): parse, stringify, escape and unescape, with their options.
var qs = require('querystring');

function show(value) {
  console.log(JSON.stringify(value));
}

function handler(event) {
  show(qs.parse('a=%zz&b=%41&c=%&=x&d==&&e'));
  show(qs.parse('a:1;b:2', ';', ':'));
  show(qs.parse('a=1&b=2&c=3', null, null, { maxKeys: 2 }));
  show(qs.parse('a=1&b=x', '&', '=', { decodeURIComponent: function (s) { return s.toUpperCase(); } }));
  show(qs.parse('%E4%B8%AD=%E6%96%87&x=%C3&y=a+b&y=c'));
  show(qs.parse(''));
  show(qs.stringify({ a: 1, b: true, c: null, d: undefined, e: { x: 1 }, f: [1, 'x y', null], g: "é~*()!'" }));
  show(qs.stringify({ a: 1, b: 2 }, ';', ':'));
  show(qs.stringify({ a: 'x' }, null, null, { encodeURIComponent: function (s) { return s.toUpperCase(); } }));
  show(qs.stringify('abc'));
  show(qs.escape("-_.!~*'()é /?&"));
  show(qs.unescape('%zz%41+%E2%82%AC'));
  show(qs.decode('a=1').a + qs.encode({ b: 2 }));
  var parsed = qs.parse(event.request.rawQueryString());
  show(parsed);
  return event.request;
}
