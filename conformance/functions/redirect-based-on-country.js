// Sends viewers in Germany to the German pages with a 302; everyone else goes on.
function handler(event) {
  var request = event.request;
  var country = request.headers['cloudfront-viewer-country'];
  if (country && country.value === 'DE') {
    var host = request.headers.host.value;
    return {
      statusCode: 302,
      statusDescription: 'Found',
      headers: { location: { value: `https://${host}/de/index.html` } }
    };
  }
  return request;
}
