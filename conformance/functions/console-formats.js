// console.log of every kind of value, printed as njs prints it.
function handler(event) {
  console.log('a string stays as it is');
  console.log(42);
  console.log(-0);
  console.log(1e21);
  console.log(1 / 3);
  console.log(true);
  console.log(null);
  console.log(undefined);
  console.log({ a: 1, b: 'x', c: [1, 2], d: { e: null }, f: undefined });
  console.log([1, 'two', [3], {}]);
  console.log([]);
  console.log({});
  console.log(function named() {});
  console.log({ method: function () {} });
  console.log(new Error('oops').message);
  console.log(new Date(0));
  console.log(/ab+c/gi);
  console.log(Buffer.from('hi'));
  console.log(new Uint8Array([1, 2]));
  console.log(Symbol('s'));
  console.log([undefined, null]);
  console.log({ 'a-b': 1, nested: { deeper: { deepest: [1, { x: 'y' }] } } });
  var cycle = { name: 'loop' };
  cycle.self = cycle;
  console.log(cycle);
  console.log(new Array(3));
  console.log(event.request.headers);
  return event.request;
}
