// The code that reads hedgec's KVS layout (kvs-layout crate). Every function that reads the
// store carries these helpers; the namespace is derived from this text, so a change here moves
// every entry to a new namespace. Only syntax and built-ins of cloudfront-js-2.0 may be used.

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

// A target stored relative to its key (kvs-layout `relative`).
function resolve(value, key) {
  return key.slice(0, value.charCodeAt(1) - 48) + value.slice(3) + key.slice(key.length - value.charCodeAt(2) + 48);
}
