// Timers and other Node or njs extras CloudFront does not have. (njs's command line has
// setTimeout, process and njs, so only the local runtime runs this.)
function handler(event) {
  var names = ['setTimeout', 'setImmediate', 'clearTimeout', 'setInterval', 'queueMicrotask', 'process', 'njs', 'print', 'global'];
  console.log(names.map(function (name) { return typeof globalThis[name]; }).join(' '));
  return event.request;
}
