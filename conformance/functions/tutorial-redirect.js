// A fixed 302 with two headers, as in the developer guide's TestFunction example.
function handler(event) {
  return {
    statusCode: 302,
    statusDescription: 'Found',
    headers: {
      'cloudfront-functions': { value: 'generated-by-CloudFront-Functions' },
      location: { value: 'https://aws.amazon.com/cloudfront/' }
    }
  };
}
