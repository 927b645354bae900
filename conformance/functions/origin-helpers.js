// The origin helpers of the cloudfront module; the request path picks the call.
import cf from 'cloudfront';

function handler(event) {
  var request = event.request;
  switch (request.uri) {
    case '/select':
      cf.selectRequestOriginById('api-origin');
      break;
    case '/select-overrides':
      cf.selectRequestOriginById('api-origin', { hostHeader: 'api.example.com', allowedCertificateNames: ['api.example.com'] });
      break;
    case '/update':
      cf.updateRequestOrigin({
        domainName: 'eu.example.com',
        originPath: '/v2',
        customHeaders: { 'x-region': 'eu' },
        timeouts: { readTimeout: 30, connectionTimeout: 5 },
        originAccessControlConfig: { enabled: true, signingBehavior: 'always', signingProtocol: 'sigv4', originType: 's3' }
      });
      break;
    case '/group':
      cf.createRequestOriginGroup({
        originIds: [{ originId: 'primary' }, { originId: 'backup', originOverrides: { hostHeader: 'b.example.com' } }],
        failoverCriteria: { statusCodes: [500, 502, 503] }
      });
      break;
    case '/bad-port':
      cf.updateRequestOrigin({ customOriginConfig: { port: 'eighty' } });
      break;
    case '/bad-header':
      cf.updateRequestOrigin({ customHeaders: { 'x-amz-cf-id': 'forged' } });
      break;
    case '/last-wins':
      cf.selectRequestOriginById('first');
      cf.selectRequestOriginById('second');
      break;
  }
  return request;
}
