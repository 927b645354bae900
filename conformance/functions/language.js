// The language cloudfront-js-2.0 documents: let/const, arrow functions, template literals, rest
// parameters, **, labels, switch, for-in, regular expressions with named
// groups, JSON with a reviver and indentation, and the string and array methods of the list.
const ONE_MILLION = 1000000;

function sum(first, ...rest) {
  return rest.reduce((total, n) => total + n, first);
}

function handler(event) {
  let out = [];
  const name = 'world';
  out.push(`hello ${name}, ${`nested ${1 + 1}`}`);
  out.push(sum(1, 2, 3, 4), 2 ** 10, ONE_MILLION);
  const box = { value: 5, double: (n) => n * 2 };
  out.push(box.value, box.double(box.value));
  outer: for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      if (j === 1) continue outer;
      if (i === 2) break outer;
      out.push(i + ':' + j);
    }
  }
  const match = /(?<year>\d{4})-(?<month>\d{2})/.exec('on 2024-05-01');
  out.push(match.groups.year + '/' + match.groups.month);
  out.push('a-b-c'.split(/-/).join('+'), 'Hello'.replace(/l/g, (m) => m.toUpperCase()));
  out.push('abc'.padStart(5, '*'), '  x '.trimEnd() + '|', 'abc'.codePointAt(1), String.fromCodePoint(0x41));
  out.push([3, 1, 2].sort((a, b) => b - a).join(''), [1, 2, 3].find((n) => n > 1), [1, 2, 3].includes(2));
  out.push([1, 2, 3, 4, 5].copyWithin(0, 3).join(''), new Array(3).fill(7).join(''), [1, 2, 3].reduceRight((a, b) => a + b));
  out.push(JSON.stringify({ b: [1, { c: 2 }] }, null, 1).length, JSON.parse('{"a":1,"b":2}', (k, v) => (k === 'a' ? 10 : v)).a);
  out.push(Object.entries({ x: 1 }).join(), Object.values({ y: 2 }).join(), Object.assign({}, { z: 3 }).z);
  out.push((12.345).toFixed(1), (0.000123).toExponential(2), (123.456).toPrecision(4), Number.isInteger(5.0));
  out.push(typeof Symbol.iterator);
  for (const key in { p: 1, q: 2 }) {
    out.push(key);
  }
  switch (out.length) {
    case 0:
      out.push('none');
      break;
    default:
      out.push('some');
  }
  console.log(out.join(' | '));
  return event.request;
}
