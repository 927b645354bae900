// The code that reads hedgec's KVS layout (kvs-layout crate). Every function that reads the
// store carries these helpers (the minifier keeps the ones its encoding uses); the namespace is
// derived from this text, so a change here moves every entry to a new namespace. Only syntax
// and built-ins of cloudfront-js-2.0 may be used.

// The bucket number of a lookup key: FNV-1a over its UTF-16 code units with Math.imul
// (kvs-layout `bucket_hash`). Only the first 512 units count: no longer key can be stored, so
// the cost is bounded and every storable key is hashed whole.
function bucket(key) {
  for (var hash = 2166136261, i = 0, n = Math.min(key.length, 512); i < n; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 16777619);
  return hash >>> 0;
}

// The value of the line for `key` in a bucket's text, or "" (kvs-layout `lookup`).
function line(text, key) {
  var i = text.indexOf("\x7f" + key + " ");
  return i < 0 ? "" : text.slice(i + key.length + 2, text.indexOf("\x7f", i + 1));
}

// The same in a front-coded bucket (kvs-layout `Encoding::front_coded`): the text opens with
// an empty line, and each line's key is stored after one character, code 48 + n, for the n
// characters it shares with the key of the line before. Lines are read in order until the key.
function frontLine(text, key) {
  for (var i = 1, k = "", j, e; (j = text.indexOf("\x7f", i + 1)) > 0; i = j) {
    e = text.indexOf(" ", i);
    k = k.slice(0, text.charCodeAt(i + 1) - 48) + text.slice(i + 2, e);
    if (k == key) return text.slice(e + 1, j);
  }
  return "";
}

// A target stored relative to its key (kvs-layout `relative`).
function resolve(value, key) {
  return key.slice(0, value.charCodeAt(1) - 48) + value.slice(3) + key.slice(key.length - value.charCodeAt(2) + 48);
}

// A target stored relative to its lower-cased key (kvs-layout `relative_folded`): after the
// lengths shared with the key come the length of the spans' text, then the spans, each a
// character `48 + n` (one letter at distance n, for n < 39) or two (distance n - 39, then
// length); every span of the resolved target is upper-cased.
function resolveFolded(value, key) {
  var e = value.charCodeAt(3) - 44, i = 4, p = 0, c,
    t = key.slice(0, value.charCodeAt(1) - 48) + value.slice(e) + key.slice(key.length - value.charCodeAt(2) + 48);
  while (i < e) {
    c = value.charCodeAt(i++) - 48;
    p += c < 39 ? c : c - 39;
    c = c < 39 ? 1 : value.charCodeAt(i++) - 48;
    t = t.slice(0, p) + t.slice(p, p + c).toUpperCase() + t.slice(p + c);
    p += c;
  }
  return t;
}
