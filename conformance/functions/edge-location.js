// cf.edgeLocation in a viewer-request function.
import cf from 'cloudfront';

function handler(event) {
  var edge = cf.edgeLocation;
  console.log(edge.name + ' ' + edge.serverIp + ' ' + edge.region);
  event.request.headers['x-pop'] = { value: edge.name };
  return event.request;
}
