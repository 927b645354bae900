// Works on the developer guide's full viewer-response event: multi-value cookies and headers.
function handler(event) {
  var request = event.request;
  var response = event.response;
  var accept = request.headers.accept.multiValue.map(function (item) {
    return item.value;
  });
  response.headers['x-accept-seen'] = { value: accept.join(', ') };
  response.cookies.Cookie1.multiValue.push({ value: 'val3', attributes: 'Path=/' });
  response.cookies.ID.value = 'id5678';
  delete response.headers.server;
  console.log('cookies: ' + Object.keys(request.cookies).join(','));
  console.log('query: ' + request.querystring.querymv.multiValue.length + ' ' + request.querystring.NoValue.value.length);
  return response;
}
