// Buffer encodings: utf8, hex, base64, base64url, and njs's leniency with bad input.
function handler(event) {
  var text = 'héllo, wörld €';
  ['utf8', 'utf-8', 'hex', 'base64', 'base64url'].forEach(function (encoding) {
    var encoded = Buffer.from(text).toString(encoding);
    console.log(encoding + ' ' + encoded + ' ' + Buffer.from(encoded, encoding).toString() + ' ' + Buffer.byteLength(encoded, encoding));
  });
  console.log(Buffer.from('YWJj====', 'base64').toString() + ' ' + Buffer.from('Y', 'base64').toString('hex'));
  console.log(Buffer.from('YW-j', 'base64').toString('hex') + ' ' + Buffer.from('YW_j', 'base64url').toString('hex'));
  console.log(Buffer.from('abc', 'hex').toString('hex') + ' ' + Buffer.from('0g', 'hex').length + ' ' + Buffer.from('a', 'hex').toString());
  console.log(Buffer.from([0xff, 0xfe, 0x41]).toString() + ' ' + Buffer.from('\ud800x').toString('hex'));
  console.log(Buffer.from(text).toString('utf8', 1, 3) + ' ' + Buffer.from(text).toString('hex', 0, 2));
  console.log(Buffer.isEncoding('base64url') + ' ' + Buffer.isEncoding('latin1') + ' ' + Buffer.isEncoding('UTF8'));
  ['latin1', 'ascii', 'UTF8'].forEach(function (encoding) {
    try {
      Buffer.from('x', encoding);
    } catch (e) {
      console.log(String(e));
    }
  });
  return event.request;
}
