// Headers a function may not touch: disallowed ones, read-only ones, and upper-case names.
function handler(event) {
  var request = event.request;
  var headers = request.headers;
  switch (request.uri) {
    case '/x-amz-cf-id':
      headers['x-amz-cf-id'] = { value: 'forged' };
      break;
    case '/connection':
      headers.connection = { value: 'close' };
      break;
    case '/x-edge':
      headers['x-edge-location'] = { value: 'x' };
      break;
    case '/host':
      headers.host = { value: 'other.example.com' };
      break;
    case '/delete-host':
      delete headers.host;
      break;
    case '/via':
      headers.via = { value: '1.1 proxy' };
      break;
    case '/upper':
      headers['X-Upper'] = { value: '1' };
      break;
    case '/fine':
      headers['x-fine'] = { value: '1' };
      headers.host = { value: headers.host.value };
      break;
  }
  return request;
}
