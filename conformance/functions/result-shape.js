// What CloudFront makes of a result: missing querystring, headers and cookies come back as {},
// unknown keys are dropped, a numeric header value becomes a string.
function handler(event) {
  switch (event.request.uri) {
    case '/bare-request':
      return { method: 'GET', uri: '/bare', headers: { host: event.request.headers.host } };
    case '/no-host':
      return { method: 'GET', uri: '/bare' };
    case '/bare-response':
      return { statusCode: 204 };
    case '/extra':
      return { statusCode: 302, statusDescription: 'Found', extra: 'dropped', headers: { location: { value: '/x', extra: 1 } } };
    case '/number':
      return { statusCode: 200, headers: { 'x-count': { value: 3 } } };
    case '/string-body':
      return { statusCode: 200, body: 'plain text' };
    case '/undefined':
      return undefined;
    case '/event':
      return event;
  }
  return event.request;
}
