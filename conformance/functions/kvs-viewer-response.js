// A viewer-response function that reads the KVS: headers chosen per path.
import cf from 'cloudfront';

const kvs = cf.kvs();

async function handler(event) {
  const response = event.response;
  const key = 'headers:' + event.request.uri;
  if (await kvs.exists(key)) {
    const headers = await kvs.get(key, { format: 'json' });
    for (const name in headers) {
      response.headers[name] = { value: headers[name] };
    }
  }
  return response;
}
