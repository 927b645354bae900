// The spec example's request side, written by hand as a careful engineer would: exact paths in an
// object, patterns as prefix tests and one regular expression. Like hedgec's function it folds a
// trailing slash; unlike it, it does not normalise percent-encoding.
import cf from 'cloudfront';

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
  var path = uri.length > 1 && uri.endsWith('/') ? uri.slice(0, -1) : uri;
  var host = headers.host ? headers.host.value.toLowerCase() : '';
  var country = headers['cloudfront-viewer-country'];
  var rule = EXACT[path];
  var m;

  if (host === 'www.example.com') return redirect(308, 'https://example.com' + uri, request, true);
  if (rule) return redirect(rule[0], rule[1], request, rule[2]);
  if (path === '/wp-login.php') return { statusCode: 410, body: 'gone' };
  if (under(uri, '/blog')) return redirect(301, '/posts/' + uri.slice(6), request, true);
  if ((m = /^\/docs\/([^\/]+)\/intro\/?$/.exec(uri))) return redirect(302, '/docs/' + m[1] + '/start', request, true);
  if (path === '/' && country && (country.value === 'DE' || country.value === 'AT')) {
    return redirect(302, '/de/', request, true);
  }

  var to = uri;
  if (under(uri, '/app')) {
    to = '/app/index.html';
  } else if (under(uri, '/api')) {
    to = uri.slice(4) || '/';
    cf.selectRequestOriginById('api-origin');
  } else if (to.endsWith('/')) {
    to += 'index.html';
  }
  if (under(uri, '/api')) headers['x-edge'] = { value: '1' };
  // The response side matches header rules against the path the viewer asked for.
  delete headers['x-path'];
  if (to !== uri) {
    headers['x-path'] = { value: uri };
    request.uri = to;
  }
  return request;
}
