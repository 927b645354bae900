//! The wire protocols: CloudFront's REST-XML API (`/2020-05-31/...`, signed with SigV4) and the
//! KeyValueStore data plane's REST-JSON API (`/key-value-stores/...`, signed with SigV4A), with
//! the error shapes the AWS SDKs parse: `<ErrorResponse><Error><Code>` for CloudFront, the
//! `x-amzn-errortype` header and a JSON `message` for the data plane.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http_body_util::{BodyExt as _, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response};
use percent_encoding::percent_decode_str;
use serde_json::{Value, json};

use crate::state::{ApiError, FunctionVersion, KeyChanges, MAX_BATCH_KEYS, State, Store, XMLNS};
use crate::{Call, Fault, Handler, Op};

/// The answer to one request: a response, or a dropped connection.
pub type Answer = Result<Response<Full<Bytes>>, Dropped>;

/// The connection was dropped on purpose.
#[derive(Debug)]
pub struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for Dropped {}

/// A fixed time for every timestamp the fake reports.
const TIME_XML: &str = "2026-01-01T00:00:00Z";
const TIME_EPOCH: i64 = 1_767_225_600;

/// A parsed request.
struct Parsed {
    op: Op,
    /// Function or store name (control plane), or store ARN (data plane).
    target: String,
    query: BTreeMap<String, String>,
    if_match: Option<String>,
    body: Bytes,
}

/// A successful reply, before encoding.
struct Reply {
    status: u16,
    headers: Vec<(&'static str, String)>,
    content_type: &'static str,
    body: Vec<u8>,
}

impl Reply {
    fn xml(status: u16, body: String) -> Reply {
        Reply { status, headers: Vec::new(), content_type: "text/xml", body: body.into_bytes() }
    }

    fn json(value: Value) -> Reply {
        Reply {
            status: 200,
            headers: Vec::new(),
            content_type: "application/json",
            body: value.to_string().into_bytes(),
        }
    }

