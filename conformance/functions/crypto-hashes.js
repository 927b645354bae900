// Hashes with require('crypto'): md5, sha1, sha256, with every digest encoding.
var crypto = require('crypto');

function handler(event) {
  ['md5', 'sha1', 'sha256'].forEach(function (algorithm) {
    console.log(crypto.createHash(algorithm).update('The quick brown fox').digest('hex'));
    console.log(crypto.createHash(algorithm).update('a').update(Buffer.from('bc')).digest('base64'));
    console.log(crypto.createHash(algorithm).update('ff00', 'hex').update('aGk=', 'base64').digest('base64url'));
    var digest = crypto.createHash(algorithm).update(new Uint8Array([1, 2, 3])).digest();
    console.log(Buffer.isBuffer(digest) + ' ' + digest.length + ' ' + digest.toString('hex').slice(0, 8));
  });
  var hex = crypto.createHash('sha256').update('é').digest('hex');
  event.request.headers['x-digest'] = { value: hex };
  return event.request;
}
