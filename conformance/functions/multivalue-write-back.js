// Changes multi-value headers, query parameters and cookies in the ways CloudFront's write-back
// rule tells apart: a changed `value` replaces the first value, a changed `multiValue` wins.
function handler(event) {
  var request = event.request;
  var header = request.headers['x-list'];
  var tag = request.querystring.tag;
  var pref = request.cookies.pref;
  switch (request.uri) {
    case '/value':
      header.value = 'changed';
      tag.value = 'z';
      pref.value = 'w';
      break;
    case '/multi':
      header.multiValue[1].value = 'second';
      header.value = 'ignored';
      tag.multiValue.push({ value: 'c' });
      pref.multiValue.shift();
      break;
    case '/new':
      request.headers['x-new'] = { value: 'a', multiValue: [{ value: 'a' }, { value: 'b' }] };
      request.querystring.more = { value: '1', multiValue: [{ value: '1' }, { value: '2' }] };
      break;
    case '/empty':
      header.multiValue = [];
      break;
    case '/misspelled':
      request.headers['x-typo'] = { value: 'kept', multivalue: [{ value: 'dropped' }] };
      break;
  }
  return request;
}
