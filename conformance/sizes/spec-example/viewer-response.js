// The spec example's response side, written by hand: security headers everywhere, caching for
// assets, a header removed under /private, matched against the path the viewer asked for.
function under(path, prefix) {
  return path === prefix || path.startsWith(prefix + '/');
}

function handler(event) {
  var original = event.request.headers['x-path'];
  var path = original ? original.value : event.request.uri;
  var headers = event.response.headers;
  headers['strict-transport-security'] = { value: 'max-age=63072000; includeSubDomains; preload' };
  headers['x-content-type-options'] = { value: 'nosniff' };
  if (under(path, '/assets')) headers['cache-control'] = { value: 'public, max-age=31536000, immutable' };
  if (under(path, '/private')) delete headers['x-powered-by'];
  return event.response;
}
