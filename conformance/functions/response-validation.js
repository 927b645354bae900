// Viewer-response functions: what may come back. The status code picks the case.
function handler(event) {
  var response = event.response;
  switch (response.statusCode) {
    case 201:
      return event.request;
    case 202:
      response.statusCode = 700;
      return response;
    case 203:
      response.body = { encoding: 'base64', data: 'not base64!' };
      return response;
    case 204:
      response.headers.warning = { value: '199 - "x"' };
      return response;
    case 205:
      delete response.headers.via;
      return response;
    case 206:
      response.body = { encoding: 'text', data: '<p>hi</p>' };
      response.cookies.session = { value: 'abc', attributes: 'Secure; HttpOnly' };
      return response;
    case 207:
      response.body = { encoding: 'binary', data: 'x' };
      return response;
    case 208:
      return { statusCode: 200 };
  }
  return response;
}
