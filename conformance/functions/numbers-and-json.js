// Number formatting and JSON round trips.
function handler(event) {
  var values = [0.5 + 0.25, 1e21, 1 / 3, -0, 2 ** 53 + 1, 255, NaN, Infinity];
  console.log(values.map(String).join(' '));
  console.log(JSON.stringify(values));
  console.log((255).toString(16) + ' ' + (255).toString(2) + ' ' + parseInt('ff', 16) + ' ' + parseFloat('3.14abc') + ' ' + Number('0x10'));
  console.log(JSON.stringify({ a: [1, 'x', true, null], u: undefined, f: function () {}, d: new Date(86400000) }));
  console.log(JSON.stringify(JSON.parse('{"unicode":"\\u00e9","big":12345678901234567890}')));
  console.log(Math.max(1, 5, 3) + ' ' + Math.round(2.5) + ' ' + Math.round(-2.5) + ' ' + Math.sign(-3) + ' ' + Math.hypot(3, 4) + ' ' + Math.trunc(-4.7));
  return event.request;
}
