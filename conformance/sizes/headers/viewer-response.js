// The header-heavy site's response side, written by hand: security headers everywhere, then
// caching and CORS by path prefix, matched against the canonical form of the path the viewer
// asked for.
var YEAR = 'public, max-age=31536000, immutable';

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

function set(headers, values) {
  for (var name in values) headers[name] = { value: values[name] };
}

function handler(event) {
  var original = event.request.headers['x-path'];
  var path = canonical(original ? original.value : event.request.uri);
  var headers = event.response.headers;
  set(headers, {
    'strict-transport-security': 'max-age=63072000; includeSubDomains; preload',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'strict-origin-when-cross-origin',
    'permissions-policy': 'camera=(), microphone=(), geolocation=()',
  });
  delete headers.server;
  delete headers['x-powered-by'];
  if (under(path, '/assets')) set(headers, { 'cache-control': YEAR });
  if (under(path, '/fonts')) set(headers, { 'cache-control': YEAR, 'access-control-allow-origin': '*' });
  if (under(path, '/api')) set(headers, { 'cache-control': 'no-store', 'access-control-allow-origin': 'https://app.example.com' });
  if (path === '/') set(headers, { 'cache-control': 'no-cache' });
  if (under(path, '/embed')) delete headers['x-frame-options'];
  return event.response;
}
