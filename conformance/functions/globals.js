// The global surface: what cloudfront-js-2.0 has, and what it lacks although boa has it.
function handler(event) {
  var absent = ['Map', 'Set', 'WeakMap', 'WeakSet', 'WeakRef', 'Proxy', 'Reflect', 'Intl', 'BigInt', 'Atomics',
    'SharedArrayBuffer', 'FinalizationRegistry', 'structuredClone'];
  var present = ['Buffer', 'TextEncoder', 'TextDecoder', 'atob', 'btoa', 'require', 'Promise', 'Symbol', 'DataView',
    'Uint8Array', 'Float64Array', 'JSON', 'Math', 'encodeURIComponent', 'decodeURI', 'parseInt', 'isNaN',
    'InternalError', 'EvalError', 'URIError', 'globalThis', 'console'];
  console.log(absent.map(function (name) { return name + ':' + typeof globalThis[name]; }).join(' '));
  console.log(present.map(function (name) { return name + ':' + typeof globalThis[name]; }).join(' '));
  var members = [
    typeof Array.from, typeof Object.fromEntries, typeof String.prototype.at, typeof Array.prototype.flat,
    typeof Array.prototype.flatMap, typeof Object.entries, typeof Array.of, typeof String.prototype.padStart,
    typeof Promise.allSettled, typeof Symbol.for, typeof String.prototype.normalize, typeof Number.prototype.toLocaleString,
    typeof Array.prototype.at, typeof Object.hasOwn, typeof String.raw, typeof Uint8Array.from
  ];
  console.log(members.join(' '));
  return event.request;
}
