// Request cookies in, response cookies out: a session check that sets a cookie.
function handler(event) {
  var request = event.request;
  var session = request.cookies.session;
  if (!session) {
    return {
      statusCode: 302,
      statusDescription: 'Found',
      headers: { location: { value: '/login?next=' + encodeURIComponent(request.uri) } },
      cookies: {
        next: { value: request.uri, attributes: 'Path=/; Max-Age=300; HttpOnly' },
        tries: { value: '1', multiValue: [{ value: '1', attributes: 'Path=/a' }, { value: '2', attributes: 'Path=/b' }] }
      }
    };
  }
  request.headers['x-session'] = { value: session.value };
  delete request.cookies.tracking;
  return request;
}
