// A missing key rejects: caught, it becomes a 404; uncaught, the function fails.
import cf from 'cloudfront';

const kvs = cf.kvs();

async function handler(event) {
  const request = event.request;
  if (request.uri === '/caught') {
    try {
      await kvs.get('missing');
    } catch (e) {
      console.log('caught an Error: ' + (e instanceof Error));
      return { statusCode: 404, statusDescription: 'Not Found' };
    }
  }
  const target = await kvs.get('redirect:' + request.uri);
  return { statusCode: 301, headers: { location: { value: target } } };
}
