// Adds an Origin header built from Host when the viewer sent none.
function handler(event) {
  var request = event.request;
  var headers = request.headers;
  if (!headers.origin) {
    headers.origin = { value: 'https://' + headers.host.value };
  }
  return request;
}
