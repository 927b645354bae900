// The regex-heavy site's response side, written by hand: a long cache lifetime for scripts and
// styles under /assets, matched against the canonical form of the path the viewer asked for.
function handler(event) {
  var original = event.request.headers['x-path'];
  var path = original ? original.value : event.request.uri;
  try {
    path = path.replace(/[^!-~]+/g, encodeURIComponent).replace(/%[0-9a-f]{2}/gi, function (e) {
      var c = String.fromCharCode(parseInt(e.slice(1), 16));
      return /[\w.~-]/.test(c) ? c : e.toUpperCase();
    });
  } catch (e) {}
  if (/^\/assets\/.+\.(js|css)$/.test(path)) {
    event.response.headers['cache-control'] = { value: 'max-age=31536000' };
  }
  return event.response;
}
