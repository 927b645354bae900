// The same check with the key read from the KVS, in an async handler.
import cf from 'cloudfront';
import crypto from 'crypto';

const kvs = cf.kvs();
const unauthorized = { statusCode: 401, statusDescription: 'Unauthorized' };

function decode(segment) {
  return JSON.parse(Buffer.from(segment, 'base64url').toString());
}

// Compares in time that does not depend on where the texts differ.
function same(a, b) {
  if (a.length !== b.length) {
    return false;
  }
  var diff = 0;
  for (var i = 0; i < a.length; i++) {
    diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  }
  return diff === 0;
}

function verify(token, key) {
  var parts = token.split('.');
  if (parts.length !== 3) {
    throw new Error('a token has three parts');
  }
  var header = decode(parts[0]);
  var payload = decode(parts[1]);
  if (header.alg !== 'HS256') {
    throw new Error('unsupported algorithm ' + header.alg);
  }
  var signature = crypto.createHmac('sha256', key).update(parts[0] + '.' + parts[1]).digest('base64url');
  if (!same(signature, parts[2])) {
    throw new Error('bad signature');
  }
  var now = Date.now();
  if (payload.nbf && now < payload.nbf * 1000) {
    throw new Error('token not yet valid');
  }
  if (payload.exp && now > payload.exp * 1000) {
    throw new Error('token expired');
  }
  return payload;
}

async function handler(event) {
  const request = event.request;
  if (!request.querystring.jwt) {
    return unauthorized;
  }
  let key;
  try {
    key = await kvs.get('jwt.secret');
  } catch (e) {
    console.log('no key in the store');
    return unauthorized;
  }
  try {
    verify(request.querystring.jwt.value, key);
  } catch (e) {
    console.log(e.message);
    return unauthorized;
  }
  delete request.querystring.jwt;
  return request;
}
