// The regex-heavy site's request side (conformance/rules/regex.toml), written by hand: one
// regular expression per rule, tried in order on the path in canonical percent-encoding, as the
// rules language defines it (the site's cases request non-ASCII and lower-case escapes).

// Non-ASCII as UTF-8 escapes, escapes in upper case, escapes of unreserved characters decoded.
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

function redirect(location, request) {
  var query = request.rawQueryString();
  if (query) location += (location.indexOf('?') < 0 ? '?' : '&') + query;
  return { statusCode: 301, headers: { location: { value: location } } };
}

function handler(event) {
  var request = event.request;
  var headers = request.headers;
  var uri = request.uri;
  var path = canonical(uri);
  var exact = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  var to = uri;
  var m;

  if (exact === '/old-2019.html') return redirect('/exact-first', request);
  if ((m = /^\/old-(\d{4})\.html$/.exec(path))) return redirect('/archive/' + m[1], request);
  if ((m = /^\/(en|de)\/docs\/(.*)$/.exec(path))) return redirect('/docs/' + m[1] + '/' + m[2], request);
  if ((m = /^\/price\/(\d+)$/.exec(path))) return redirect('/cost?amount=$' + m[1], request);
  if ((m = /^\/img\/([a-z]+)-(\d+)x(\d+)\.png$/.exec(path))) {
    var query = request.rawQueryString();
    request.querystring = 'w=' + m[2] + '&h=' + m[3] + (query ? '&' + query : '');
    to = '/images/' + m[1] + '.png';
  } else if (/^\/wp-(admin|login)(\/.*)?$/.test(path)) {
    return { statusCode: 410, body: 'gone' };
  } else if ((m = /^\/caf%C3%A9\/([^\/]+)$/.exec(path))) {
    return redirect('/coffee/' + m[1], request);
  } else if ((m = /^\/opt(\/x)?\/end$/.exec(path))) {
    return redirect('/optional' + (m[1] || '') + '/done', request);
  } else if (exact === '/old-2020.html') {
    return redirect('/kvs-after-regex', request);
  }
  if (to.endsWith('/')) to += 'index.html';
  if (/^\/api\/v\d\/.*$/.test(path)) headers['x-api-version'] = { value: 'yes' };
  // The response side matches header rules against the path the viewer asked for.
  delete headers['x-path'];
  if (to !== uri) {
    headers['x-path'] = { value: uri };
    request.uri = to;
  }
  return request;
}
