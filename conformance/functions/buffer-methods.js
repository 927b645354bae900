// Buffer's other methods: alloc, concat, slice, compare, search, numbers, write, fill, copy.
function handler(event) {
  var hello = Buffer.from('hello');
  var part = hello.slice(1, 3);
  part[0] = 0x45;
  console.log(hello.toString() + ' ' + part.toString() + ' ' + (part instanceof Buffer) + ' ' + (hello instanceof Uint8Array));
  console.log(Buffer.concat([Buffer.from('a'), Buffer.from('bc'), Buffer.alloc(2)]).toString('hex'));
  console.log(Buffer.concat([Buffer.from('abc'), Buffer.from('def')], 4).toString());
  console.log(Buffer.alloc(5, 'ab').toString() + ' ' + Buffer.alloc(3, 1).toString('hex') + ' ' + Buffer.alloc(4).length);
  console.log(Buffer.from('abc').equals(Buffer.from('abc')) + ' ' + Buffer.from('abc').equals(Buffer.from('abd')));
  console.log(Buffer.compare(Buffer.from('a'), Buffer.from('b')) + ' ' + Buffer.from('b').compare(Buffer.from('a')));
  var text = Buffer.from('hello world, hello');
  console.log(text.indexOf('hello') + ' ' + text.indexOf('hello', 1) + ' ' + text.lastIndexOf('hello') + ' ' + text.indexOf(0x6f) + ' ' + text.includes('world') + ' ' + text.indexOf('zzz'));
  var numbers = Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]);
  console.log(numbers.readUInt8(0) + ' ' + numbers.readUInt16BE(1) + ' ' + numbers.readUInt16LE(1) + ' ' + numbers.readInt32BE(0) + ' ' + numbers.readUInt32LE(4));
  console.log(numbers.readUIntBE(0, 3) + ' ' + numbers.readIntLE(5, 3) + ' ' + numbers.readDoubleLE(0).toFixed(3));
  var out = Buffer.alloc(8);
  out.writeUInt32LE(0x01020304, 0);
  out.writeInt16BE(-2, 4);
  out.writeUInt8(255, 6);
  console.log(out.toString('hex'));
  var target = Buffer.alloc(6);
  console.log(target.write('héllo', 1) + ' ' + target.toString('hex'));
  console.log(Buffer.from('abcdef').fill('xy', 1, 4).toString() + ' ' + Buffer.alloc(3).fill(0x61).toString());
  var copy = Buffer.alloc(4);
  console.log(Buffer.from('wxyz').copy(copy, 1, 0, 2) + ' ' + copy.toString('hex'));
  console.log(JSON.stringify(Buffer.from('ab')) + ' ' + JSON.stringify({ b: Buffer.from([1]) }));
  console.log(Buffer.from(Buffer.from('xy')).toString() + ' ' + Buffer.from(new Uint8Array([65, 66]).buffer).toString());
  console.log(Buffer.from({ type: 'Buffer', data: [67, 68] }).toString() + ' ' + Buffer.from([256, -1, 65]).toString('hex'));
  return event.request;
}
