"""Reads the function code and KVS entries back from hedgec.tf files with python-hcl2, and
decodes HCL quoted strings as the HCL specification defines them. Prints one JSON object per
file given, keyed by the file's path."""
import json
import sys

import hcl2


def literal(text):
    """An HCL quoted string without interpolation, decoded."""
    assert text.startswith('"') and text.endswith('"'), text[:40]
    body, out, i = text[1:-1], [], 0
    simple = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
    while i < len(body):
        if body[i] == "\\":
            kind = body[i + 1]
            if kind in simple:
                out.append(simple[kind])
                i += 2
            elif kind == "u":
                out.append(chr(int(body[i + 2 : i + 6], 16)))
                i += 6
            elif kind == "U":
                out.append(chr(int(body[i + 2 : i + 10], 16)))
                i += 10
            else:
                raise ValueError("unknown escape \\" + kind)
        elif body.startswith("$${", i) or body.startswith("%%{", i):
            out.append(body[i] + "{")
            i += 3
        elif body.startswith("${", i) or body.startswith("%{", i):
            raise ValueError("a template sequence in a literal at " + str(i))
        else:
            out.append(body[i])
            i += 1
    return "".join(out)


def blocks(doc, kind):
    found = {}
    for block in doc.get("resource", []):
        for rtype, named in block.items():
            if rtype.strip('"') == kind:
                for name, body in named.items():
                    found[name.strip('"')] = body
    return found


result = {}
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as f:
        doc = hcl2.load(f)
    functions = blocks(doc, "aws_cloudfront_function")
    stores = blocks(doc, "aws_cloudfront_key_value_store")
    keys = blocks(doc, "aws_cloudfrontkeyvaluestore_keys_exclusive")
    out = {"functions": {}, "entries": None}
    for name, body in functions.items():
        out["functions"][name] = {
            "code": literal(body["code"]),
            "runtime": literal(body["runtime"]),
            "publish": body["publish"],
            "associations": body.get("key_value_store_associations"),
            "depends_on": body.get("depends_on"),
        }
    for name, body in keys.items():
        out["entries"] = [[literal(p["key"]), literal(p["value"])] for p in body.get("resource_key_value_pair", [])]
        out["max_batch_size"] = body["max_batch_size"]
        out["keys_lifecycle"] = body["lifecycle"]
    for name, body in stores.items():
        out["store_name"] = body["name"]
        out["store_lifecycle"] = body["lifecycle"]
    for local in doc.get("locals", []):
        if "kvs_data_hash" in local:
            out["hash"] = literal(local["kvs_data_hash"])
    result[path] = out
print(json.dumps(result))
