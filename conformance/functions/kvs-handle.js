// A store named by its id, a value that is not JSON, and reads in parallel.
import cf from 'cloudfront';

const kvs = cf.kvs('1a2b3c4d-5678-90ab-cdef-EXAMPLE11111');

async function handler(event) {
  const request = event.request;
  if (request.uri === '/not-json') {
    try {
      await kvs.get('text', { format: 'json' });
    } catch (e) {
      console.log('rejected with ' + e.name);
    }
  }
  const values = await Promise.all([kvs.get('a'), kvs.get('b'), kvs.exists('c')]);
  console.log(values.join(','));
  const settled = await Promise.allSettled([kvs.get('a'), kvs.get('zzz')]);
  console.log(settled.map(function (s) { return s.status; }).join(','));
  return request;
}
