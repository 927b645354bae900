// atob/btoa and TextEncoder/TextDecoder.
function attempt(f) {
  try {
    console.log(f());
  } catch (e) {
    console.log(e.name);
  }
}

function handler(event) {
  attempt(function () { return atob('aGk=') + JSON.stringify(atob('/w==')); });
  attempt(function () { return btoa('hi') + ' ' + btoa('é'); });
  attempt(function () { return atob('a'); });
  attempt(function () { return btoa('€'); });
  var encoder = new TextEncoder();
  var bytes = encoder.encode('héllo €');
  console.log(encoder.encoding + ' ' + bytes.length + ' ' + (bytes instanceof Uint8Array) + ' ' + encoder.encode().length);
  var into = new Uint8Array(4);
  console.log(JSON.stringify(encoder.encodeInto('héllo', into)) + ' ' + Array.prototype.join.call(into, ','));
  var decoder = new TextDecoder();
  console.log(decoder.encoding + ' ' + decoder.fatal + ' ' + decoder.decode(bytes) + ' ' + decoder.decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x41])));
  console.log(decoder.decode(new Uint8Array([0xff, 0x41])) + ' ' + new TextDecoder('utf-8', { ignoreBOM: true }).decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x41])).length);
  attempt(function () { return new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array([0xff, 0x41])); });
  attempt(function () { return new TextDecoder('latin1'); });
  return event.request;
}
