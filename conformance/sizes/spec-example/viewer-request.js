// The spec example's request side, written by hand as a careful engineer would: exact paths in an
// object, patterns as prefix tests and one regular expression. Like hedgec's function it folds a
// trailing slash and matches the path in canonical percent-encoding.
import cf from 'cloudfront';

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

var EXACT = {
  '/old-page': [301, '/new-page', true],
  '/go/gh': [302, 'https://github.com/example', false],
};

function redirect(status, location, request, keepQuery) {
  var query = keepQuery && request.rawQueryString();
  return { statusCode: status, headers: { location: { value: query ? location + '?' + query : location } } };
}

function under(uri, prefix) {
  return uri === prefix || uri.startsWith(prefix + '/');
}

function handler(event) {
  var request = event.request;
  var headers = request.headers;
  var uri = request.uri;
  var path = canonical(uri);
  var exact = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  var host = headers.host ? headers.host.value.toLowerCase() : '';
  var country = headers['cloudfront-viewer-country'];
  var rule = EXACT[exact];
  var m;

  if (host === 'www.example.com') return redirect(308, 'https://example.com' + path, request, true);
  if (rule) return redirect(rule[0], rule[1], request, rule[2]);
  if (exact === '/wp-login.php') return { statusCode: 410, body: 'gone' };
  if (under(path, '/blog')) return redirect(301, '/posts/' + path.slice(6), request, true);
  if ((m = /^\/docs\/([^\/]+)\/intro\/?$/.exec(path))) return redirect(302, '/docs/' + m[1] + '/start', request, true);
  if (exact === '/' && country && (country.value === 'DE' || country.value === 'AT')) {
    return redirect(302, '/de/', request, true);
  }

  var to = uri;
  if (under(path, '/app')) {
    to = '/app/index.html';
  } else if (under(path, '/api')) {
    to = path.slice(4) || '/';
    cf.selectRequestOriginById('api-origin');
  } else if (to.endsWith('/')) {
    to += 'index.html';
  }
  if (under(path, '/api')) headers['x-edge'] = { value: '1' };
  // The response side matches header rules against the path the viewer asked for.
  delete headers['x-path'];
  if (to !== uri) {
    headers['x-path'] = { value: uri };
    request.uri = to;
  }
  return request;
}
