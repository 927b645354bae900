// The JavaScript half of the built-ins CloudFront adds to the language: `Buffer`,
// `TextEncoder`, `TextDecoder`, `InternalError` and `require`. Byte work is done by the Rust
// natives passed in as `native` (host/bytes.rs); this file only gives them their shape.
// It runs once per context, before the function, and may use any syntax boa accepts.
(function (native) {
  "use strict";
  var global = globalThis;
  var defineProperty = Object.defineProperty;
  var isView = ArrayBuffer.isView;
  var slice = Array.prototype.slice;
  var DataViewCtor = DataView;

  function hidden(target, name, value) {
    defineProperty(target, name, { value: value, writable: true, configurable: true, enumerable: false });
  }

  function methods(target, table) {
    Object.keys(table).forEach(function (name) {
      hidden(target, name, table[name]);
    });
  }

  // Buffer: a Uint8Array with Node's methods.
  class Buffer extends Uint8Array {}

  function size(value) {
    if (typeof value !== "number") {
      throw new TypeError('The "size" argument must be of type number');
    }
    return value;
  }

  methods(Buffer, {
    from: function from(value, encodingOrOffset, length) {
      if (typeof value === "string") {
        return native.fromString(value, encodingOrOffset);
      }
      if (value instanceof ArrayBuffer) {
        return new Buffer(value, encodingOrOffset, length);
      }
      if (value !== null && typeof value === "object") {
        if (!isView(value) && value.type === "Buffer" && Array.isArray(value.data)) {
          value = value.data;
        }
        var copy = new Buffer(value.length >>> 0);
        copy.set(value);
        return copy;
      }
      throw new TypeError("first argument must be a string, Buffer, ArrayBuffer, Array or array-like object");
    },
    alloc: function alloc(length, fill, encoding) {
      var buffer = new Buffer(size(length));
      if (fill !== undefined && fill !== 0) {
        native.fill(buffer, fill, 0, buffer.length, encoding);
      }
      return buffer;
    },
    allocUnsafe: function allocUnsafe(length) {
      return new Buffer(size(length));
    },
    allocUnsafeSlow: function allocUnsafeSlow(length) {
      return new Buffer(size(length));
    },
    byteLength: function byteLength(value, encoding) {
      if (typeof value === "string") {
        return native.byteLength(value, encoding);
      }
      if (isView(value) || value instanceof ArrayBuffer) {
        return value.byteLength;
      }
      throw new TypeError('The "string" argument must be a string, Buffer or ArrayBuffer');
    },
    compare: function compare(a, b) {
      return native.compare(a, b);
    },
    concat: function concat(list, totalLength) {
      if (!Array.isArray(list)) {
        throw new TypeError('The "list" argument must be an Array of Buffers');
      }
      var total = 0, i;
      for (i = 0; i < list.length; i++) {
        total += list[i].length;
      }
      if (totalLength !== undefined) {
        total = totalLength;
      }
      var out = new Buffer(total), at = 0;
      for (i = 0; i < list.length && at < total; i++) {
        var part = list[i];
        if (part.length > total - at) {
          part = part.subarray(0, total - at);
        }
        out.set(part, at);
        at += part.length;
      }
      return out;
    },
    isBuffer: function isBuffer(value) {
      return value instanceof Buffer;
    },
    isEncoding: function isEncoding(encoding) {
      return native.isEncoding(encoding);
    }
  });

  var proto = Buffer.prototype;

  function view(buffer) {
    return new DataViewCtor(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  }

  methods(proto, {
    toString: function toString(encoding, start, end) {
      return native.toString(this, encoding, start, end);
    },
    toJSON: function toJSON() {
      return { type: "Buffer", data: slice.call(this) };
    },
    equals: function equals(other) {
      return native.compare(this, other) === 0;
    },
    compare: function compare(target, targetStart, targetEnd, sourceStart, sourceEnd) {
      var a = this.subarray(sourceStart === undefined ? 0 : sourceStart, sourceEnd === undefined ? this.length : sourceEnd);
      var b = target.subarray(targetStart === undefined ? 0 : targetStart, targetEnd === undefined ? target.length : targetEnd);
      return native.compare(a, b);
    },
    copy: function copy(target, targetStart, sourceStart, sourceEnd) {
      targetStart = targetStart === undefined ? 0 : targetStart;
      var part = this.subarray(sourceStart === undefined ? 0 : sourceStart, sourceEnd === undefined ? this.length : sourceEnd);
      if (part.length > target.length - targetStart) {
        part = part.subarray(0, target.length - targetStart);
      }
      target.set(part, targetStart);
      return part.length;
    },
    slice: function slice(start, end) {
      return this.subarray(start, end);
    },
    includes: function includes(value, byteOffset, encoding) {
      return native.indexOf(this, value, byteOffset, encoding, false) !== -1;
    },
    indexOf: function indexOf(value, byteOffset, encoding) {
      return native.indexOf(this, value, byteOffset, encoding, false);
    },
    lastIndexOf: function lastIndexOf(value, byteOffset, encoding) {
      return native.indexOf(this, value, byteOffset, encoding, true);
    },
    write: function write(string, offset, length, encoding) {
      return native.write(this, string, offset, length, encoding);
    },
    fill: function fill(value, offset, end, encoding) {
      native.fill(this, value, offset, end, encoding);
      return this;
    },
    swap16: function swap16() {
      return swap(this, 2);
    },
    swap32: function swap32() {
      return swap(this, 4);
    },
    swap64: function swap64() {
      return swap(this, 8);
    }
  });

  function swap(buffer, width) {
    if (buffer.length % width !== 0) {
      throw new RangeError("Buffer size must be a multiple of " + width * 8 + "-bits");
    }
    for (var i = 0; i < buffer.length; i += width) {
      for (var j = 0; j < width / 2; j++) {
        var t = buffer[i + j];
        buffer[i + j] = buffer[i + width - 1 - j];
        buffer[i + width - 1 - j] = t;
      }
    }
    return buffer;
  }

  // readUInt16LE, writeDoubleBE, ...: DataView does the work.
  [["Int8", "Int8", 1], ["UInt8", "Uint8", 1], ["Int16", "Int16", 2], ["UInt16", "Uint16", 2],
   ["Int32", "Int32", 4], ["UInt32", "Uint32", 4], ["Float", "Float32", 4], ["Double", "Float64", 8]
  ].forEach(function (type) {
    var get = DataViewCtor.prototype["get" + type[1]], set = DataViewCtor.prototype["set" + type[1]];
    var width = type[2];
    (width === 1 ? [""] : ["LE", "BE"]).forEach(function (order) {
      var little = order === "LE";
      hidden(proto, "read" + type[0] + order, function (offset) {
        return get.call(view(this), offset === undefined ? 0 : offset, little);
      });
      hidden(proto, "write" + type[0] + order, function (value, offset) {
        offset = offset === undefined ? 0 : offset;
        set.call(view(this), offset, value, little);
        return offset + width;
      });
    });
  });

  // readUIntBE(offset, byteLength) and friends, for 1 to 6 bytes.
  function readBytes(buffer, offset, length, little, signed) {
    if (offset + length > buffer.length || length < 1 || length > 6) {
      throw new RangeError('The value of "offset" is out of range.');
    }
    var value = 0;
    for (var i = 0; i < length; i++) {
      value = value * 256 + buffer[offset + (little ? length - 1 - i : i)];
    }
    if (signed && value >= Math.pow(2, 8 * length - 1)) {
      value -= Math.pow(2, 8 * length);
    }
    return value;
  }

  function writeBytes(buffer, value, offset, length, little) {
    if (offset + length > buffer.length || length < 1 || length > 6) {
      throw new RangeError('The value of "offset" is out of range.');
    }
    if (value < 0) {
      value += Math.pow(2, 8 * length);
    }
    for (var i = 0; i < length; i++) {
      buffer[offset + (little ? i : length - 1 - i)] = value % 256;
      value = Math.floor(value / 256);
    }
    return offset + length;
  }

  methods(proto, {
    readUIntLE: function readUIntLE(offset, length) { return readBytes(this, offset, length, true, false); },
    readUIntBE: function readUIntBE(offset, length) { return readBytes(this, offset, length, false, false); },
    readIntLE: function readIntLE(offset, length) { return readBytes(this, offset, length, true, true); },
    readIntBE: function readIntBE(offset, length) { return readBytes(this, offset, length, false, true); },
    writeUIntLE: function writeUIntLE(value, offset, length) { return writeBytes(this, value, offset, length, true); },
    writeUIntBE: function writeUIntBE(value, offset, length) { return writeBytes(this, value, offset, length, false); },
    writeIntLE: function writeIntLE(value, offset, length) { return writeBytes(this, value, offset, length, true); },
    writeIntBE: function writeIntBE(value, offset, length) { return writeBytes(this, value, offset, length, false); }
  });

  hidden(global, "Buffer", Buffer);

  // TextEncoder and TextDecoder: UTF-8 only, as in njs.
  class TextEncoder {
    get encoding() {
      return "utf-8";
    }
    encode(input) {
      return native.utf8Encode(input === undefined ? "" : input);
    }
    encodeInto(source, destination) {
      return native.utf8EncodeInto(source, destination);
    }
  }

  class TextDecoder {
    #fatal;
    #ignoreBOM;
    constructor(label, options) {
      var name = label === undefined ? "utf-8" : String(label).trim().toLowerCase();
      if (name !== "utf-8" && name !== "utf8" && name !== "unicode-1-1-utf-8") {
        throw new RangeError('The "' + name + '" encoding is not supported');
      }
      this.#fatal = Boolean(options && options.fatal);
      this.#ignoreBOM = Boolean(options && options.ignoreBOM);
    }
    get encoding() {
      return "utf-8";
    }
    get fatal() {
      return this.#fatal;
    }
    get ignoreBOM() {
      return this.#ignoreBOM;
    }
    decode(input) {
      return native.utf8Decode(input, this.#fatal, this.#ignoreBOM);
    }
  }

  hidden(global, "TextEncoder", TextEncoder);
  hidden(global, "TextDecoder", TextDecoder);

  // String.prototype.substr: CloudFront documents it, boa has it only with Annex B parsing,
  // which would also bring HTML comments and legacy octal escapes. The standard's algorithm
  // (ECMA-262 B.2.2.1).
  function integer(value) {
    var number = Number(value);
    return number !== number ? 0 : Math.trunc(number);
  }
  hidden(String.prototype, "substr", function substr(start, length) {
    if (this === undefined || this === null) {
      throw new TypeError("String.prototype.substr called on null or undefined");
    }
    var string = String(this);
    var size = string.length;
    var from = integer(start);
    from = from < 0 ? Math.max(size + from, 0) : Math.min(from, size);
    var count = length === undefined ? size : Math.min(Math.max(integer(length), 0), size);
    return string.substring(from, Math.min(from + count, size));
  });

  // InternalError: an error type of njs that boa lacks.
  function InternalError(message) {
    var error = new Error(message);
    Object.setPrototypeOf(error, new.target ? new.target.prototype : InternalError.prototype);
    return error;
  }
  InternalError.prototype = Object.create(Error.prototype);
  hidden(InternalError.prototype, "constructor", InternalError);
  hidden(InternalError.prototype, "name", "InternalError");
  hidden(InternalError.prototype, "message", "");
  Object.setPrototypeOf(InternalError, Error);
  hidden(global, "InternalError", InternalError);

  // require: only the two modules CloudFront documents.
  var modules = { crypto: native.crypto, querystring: native.querystring };
  hidden(global, "require", function require(name) {
    name = String(name);
    if (name === "crypto" || name === "querystring") {
      return modules[name];
    }
    throw new Error('Cannot find module "' + name + '"');
  });
})