    fn etag(mut self, name: &'static str, etag: &str) -> Reply {
        self.headers.push((name, etag.to_string()));
        self
    }
}

/// Requests signed with an access key ID that starts with this are refused as AWS refuses an
/// unknown key (`InvalidClientTokenId`), to try how a client reports bad credentials.
pub const REFUSED_KEY_PREFIX: &str = "REFUSED";

/// Serves one request.
pub async fn handle(handler: &Handler<'_>, request: Request<Incoming>) -> Answer {
    let (parts, body) = request.into_parts();
    let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let path = parts.uri.path().to_string();
    let query = parse_query(parts.uri.query().unwrap_or(""));
    let Some((op, target)) = route(&parts.method, &path) else {
        return Ok(encode_error(
            path.starts_with("/key-value-stores"),
            &ApiError::new(404, "UnknownOperationException", format!("no operation at {} {path}", parts.method)),
        ));
    };
    let scheme = if op.data_plane() { "AWS4-ECDSA-P256-SHA256 " } else { "AWS4-HMAC-SHA256 " };
    if !header("authorization").is_some_and(|a| a.starts_with(scheme)) {
        let error = ApiError::new(
            403,
            if op.data_plane() { "AccessDeniedException" } else { "AccessDenied" },
            format!("requests must be signed with {}", scheme.trim()),
        );
        return Ok(encode_error(op.data_plane(), &error));
    }
    if header("authorization").is_some_and(|a| a.contains(&format!("Credential={REFUSED_KEY_PREFIX}"))) {
        // As AWS answers an access key it does not know.
        let error = if op.data_plane() {
            ApiError::new(403, "UnrecognizedClientException", "The security token included in the request is invalid.")
        } else {
            ApiError::new(403, "InvalidClientTokenId", "The security token included in the request is invalid.")
        };
        return Ok(encode_error(op.data_plane(), &error));
    }
    let parsed = Parsed { op, target, query, if_match: header("if-match"), body };
    let fault = handler.fault(op);
    let mut wrote = false;
    let outcome = match fault {
        Some(Fault::DropBefore) => None,
        Some(Fault::ServerError) => Some(Err(if op.data_plane() {
            ApiError::new(500, "InternalServerException", "Internal server error")
        } else {
            ApiError::new(500, "InternalError", "We encountered an internal error. Please try again.")
        })),
        Some(Fault::Throttle) => Some(Err(if op.data_plane() {
            ApiError::new(429, "ThrottlingException", "Rate exceeded")
        } else {
            ApiError::new(400, "Throttling", "Rate exceeded")
        })),
        Some(Fault::Conflict) => Some(conflict(handler, &parsed, &mut wrote)),
        Some(Fault::DropAfter) | None => Some(handler.with_state(|state| execute(state, &parsed, &mut wrote))),
    };
    let changes = match (&outcome, op) {
        (Some(Ok(_)), Op::UpdateKeys) => parse_changes(&parsed.body).ok(),
        _ => None,
    };
    let dropped = outcome.is_none() || fault == Some(Fault::DropAfter);
    let status = match &outcome {
        Some(Ok(reply)) if !dropped => Some(reply.status),
        Some(Err(error)) if !dropped => Some(error.status),
        _ => None,
    };
    handler.record(Call { op, fault, status, changes }, wrote);
    match outcome {
        _ if dropped => Err(Dropped),
        Some(Ok(reply)) => Ok(encode_reply(reply)),
        Some(Err(error)) => Ok(encode_error(op.data_plane(), &error)),
        None => Err(Dropped),
    }
}

/// A conflicting write by someone else, then the request.
fn conflict(handler: &Handler<'_>, parsed: &Parsed, wrote: &mut bool) -> Result<Reply, ApiError> {
    handler.with_state(|state| {
        let store_name = |state: &State| {
            if parsed.op.data_plane() { state.store_by_arn(&parsed.target).ok() } else { Some(parsed.target.clone()) }
        };
        match parsed.op {
            Op::CreateFunction | Op::CreateKeyValueStore => {
                // Someone else creates exactly this resource first.
                let first = execute(state, parsed, wrote);
                match first {
                    Ok(_) => execute(state, parsed, wrote),
                    Err(error) => Err(error),
                }
            }
            Op::UpdateFunction | Op::PublishFunction => {
                *wrote |= state.touch_function(&parsed.target);
                execute(state, parsed, wrote)
            }
            Op::UpdateKeys => {
                if let Some(name) = store_name(state) {
                    *wrote |= state.foreign_write(&name);
                }
                execute(state, parsed, wrote)
            }
            Op::ListFunctions => execute(state, parsed, wrote),
            Op::DescribeFunction | Op::GetFunction => {
                let reply = execute(state, parsed, wrote);
                *wrote |= state.touch_function(&parsed.target);
                reply
            }
            Op::DescribeKeyValueStore | Op::DescribeStoreData | Op::ListKeys => {
                let reply = execute(state, parsed, wrote);
                if let Some(name) = store_name(state) {
                    *wrote |= state.foreign_write(&name);
                }
                reply
            }
        }
    })
}

fn route(method: &Method, path: &str) -> Option<(Op, String)> {
    let segments: Vec<String> =
        path.trim_matches('/').split('/').map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned()).collect();
    let s: Vec<&str> = segments.iter().map(String::as_str).collect();
    let op = match (method, s.as_slice()) {
        (&Method::POST, ["2020-05-31", "function"]) => (Op::CreateFunction, String::new()),
        (&Method::GET, ["2020-05-31", "function"]) => (Op::ListFunctions, String::new()),
        (&Method::GET, ["2020-05-31", "function", name, "describe"]) => (Op::DescribeFunction, name.to_string()),
        (&Method::GET, ["2020-05-31", "function", name]) => (Op::GetFunction, name.to_string()),
        (&Method::PUT, ["2020-05-31", "function", name]) => (Op::UpdateFunction, name.to_string()),
        (&Method::POST, ["2020-05-31", "function", name, "publish"]) => (Op::PublishFunction, name.to_string()),
        (&Method::POST, ["2020-05-31", "key-value-store"]) => (Op::CreateKeyValueStore, String::new()),
        (&Method::GET, ["2020-05-31", "key-value-store", name]) => (Op::DescribeKeyValueStore, name.to_string()),
        (&Method::GET, ["key-value-stores", arn]) => (Op::DescribeStoreData, arn.to_string()),
        (&Method::GET, ["key-value-stores", arn, "keys"]) => (Op::ListKeys, arn.to_string()),
        (&Method::POST, ["key-value-stores", arn, "keys"]) => (Op::UpdateKeys, arn.to_string()),
        _ => return None,
    };
    Some(op)
}

