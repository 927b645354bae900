// Adds a True-Client-IP request header holding the viewer's address.
function handler(event) {
  var request = event.request;
  request.headers['true-client-ip'] = { value: event.viewer.ip };
  return request;
}
