// What crypto refuses: unknown algorithms and encodings, a second digest, data of the wrong type.
var crypto = require('crypto');

function attempt(f) {
  try {
    console.log('ok ' + f());
  } catch (e) {
    console.log(String(e));
  }
}

function handler(event) {
  attempt(function () {
    return crypto.createHash('sha512');
  });
  attempt(function () {
    var hash = crypto.createHash('sha1');
    hash.digest();
    return hash.digest('hex');
  });
  attempt(function () {
    return crypto.createHash('md5').digest('latin1');
  });
  attempt(function () {
    return crypto.createHash('md5').update(12).digest('hex');
  });
  return event.request;
}
