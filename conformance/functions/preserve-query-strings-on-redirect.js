// Redirects to the new site with the query string, repeated parameters included.
function query(querystring) {
  var parts = [];
  for (var name in querystring) {
    var field = querystring[name];
    if (field.multiValue) {
      field.multiValue.forEach(function (item) {
        parts.push(name + '=' + item.value);
      });
    } else {
      parts.push(name + '=' + field.value);
    }
  }
  return parts.length ? '?' + parts.join('&') : '';
}

function handler(event) {
  var request = event.request;
  var target = 'https://www.example.com/new' + request.uri + query(request.querystring);
  return { statusCode: 301, statusDescription: 'Moved Permanently', headers: { location: { value: target } } };
}
