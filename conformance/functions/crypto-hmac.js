// HMACs through `import crypto from 'crypto'`, with string, Buffer and long keys.
import crypto from 'crypto';

function handler(event) {
  var long = 'k'.repeat(200);
  console.log(crypto.createHmac('sha256', 'secret').update('message').digest('hex'));
  console.log(crypto.createHmac('sha1', Buffer.from('secret')).update('mess').update('age').digest('base64'));
  console.log(crypto.createHmac('md5', long).update('message').digest('base64url'));
  console.log(crypto.createHmac('sha256', '').update('').digest('hex'));
  var mac = crypto.createHmac('sha256', 'k').update('x').digest();
  console.log(mac.length + ' ' + Buffer.isBuffer(mac));
  return event.request;
}
