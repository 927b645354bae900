// eval and the Function constructor throw when reached in ways the syntax gate cannot see, and
// require knows only crypto and querystring. (njs's command line runs all three, so only the
// local runtime runs this.)
function handler(event) {
  var indirect = globalThis.eval;
  var results = [];
  try {
    results.push(indirect('1 + 1'));
  } catch (e) {
    results.push(e.name);
  }
  try {
    results.push((function () {}).constructor('return 1')());
  } catch (e) {
    results.push(e.name);
  }
  try {
    results.push(require('fs'));
  } catch (e) {
    results.push(e.name);
  }
  console.log(results.join(' '));
  return event.request;
}
