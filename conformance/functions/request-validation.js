// Requests CloudFront refuses: a URI without a leading slash or with a space, a query string
// with a space or #, a URI and query of 8,192 bytes or more, a changed method.
function handler(event) {
  var request = event.request;
  switch (request.uri) {
    case '/relative':
      request.uri = 'relative';
      break;
    case '/space':
      request.uri = '/a b';
      break;
    case '/query-space':
      request.querystring = 'a=1 2';
      break;
    case '/query-hash':
      request.querystring = 'a=1#x';
      break;
    case '/long':
      request.uri = '/' + 'x'.repeat(8200);
      break;
    case '/method':
      request.method = 'POST';
      break;
    case '/fine':
      request.uri = '/fine/index.html';
      request.querystring = 'a=1&b=%20';
      break;
  }
  return request;
}
