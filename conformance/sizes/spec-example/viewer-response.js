// The spec example's response side, written by hand: security headers everywhere, caching for
// assets, a header removed under /private, matched against the canonical form of the path the
// viewer asked for.
// Non-ASCII as UTF-8 escapes, escapes in upper case, escapes of unreserved characters decoded:
// the canonical form the rules language matches paths in.
function canonical(uri) {
  try {
    return uri
      .replace(/[^!-~]+/g, encodeURIComponent)
      .replace(/%[0-9a-f]{2}/gi, function (e) {
        var c = String.fromCharCode(parseInt(e.slice(1), 16));
        return /[\w.~-]/.test(c) ? c : e.toUpperCase();
      });
  } catch (e) {
    return uri;
  }
}

function under(path, prefix) {
  return path === prefix || path.startsWith(prefix + '/');
}

function handler(event) {
  var original = event.request.headers['x-path'];
  var path = canonical(original ? original.value : event.request.uri);
  var headers = event.response.headers;
  headers['strict-transport-security'] = { value: 'max-age=63072000; includeSubDomains; preload' };
  headers['x-content-type-options'] = { value: 'nosniff' };
  if (under(path, '/assets')) headers['cache-control'] = { value: 'public, max-age=31536000, immutable' };
  if (under(path, '/private')) delete headers['x-powered-by'];
  return event.response;
}
