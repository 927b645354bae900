// Lets browsers keep successful responses for two years.
function handler(event) {
  var response = event.response;
  if (response.statusCode >= 200 && response.statusCode < 400) {
    response.headers['cache-control'] = { value: 'public, max-age=63072000' };
  }
  return response;
}
