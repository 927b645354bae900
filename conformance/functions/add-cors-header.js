// Copies the request's Origin into Access-Control-Allow-Origin when the response has none.
function handler(event) {
  var request = event.request;
  var response = event.response;
  if (!response.headers['access-control-allow-origin'] && request.headers.origin) {
    response.headers['access-control-allow-origin'] = { value: request.headers.origin.value };
    console.log('Access-Control-Allow-Origin was missing, adding it now.');
  }
  return response;
}
