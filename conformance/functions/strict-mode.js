// Functions always run in strict mode.
function handler(event) {
  var out = [];
  try {
    undeclared = 1;
  } catch (e) {
    out.push(e.name);
  }
  out.push(typeof this);
  out.push((function () { return this; })() === undefined);
  try {
    Object.freeze({ a: 1 }).a = 2;
  } catch (e) {
    out.push(e.name);
  }
  console.log(out.join(' '));
  return event.request;
}
