// Reads the KVS in its three formats, and asks whether keys exist and what the store holds.
import cf from 'cloudfront';

const kvs = cf.kvs();

async function handler(event) {
  const request = event.request;
  const text = await kvs.get('plain');
  const config = await kvs.get('config', { format: 'json' });
  const bytes = await kvs.get('plain', { format: 'bytes' });
  const asString = await kvs.get('config', { format: 'string' });
  const present = await kvs.exists('config');
  const absent = await kvs.exists('nothing');
  const meta = await kvs.meta();
  console.log(text + ' | ' + config.redirect.to + ' ' + config.list.length + ' | ' + asString.length);
  console.log(bytes);
  console.log(Buffer.isBuffer(bytes) + ' ' + bytes.length + ' ' + bytes.toString('hex'));
  console.log(present + ' ' + absent + ' ' + meta.keyCount + ' ' + typeof meta.lastUpdatedDateTime);
  request.headers['x-plain'] = { value: text };
  return request;
}
