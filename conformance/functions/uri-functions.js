// encodeURIComponent and friends, and the URIError they throw on malformed input.
function handler(event) {
  var out = [];
  out.push(encodeURIComponent('a b&c/é€?'), encodeURI('/a b/é?x=1&y=#z'), decodeURIComponent('%E2%82%AC%20x'), decodeURI('%41%2F'));
  try {
    decodeURIComponent('%E2%82');
  } catch (e) {
    out.push(e.name);
  }
  out.push(escapeCheck());
  console.log(out.join(' '));
  return event.request;
}

function escapeCheck() {
  return typeof globalThis.escape + ' ' + typeof globalThis.unescape;
}