fn parse_query(query: &str) -> BTreeMap<String, String> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let decode = |s: &str| percent_decode_str(&s.replace('+', " ")).decode_utf8_lossy().into_owned();
            (decode(k), decode(v))
        })
        .collect()
}

/// Runs a parsed request against the state.
fn execute(state: &mut State, parsed: &Parsed, wrote: &mut bool) -> Result<Reply, ApiError> {
    let if_match = parsed.if_match.as_deref();
    match parsed.op {
        Op::CreateFunction => {
            let (name, version) = parse_function_request(&parsed.body, "CreateFunctionRequest", true)?;
            let etag = state.create_function(&name, version)?;
            *wrote = true;
            let mut reply = Reply::xml(201, function_summary(state, &name, false)?).etag("ETag", &etag);
            reply.headers.push(("Location", format!("https://cloudfront.amazonaws.com/2020-05-31/function/{name}")));
            Ok(reply)
        }
        Op::DescribeFunction => {
            let live = stage(parsed)?;
            let (_, function) = state.function_stage(&parsed.target, live)?;
            let etag = function.etag.clone();
            Ok(Reply::xml(200, function_summary(state, &parsed.target, live)?).etag("ETag", &etag))
        }
        Op::GetFunction => {
            let live = stage(parsed)?;
            let (version, function) = state.function_stage(&parsed.target, live)?;
            Ok(Reply {
                status: 200,
                headers: vec![("ETag", function.etag.clone())],
                content_type: "application/octet-stream",
                body: version.code.clone(),
            })
        }
        Op::ListFunctions => {
            let live = stage(parsed)?;
            let max = match parsed.query.get("MaxItems") {
                None => 100,
                Some(text) => text.parse::<usize>().ok().filter(|n| (1..=100).contains(n)).ok_or_else(|| {
                    ApiError::new(400, "InvalidArgument", format!("MaxItems {text} is not in 1..100"))
                })?,
            };
            let after = parsed.query.get("Marker").filter(|m| !m.is_empty());
            let names: Vec<&String> = state
                .functions
                .iter()
                .filter(|(name, f)| (!live || f.live.is_some()) && after.is_none_or(|a| *name > a))
                .map(|(name, _)| name)
                .take(max + 1)
                .collect();
            let more = names.len() > max;
            let mut items = String::new();
            for name in names.iter().take(max) {
                let summary = function_summary(state, name, live)?;
                items.push_str(
                    summary
                        .split_once('\n')
                        .map_or(summary.as_str(), |(_, s)| s)
                        .replacen(&format!(" xmlns=\"{XMLNS}\""), "", 1)
                        .as_str(),
                );
            }
            let next =
                if more { format!("<NextMarker>{}</NextMarker>", escape(names[max - 1])) } else { String::new() };
            Ok(Reply::xml(
                200,
                format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<FunctionList xmlns=\"{XMLNS}\">{next}<MaxItems>{max}</MaxItems>\
                     <Quantity>{}</Quantity><Items>{items}</Items></FunctionList>",
                    names.len().min(max)
                ),
            ))
        }
        Op::UpdateFunction => {
            let (_, version) = parse_function_request(&parsed.body, "UpdateFunctionRequest", false)?;
            let etag = state.update_function(&parsed.target, if_match, version)?;
            *wrote = true;
            // The service's model names this header `ETtag`; send both spellings.
            Ok(Reply::xml(200, function_summary(state, &parsed.target, false)?)
                .etag("ETtag", &etag)
                .etag("ETag", &etag))
        }
        Op::PublishFunction => {
            state.publish_function(&parsed.target, if_match)?;
            *wrote = true;
            Ok(Reply::xml(200, function_summary(state, &parsed.target, true)?))
        }
        Op::CreateKeyValueStore => {
            let doc = parse_xml(&parsed.body)?;
            if doc.root_element().tag_name().name() != "CreateKeyValueStoreRequest" {
                return Err(invalid_xml("expected CreateKeyValueStoreRequest"));
            }
            let name = child_text(&doc, "Name").ok_or_else(|| invalid_xml("Name is required"))?;
            let comment = child_text(&doc, "Comment").unwrap_or_default();
            let store = state.create_store(&name, &comment)?;
            let (etag, body) = (store.control_etag.clone(), key_value_store(&name, store));
            *wrote = true;
            let mut reply = Reply::xml(201, body).etag("ETag", &etag);
            reply
                .headers
                .push(("Location", format!("https://cloudfront.amazonaws.com/2020-05-31/key-value-store/{name}")));
            Ok(reply)
        }
        Op::DescribeKeyValueStore => {
            let store = state.describe_store(&parsed.target)?;
            Ok(Reply::xml(200, key_value_store(&parsed.target, store)).etag("ETag", &store.control_etag))
        }
        Op::DescribeStoreData => {
            let name = state.store_by_arn(&parsed.target)?;
            let store = &state.stores[&name];
            Ok(Reply::json(json!({
                "ItemCount": store.items.len(),
                "TotalSizeInBytes": store.size(),
                "KvsARN": store.arn(),
                "Created": TIME_EPOCH,
                "LastModified": TIME_EPOCH,
                "Status": store.status,
            }))
            .etag("ETag", &store.etag))
        }
        Op::ListKeys => {
            let name = state.store_by_arn(&parsed.target)?;
            let store = &state.stores[&name];
            let max = match parsed.query.get("MaxResults") {
                None => 10,
                Some(text) => match text.parse::<usize>() {
                    Ok(n @ 1..=MAX_BATCH_KEYS) => n,
                    _ => {
                        return Err(ApiError::new(
                            400,
                            "ValidationException",
                            format!("MaxResults {text} is not in 1..50"),
                        ));
                    }
                },
            };
            let after = match parsed.query.get("NextToken") {
                None => None,
                Some(token) => Some(
                    STANDARD
                        .decode(token)
                        .ok()
                        .and_then(|b| String::from_utf8(b).ok())
                        .ok_or_else(|| ApiError::new(400, "ValidationException", "invalid NextToken"))?,
                ),
            };
            let range: Box<dyn Iterator<Item = (&String, &String)>> = match &after {
                Some(after) => Box::new(
                    store.items.range::<String, _>((std::ops::Bound::Excluded(after), std::ops::Bound::Unbounded)),
                ),
                None => Box::new(store.items.iter()),
            };
            let page: Vec<(&String, &String)> = range.take(max + 1).collect();
            let more = page.len() > max;
            let items: Vec<Value> = page.iter().take(max).map(|(k, v)| json!({ "Key": k, "Value": v })).collect();
            let mut body = json!({ "Items": items });
            if more {
                body["NextToken"] = json!(STANDARD.encode(page[max - 1].0));
            }
            Ok(Reply::json(body))
        }
        Op::UpdateKeys => {
            let name = state.store_by_arn(&parsed.target)?;
            let changes = parse_changes(&parsed.body)?;
            let etag = state.update_keys(&name, if_match, &changes, parsed.body.len())?;
            *wrote = true;
            let store = &state.stores[&name];
            Ok(Reply::json(json!({ "ItemCount": store.items.len(), "TotalSizeInBytes": store.size() }))
                .etag("ETag", &etag))
        }
    }
}

