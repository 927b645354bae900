// Redirects by Accept-Language to a language prefix, keeping the raw query string.
var SUPPORTED = ['en', 'de', 'fr', 'ja'];

function preferred(header) {
  if (!header) {
    return 'en';
  }
  var choices = header.value.split(',').map(function (part) {
    var pieces = part.trim().split(';q=');
    return { tag: pieces[0].split('-')[0].toLowerCase(), q: pieces.length > 1 ? parseFloat(pieces[1]) : 1 };
  });
  choices.sort(function (a, b) {
    return b.q - a.q;
  });
  for (var i = 0; i < choices.length; i++) {
    if (SUPPORTED.indexOf(choices[i].tag) >= 0) {
      return choices[i].tag;
    }
  }
  return 'en';
}

function handler(event) {
  var request = event.request;
  if (request.uri !== '/') {
    return request;
  }
  var query = request.rawQueryString();
  var target = '/' + preferred(request.headers['accept-language']) + '/';
  return {
    statusCode: 302,
    statusDescription: 'Found',
    headers: { location: { value: query ? target + '?' + query : target }, vary: { value: 'Accept-Language' } }
  };
}
