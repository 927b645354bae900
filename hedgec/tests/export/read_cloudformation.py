"""Reads the function code, the store and its import file back from CloudFormation templates
with a YAML parser (intrinsic functions kept as {"!Tag": value}). Prints one JSON object per
template given, keyed by its path."""
import json
import os
import sys

import yaml


class Loader(yaml.SafeLoader):
    pass


def tagged(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {"!" + suffix: value}


Loader.add_multi_constructor("!", tagged)

result = {}
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as f:
        doc = yaml.load(f, Loader=Loader)
    out = {"functions": {}, "stores": {}}
    for logical_id, resource in doc["Resources"].items():
        props = resource["Properties"]
        if resource["Type"] == "AWS::CloudFront::Function":
            out["functions"][logical_id] = {
                "code": props["FunctionCode"],
                "config": props["FunctionConfig"],
                "auto_publish": props["AutoPublish"],
            }
        elif resource["Type"] == "AWS::CloudFront::KeyValueStore":
            pieces = props["ImportSource"]["SourceArn"]["!Join"][1]
            file_name = pieces[-1]
            with open(os.path.join(os.path.dirname(path), file_name), encoding="utf-8") as f:
                data = f.read()
            out["stores"][logical_id] = {
                "name": props["Name"],
                "deletion_policy": resource.get("DeletionPolicy"),
                "import_file": file_name,
                "import_data": data,
                "entries": [[e["key"], e["value"]] for e in json.loads(data)["data"]],
            }
    result[path] = out
print(json.dumps(result))
