// The header-heavy site's request side, written by hand: a directory path gets its index.html, and
// the path the viewer asked for travels to the response side, where header rules match it.
function handler(event) {
  var request = event.request;
  var uri = request.uri;
  delete request.headers['x-path'];
  if (uri.endsWith('/')) {
    request.headers['x-path'] = { value: uri };
    request.uri = uri + 'index.html';
  }
  return request;
}
