// Math.random: numbers in [0, 1), different from call to call. (The sequences of the two
// engines differ, so only properties are logged.)
function handler(event) {
  var seen = [];
  var fine = true;
  for (var i = 0; i < 100; i++) {
    var r = Math.random();
    fine = fine && r >= 0 && r < 1;
    if (seen.indexOf(r) < 0) {
      seen.push(r);
    }
  }
  console.log(fine + ' ' + (seen.length > 95));
  var bucket = Math.floor(Math.random() * 2) === 0 ? 'a' : 'b';
  event.request.headers['x-bucket-set'] = { value: String(bucket === 'a' || bucket === 'b') };
  return event.request;
}
