// Every way to fail: thrown errors of each type, a thrown string, a rejected promise, a
// TypeError from the engine.
async function handler(event) {
  var request = event.request;
  switch (request.uri) {
    case '/error':
      throw new Error('boom');
    case '/type':
      throw new TypeError('bad type');
    case '/range':
      throw new RangeError('out of range');
    case '/string':
      throw 'just a string';
    case '/reject':
      return Promise.reject(new Error('rejected'));
    case '/undefined':
      return request.headers.missing.value;
    case '/internal':
      throw new InternalError('internal');
    case '/caught':
      try {
        null.x;
      } catch (e) {
        console.log(e.name + ' ' + (e instanceof TypeError));
      }
      return request;
  }
  return request;
}
