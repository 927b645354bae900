// Sends the bare domain to www, keeping the path.
function handler(event) {
  var request = event.request;
  var host = request.headers.host.value;
  if (host === 'example.com') {
    return {
      statusCode: 301,
      statusDescription: 'Moved Permanently',
      headers: { location: { value: 'https://www.example.com' + request.uri } }
    };
  }
  return request;
}