fn stage(parsed: &Parsed) -> Result<bool, ApiError> {
    match parsed.query.get("Stage").map(String::as_str) {
        None | Some("DEVELOPMENT") => Ok(false),
        Some("LIVE") => Ok(true),
        Some(other) => Err(ApiError::new(400, "InvalidArgument", format!("unknown stage {other:?}"))),
    }
}

fn invalid_xml(message: &str) -> ApiError {
    ApiError::new(400, "MalformedXML", message)
}

fn parse_xml(body: &[u8]) -> Result<roxmltree::Document<'_>, ApiError> {
    let text = std::str::from_utf8(body).map_err(|_| invalid_xml("the body is not UTF-8"))?;
    roxmltree::Document::parse(text).map_err(|e| invalid_xml(&e.to_string()))
}

fn child_text(doc: &roxmltree::Document<'_>, name: &str) -> Option<String> {
    doc.root_element()
        .children()
        .find(|n| n.is_element() && n.tag_name().name() == name)
        .map(|n| n.text().unwrap_or("").to_string())
}

/// `CreateFunctionRequest` or `UpdateFunctionRequest`: the name (for creation) and the version.
fn parse_function_request(body: &[u8], root: &str, named: bool) -> Result<(String, FunctionVersion), ApiError> {
    let doc = parse_xml(body)?;
    if doc.root_element().tag_name().name() != root || doc.root_element().tag_name().namespace() != Some(XMLNS) {
        return Err(invalid_xml(&format!("expected {root} in {XMLNS}")));
    }
    let name =
        if named { child_text(&doc, "Name").ok_or_else(|| invalid_xml("Name is required"))? } else { String::new() };
    let code = child_text(&doc, "FunctionCode").ok_or_else(|| invalid_xml("FunctionCode is required"))?;
    let code = STANDARD.decode(code.trim()).map_err(|_| invalid_xml("FunctionCode is not base64"))?;
    let config = doc
        .root_element()
        .children()
        .find(|n| n.tag_name().name() == "FunctionConfig")
        .ok_or_else(|| invalid_xml("FunctionConfig is required"))?;
    let text = |name: &str| {
        config.children().find(|n| n.tag_name().name() == name).map(|n| n.text().unwrap_or("").to_string())
    };
    let runtime = text("Runtime").ok_or_else(|| invalid_xml("Runtime is required"))?;
    let comment = text("Comment").ok_or_else(|| invalid_xml("Comment is required"))?;
    let stores: Vec<String> = config
        .descendants()
        .filter(|n| n.tag_name().name() == "KeyValueStoreARN")
        .map(|n| n.text().unwrap_or("").to_string())
        .collect();
    let quantity = config
        .descendants()
        .find(|n| n.tag_name().name() == "Quantity")
        .and_then(|n| n.text())
        .map(|t| t.parse::<usize>().map_err(|_| invalid_xml("Quantity is not a number")))
        .transpose()?;
    if quantity.is_some_and(|q| q != stores.len()) {
        return Err(ApiError::new(400, "InvalidArgument", "Quantity does not match the number of Items"));
    }
    Ok((name, FunctionVersion { code, comment, runtime, stores }))
}

