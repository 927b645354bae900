// Date during a run: the run's start time, in UTC.
function handler(event) {
  var now = Date.now();
  var date = new Date();
  console.log(now + ' ' + date.toISOString() + ' ' + (date.getTime() === now));
  console.log(date.getTimezoneOffset() + ' ' + date.getHours() + ' ' + date.getUTCDay() + ' ' + date.toUTCString());
  console.log(new Date(2024, 0, 31, 12).toISOString() + ' ' + Date.UTC(2020, 1, 29) + ' ' + Date.parse('2024-05-01T00:00:00Z'));
  console.log(new Date(0).toISOString() + ' ' + new Date('2024-02-30T00:00:00Z').getTime());
  var expires = new Date(now + 86400000);
  return {
    statusCode: 200,
    headers: { expires: { value: expires.toUTCString() }, 'x-now': { value: String(now) } }
  };
}
