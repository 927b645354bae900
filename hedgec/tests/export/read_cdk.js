// Loads constructs compiled by tsc, synthesizes each in a CDK app, and prints, per construct,
// the function code and KVS data read back from the synthesized CloudFormation template and the
// asset CDK wrote for the store's import source. Arguments: compiled .js files.
const fs = require('fs');
const path = require('path');
const os = require('os');
const cdk = require('aws-cdk-lib');

const result = {};
for (const file of process.argv.slice(2)) {
  const site = require(path.resolve(file));
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'hedgec-cdk-'));
  const app = new cdk.App({ outdir });
  const stack = new cdk.Stack(app, 'Site');
  new site.HedgeSite(stack, 'Hedge');
  const assembly = app.synth();
  const template = assembly.getStackByName('Site').template;
  const out = { functions: {}, stores: {} };
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (resource.Type === 'AWS::CloudFront::Function') {
      out.functions[id] = { code: resource.Properties.FunctionCode, config: resource.Properties.FunctionConfig,
        autoPublish: resource.Properties.AutoPublish };
    } else if (resource.Type === 'AWS::CloudFront::KeyValueStore') {
      // The import source is an asset: find the file CDK staged for it by its hash.
      const arn = JSON.stringify(resource.Properties.ImportSource.SourceArn);
      const asset = fs.readdirSync(outdir).find((name) => name.startsWith('asset.') && arn.includes(name.slice(6).split('.')[0]));
      const staged = path.join(outdir, asset);
      const dataFile = fs.statSync(staged).isDirectory() ? path.join(staged, fs.readdirSync(staged)[0]) : staged;
      out.stores[id] = { name: resource.Properties.Name, deletionPolicy: resource.DeletionPolicy,
        data: fs.readFileSync(dataFile, 'utf8') };
    }
  }
  out.constants = { request: site.REQUEST_FUNCTION_CODE, response: site.RESPONSE_FUNCTION_CODE ?? null,
    data: site.KVS_DATA ?? null };
  result[file] = out;
}
console.log(JSON.stringify(result));
