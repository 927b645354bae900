// request.rawQueryString(): the query as the viewer sent it, or undefined without one.
function handler(event) {
  var raw = event.request.rawQueryString();
  console.log(typeof raw + ' ' + raw);
  event.request.headers['x-raw'] = { value: String(raw) };
  return event.request;
}
