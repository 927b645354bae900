// Helpers shared by the generated functions. The compiler appends the KVS reader (kvs-layout's
// reader.js) and the handler; the minifier drops every helper the handler does not use. Constants in CAPITALS are filled in by the
// compiler (emit/mod.rs). Only syntax and built-ins of cloudfront-js-2.0 may be used here:
// the syntax gate checks the final output.

// Canonical percent-encoding (rules-dsl pattern::canonical_path): encode what is outside
// `!`..`~`, upper-case every escape, then decode the escapes of unreserved characters. Every
// callback is a native function, so the cost stays flat however many escapes a URI holds.
// The regular expressions are built once, with the function, not on every call (`replace`
// starts a global expression from the beginning each time, so sharing them is safe).
// UNRESERVED's group captures, to be short: `decodeURIComponent` reads only its first argument.
var upper = /*#__PURE__*/ "".toUpperCase.call.bind("".toUpperCase),
  NON_ASCII = /[^!-~]+/g,
  ESCAPE = /%[\da-f]{2}/gi,
  UNRESERVED = /%(3\d|[46][1-9A-F]|[57][\dA]|2[DE]|5F|7E)/g;
function norm(u) {
  try {
    return u.replace(NON_ASCII, encodeURIComponent).replace(ESCAPE, upper).replace(UNRESERVED, decodeURIComponent);
  } catch (e) {
    return u;
  }
}

// The request being handled: the handler sets it first thing, and the helpers below read it,
// so that no call has to pass it.
var request;

// A redirect response to `target`, with the request's query string unless `drop` is set. A
// call leaves out `status` when it is STATUS, the status most of the function's redirects
// use (0 when every call gives one), and leaves out `drop` when the query is kept: most calls
// are `redirect(target)`.
// TARGET_QUERY and TARGET_FRAGMENT say whether any target has a query string or a fragment;
// the minifier drops the branches that cannot happen.
function redirect(target, status, drop) {
  var query = !drop && request.rawQueryString();
  if (query) {
    if (TARGET_FRAGMENT) {
      target = target.replace(/(#.*)?$/, function (fragment) {
        return (target.split("#")[0].indexOf("?") < 0 ? "?" : "&") + query + fragment;
      });
    } else {
      target += (TARGET_QUERY && target.indexOf("?") >= 0 ? "&" : "?") + query;
    }
  }
  return { statusCode: STATUS ? status || STATUS : status, headers: { location: { value: target } } };
}

// Tries a table of redirects in order (emit/mod.rs `table_rows`): four space-separated fields a
// rule. The first is one character, 48 + status index * 8 + exact * 4 + keep query * 2 + append
// splat; then host ("" for any), path and target, each written as one character (48 + how many
// leading characters it shares with the same field of the rule before) and the rest. An exact
// path is compared with the lookup key; a prefix ("" for `/*`) matches `path` as the pattern's
// regular expression `^PREFIX(?:\/.*)?$` does: on segment boundaries, never across a line
// break. The first rule that matches answers with its redirect; otherwise undefined.
function table(rows, path, key, host) {
  for (var a = rows.split(" "), f = ["", "", ""], i = 0, j, c; i < a.length; i += 4) {
    for (j = 0; j < 3; j++) f[j] = f[j].slice(0, a[i + j + 1].charCodeAt(0) - 48) + a[i + j + 1].slice(1);
    c = a[i].charCodeAt(0) - 48;
    if ((!f[0] || f[0] == host) && (c & 4 ? key == f[1] : (path == f[1] || path.startsWith(f[1] + "/")) && !/[\n\r\u2028\u2029]/.test(path)))
      return redirect(c & 1 ? f[2] + path.slice(f[1].length + 1) : f[2], [301, 302, 303, 307, 308][c >> 3], !(c & 2));
  }
}

// A substitution can never make a path target protocol-relative: leading slashes and
// backslashes collapse to one. Used for targets that start with slashes and a placeholder.
function collapse(target) {
  return target.replace(/^[\/\\]+/, "/");
}

// A generated response with an optional text body.
function respond(status, body) {
  return body ? { statusCode: status, body: body } : { statusCode: status };
}

// Applies a rewrite target: its query string goes before the request's; returns the path.
function rewrite(target) {
  var i = target.indexOf("?"), query;
  if (i >= 0) {
    query = request.rawQueryString();
    request.querystring = target.slice(i + 1) + (query ? "&" + query : "");
    target = target.slice(0, i);
  }
  return target;
}

// A header's value, or "".
function header(headers, name) {
  return headers[name] ? headers[name].value : "";
}

// The primary tag of the first accept-language entry.
function language(headers) {
  return header(headers, "accept-language").split(",")[0].split(";")[0].split("-")[0].trim().toLowerCase();
}

// A query parameter's value in canonical encoding, or undefined when absent.
function param(key) {
  var p = request.querystring[key];
  return p && norm(p.value);
}

// A cookie's value, or undefined when absent.
function cookie(name) {
  var c = request.cookies[name];
  return c && c.value;
}

// Sets several headers: `values` maps names to values (emit/mod.rs `GROUPED_SETS`).
function set(headers, values) {
  for (var name in values) headers[name] = { value: values[name] };
}

// Records a header operation at rule position `at`, unless a later rule already decided it;
// of two operations at the same position, the one recorded last wins.
function put(ops, at, name, value) {
  if (!ops[name] || ops[name][0] <= at) ops[name] = [at, value];
}

// Applies recorded header operations: a null value removes the header.
function apply(headers, ops) {
  for (var name in ops) {
    if (ops[name][1] == null) delete headers[name];
    else headers[name] = { value: ops[name][1] };
  }
}