fn parse_changes(body: &[u8]) -> Result<KeyChanges, ApiError> {
    let invalid = |m: &str| ApiError::new(400, "ValidationException", m.to_string());
    let value: Value = serde_json::from_slice(body).map_err(|e| invalid(&e.to_string()))?;
    let mut changes = KeyChanges::default();
    for put in value.get("Puts").and_then(Value::as_array).into_iter().flatten() {
        let key = put.get("Key").and_then(Value::as_str).ok_or_else(|| invalid("a put without Key"))?;
        let value = put.get("Value").and_then(Value::as_str).ok_or_else(|| invalid("a put without Value"))?;
        changes.puts.push((key.to_string(), value.to_string()));
    }
    for delete in value.get("Deletes").and_then(Value::as_array).into_iter().flatten() {
        let key = delete.get("Key").and_then(Value::as_str).ok_or_else(|| invalid("a delete without Key"))?;
        changes.deletes.push(key.to_string());
    }
    Ok(changes)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn function_summary(state: &State, name: &str, live: bool) -> Result<String, ApiError> {
    let (version, function) = state.function_stage(name, live)?;
    let associations = if version.stores.is_empty() {
        "<Quantity>0</Quantity>".to_string()
    } else {
        let items: String = version
            .stores
            .iter()
            .map(|arn| {
                format!(
                    "<KeyValueStoreAssociation><KeyValueStoreARN>{}</KeyValueStoreARN></KeyValueStoreAssociation>",
                    escape(arn)
                )
            })
            .collect();
        format!("<Quantity>{}</Quantity><Items>{items}</Items>", version.stores.len())
    };
    Ok(format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<FunctionSummary xmlns=\"{XMLNS}\"><Name>{name}</Name><Status>{status}</Status>\
         <FunctionConfig><Comment>{comment}</Comment><Runtime>{runtime}</Runtime><KeyValueStoreAssociations>{associations}</KeyValueStoreAssociations></FunctionConfig>\
         <FunctionMetadata><FunctionARN>arn:aws:cloudfront::{account}:function/{name}</FunctionARN><Stage>{stage}</Stage>\
         <CreatedTime>{TIME_XML}</CreatedTime><LastModifiedTime>{TIME_XML}</LastModifiedTime></FunctionMetadata></FunctionSummary>",
        name = escape(name),
        status = function.status(),
        comment = escape(&version.comment),
        runtime = escape(&version.runtime),
        account = crate::state::ACCOUNT,
        stage = if live { "LIVE" } else { "DEVELOPMENT" },
    ))
}

