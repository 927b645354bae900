// Sorts the query parameters (repeated ones included) and returns the query as a string, as
// AWS's normalize-query-string-parameters example does.
function handler(event) {
  var request = event.request;
  var querystring = request.querystring;
  var pairs = [];
  Object.keys(querystring).sort().forEach(function (name) {
    var field = querystring[name];
    var values = field.multiValue
      ? field.multiValue.map(function (item) {
          return item.value;
        })
      : [field.value];
    values.sort().forEach(function (value) {
      pairs.push(value === '' ? name : name + '=' + value);
    });
  });
  request.querystring = pairs.join('&');
  return request;
}
