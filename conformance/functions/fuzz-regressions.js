// Disagreements the differential fuzzer found between the local runtime and njs, each reduced
// to the line that shows it, after the runtime was fixed to match.
function handler(event) {
  // console.log of an array prints its named properties after the elements.
  console.log(/(a)/.exec('xab'));
  console.log('oink'.match(/(?<word>[a-z]+)/));
  var list = [1, 2];
  list.extra = 'x';
  console.log(list);
  // String.prototype.substr, documented for cloudfront-js-2.0.
  console.log('/path/to/page.html'.substr(-4, 2) + ' ' + 'abc'.substr(1));
  return event.request;
}