fn key_value_store(name: &str, store: &Store) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<KeyValueStore xmlns=\"{XMLNS}\"><Name>{}</Name><Id>{}</Id><Comment>{}</Comment>\
         <ARN>{}</ARN><Status>{}</Status><LastModifiedTime>{TIME_XML}</LastModifiedTime></KeyValueStore>",
        escape(name),
        store.id,
        escape(&store.comment),
        store.arn(),
        store.status
    )
}

fn encode_reply(reply: Reply) -> Response<Full<Bytes>> {
    let mut builder = Response::builder().status(reply.status).header("content-type", reply.content_type);
    builder = builder.header("x-amzn-requestid", "00000000-0000-4000-8000-000000000000");
    for (name, value) in reply.headers {
        builder = builder.header(name, value);
    }
    builder.body(Full::new(Bytes::from(reply.body))).expect("valid response")
}

fn encode_error(data_plane: bool, error: &ApiError) -> Response<Full<Bytes>> {
    let builder =
        Response::builder().status(error.status).header("x-amzn-requestid", "00000000-0000-4000-8000-000000000000");
    if data_plane {
        builder
            .header("content-type", "application/json")
            .header("x-amzn-errortype", error.code)
            .body(Full::new(Bytes::from(json!({ "message": error.message }).to_string())))
            .expect("valid response")
    } else {
        let kind = if error.status >= 500 { "Receiver" } else { "Sender" };
        let body = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ErrorResponse xmlns=\"{XMLNS}\"><Error><Type>{kind}</Type><Code>{}</Code><Message>{}</Message></Error>\
             <RequestId>00000000-0000-4000-8000-000000000000</RequestId></ErrorResponse>",
            error.code,
            escape(&error.message)
        );
        builder.header("content-type", "text/xml").body(Full::new(Bytes::from(body))).expect("valid response")
    }
}
