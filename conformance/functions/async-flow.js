// async/await and promises: chains, combinators, then/catch/finally, awaiting plain values.
function later(value) {
  return Promise.resolve(value).then(function (v) {
    return v + 1;
  });
}

async function handler(event) {
  var steps = [];
  var a = await 1;
  var b = await later(a);
  steps.push(a, b);
  var all = await Promise.all([later(1), later(2), 3]);
  steps.push(all.join('+'));
  var any = await Promise.any([Promise.reject(new Error('x')), later(10)]);
  var race = await Promise.race([later(20), later(30)]);
  steps.push(any, race);
  await Promise.reject(new Error('e')).catch(function (e) {
    steps.push('caught ' + e.message);
  }).finally(function () {
    steps.push('finally');
  });
  var settled = await Promise.allSettled([later(1), Promise.reject(2)]);
  steps.push(settled[0].value + ':' + settled[1].reason);
  console.log(steps.join(' '));
  return event.request;
}
