//! The two AWS services, through the AWS SDK: CloudFront (functions and the store's control
//! plane) and the KeyValueStore data plane (SigV4A). Every call goes through [`Aws::call`],
//! which retries throttling, server errors and broken connections with exponential backoff and
//! full jitter, and sorts what remains into conflicts (someone else wrote: re-read and re-plan)
//! and failures.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use aws_config::meta::region::RegionProviderChain;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_cloudfront as cf;
use aws_sdk_cloudfront::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_cloudfrontkeyvaluestore as kvs;
use cf::config::http::HttpResponse;
use cf::primitives::Blob;
use cf::types::{FunctionRuntime, FunctionStage, KeyValueStoreAssociation, KeyValueStoreAssociations};

use crate::live::{FunctionConfig, Live, LiveFunction, LiveStore, Stage};
use crate::plan::Batch;
use crate::progress::{Event, Observer};

/// Where and as whom to connect.
#[derive(Clone, Debug, Default)]
pub struct Connection {
    /// A region; otherwise the standard chain, then `us-east-1` (CloudFront is global).
    pub region: Option<String>,
    /// A profile of the shared config files; otherwise the standard chain.
    pub profile: Option<String>,
    /// One endpoint for both services instead of AWS's (a local stand-in).
    pub endpoint_url: Option<String>,
}

/// How calls are retried.
#[derive(Clone, Copy, Debug)]
pub struct Retry {
    /// Attempts per call, the first included.
    pub attempts: u32,
    /// The first backoff; each next one doubles, up to `max`, and a random part of it is waited.
    pub base: Duration,
    /// The longest backoff.
    pub max: Duration,
    /// How long to wait for a new store to become ready.
    pub store_ready: Duration,
    /// How long connecting may take; longer is a failure to retry.
    pub connect_timeout: Duration,
    /// How long one attempt of a call may take.
    pub attempt_timeout: Duration,
}

impl Default for Retry {
    fn default() -> Retry {
        Retry {
            attempts: 8,
            base: Duration::from_millis(200),
            max: Duration::from_secs(20),
            store_ready: Duration::from_secs(300),
            connect_timeout: Duration::from_secs(10),
            attempt_timeout: Duration::from_secs(60),
        }
    }
}

impl Retry {
    /// The policy of a dry run, which only reads: three attempts per call, short waits and
    /// timeouts, so that an unreachable or refusing service is reported within seconds.
    pub fn dry_run() -> Retry {
        Retry {
            attempts: 3,
            base: Duration::from_millis(200),
            max: Duration::from_secs(1),
            store_ready: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(3),
            attempt_timeout: Duration::from_secs(10),
        }
    }
}

/// Why a call did not succeed.
#[derive(Debug)]
pub enum Error {
    /// Someone else wrote first (a stale ETag, or a resource that appeared): re-read, re-plan.
    Conflict {
        /// The operation.
        operation: &'static str,
        /// What the service said.
        message: String,
    },
    /// The call failed for good: an error retrying cannot fix, or retries used up.
    Call {
        /// The operation.
        operation: &'static str,
        /// What went wrong.
        message: String,
    },
    /// No usable credentials, found before any call: none in the standard chain, or the
    /// service refused the ones given (an unknown key, a bad signature, an expired token).
    Credentials(String),
    /// The profile named by `--profile` or `AWS_PROFILE` is in neither shared file.
    UnknownProfile(String),
    /// The service answered something unusable, or a wait ran out.
    Other(String),
}

impl Error {
    /// A short name of the kind of failure, for JSON output.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Conflict { .. } => "conflict",
            Error::Call { .. } => "call",
            Error::Credentials(_) => "credentials",
            Error::UnknownProfile(_) => "profile",
            Error::Other(_) => "other",
        }
    }

    /// The operation that failed, when a call failed.
    pub fn operation(&self) -> Option<&'static str> {
        match self {
            Error::Conflict { operation, .. } | Error::Call { operation, .. } => Some(operation),
            _ => None,
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Conflict { operation, message } => write!(f, "{operation}: conflict: {message}"),
            Error::Call { operation, message } => write!(f, "{operation} failed: {message}"),
            Error::Credentials(message) | Error::UnknownProfile(message) | Error::Other(message) => {
                f.write_str(message)
            }
        }
    }
}

impl std::error::Error for Error {}

/// Error codes of throttling, as the AWS SDKs know them.
const THROTTLING: [&str; 9] = [
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "SlowDown",
    "RequestThrottled",
    "PriorRequestNotComplete",
];

/// Error codes that mean someone else changed the resource first.
const CONFLICTS: [&str; 4] =
    ["ConflictException", "PreconditionFailed", "FunctionAlreadyExists", "EntityAlreadyExists"];

/// Error codes of credentials the service does not accept.
const REFUSED_CREDENTIALS: [&str; 6] = [
    "InvalidClientTokenId",
    "SignatureDoesNotMatch",
    "UnrecognizedClientException",
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidAccessKeyId",
];

enum Class {
    Retry,
    Conflict,
    Fail,
}

fn classify<E: ProvideErrorMetadata>(error: &SdkError<E, HttpResponse>) -> Class {
    match error {
        SdkError::TimeoutError(_) | SdkError::ResponseError(_) => Class::Retry,
        SdkError::DispatchFailure(failure) if !failure.is_user() => Class::Retry,
        SdkError::ServiceError(service) => {
            let status = service.raw().status().as_u16();
            let code = error.code().unwrap_or("");
            if CONFLICTS.contains(&code) {
                Class::Conflict
            } else if THROTTLING.contains(&code) || status == 429 || status >= 500 {
                Class::Retry
            } else {
                Class::Fail
            }
        }
        _ => Class::Fail,
    }
}

fn error_code<E: ProvideErrorMetadata>(error: &SdkError<E, HttpResponse>) -> Option<&str> {
    match error {
        SdkError::ServiceError(_) => error.code(),
        _ => None,
    }
}

fn to_error<E>(operation: &'static str, error: SdkError<E, HttpResponse>) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let message = match (error.code(), error.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_string(),
        _ => first_line(&DisplayErrorContext(&error).to_string()),
    };
    if error.code().is_some_and(|code| REFUSED_CREDENTIALS.contains(&code)) {
        return Error::Credentials(format!("AWS refused the credentials ({operation}): {message}"));
    }
    match classify(&error) {
        Class::Conflict => Error::Conflict { operation, message },
        _ => Error::Call { operation, message },
    }
}

/// The store endpoint when one endpoint serves both services: the KVS endpoint rules would put
/// the account ID in front of the host, so resolve to the URL as given.
#[derive(Debug)]
struct FixedKvsEndpoint(String);

impl kvs::config::endpoint::ResolveEndpoint for FixedKvsEndpoint {
    fn resolve_endpoint<'a>(
        &'a self,
        _params: &'a kvs::config::endpoint::Params,
    ) -> kvs::config::endpoint::EndpointFuture<'a> {
        let endpoint = kvs::config::endpoint::Endpoint::builder()
            .url(self.0.clone())
            .auth_scheme(
                aws_smithy_types::endpoint::EndpointAuthScheme::with_capacity("sigv4a", 2)
                    .put("signingName", "cloudfront-keyvaluestore")
                    .put("signingRegionSet", vec![aws_smithy_types::Document::from("*")]),
            )
            .build();
        kvs::config::endpoint::EndpointFuture::ready(Ok(endpoint))
    }
}

/// Loads the standard AWS configuration (environment, shared files, SSO, instance roles), with
/// the SDK's own retries off: [`Aws`] retries.
pub async fn load_config(connection: &Connection) -> SdkConfig {
    let region = RegionProviderChain::first_try(connection.region.clone().map(Region::new))
        .or_default_provider()
        .or_else(Region::new("us-east-1"));
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(region)
        .retry_config(RetryConfig::disabled())
        .timeout_config(timeouts());
    if let Some(profile) = &connection.profile {
        loader = loader.profile_name(profile);
    }
    loader.load().await
}

/// Checks, before any call, that the named profile exists and that the standard chain
/// yields credentials, so that a missing setup fails at once with one line instead of after
/// the retries of the first call.
pub async fn check_credentials(connection: &Connection, config: &SdkConfig) -> Result<(), Error> {
    let named = connection.profile.clone().or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()));
    if let Some(profile) = named {
        // The alias names the same type as `aws_runtime`'s `EnvConfigFiles`, without one more
        // direct dependency.
        #[allow(deprecated)]
        let files = aws_config::profile::profile_file::ProfileFiles::default();
        let fs = aws_types::os_shim_internal::Fs::real();
        let env = aws_types::os_shim_internal::Env::real();
        let known = match aws_config::profile::load(&fs, &env, &files, None).await {
            Ok(set) => set.get_profile(&profile).is_some(),
            Err(error) => return Err(Error::Credentials(format!("the AWS config files cannot be read: {error}"))),
        };
        if !known {
            return Err(Error::UnknownProfile(format!(
                "the AWS profile {profile:?} is not in the AWS config or credentials file \
                 (~/.aws/config, ~/.aws/credentials, or AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE)"
            )));
        }
    }
    let Some(provider) = config.credentials_provider() else {
        return Err(Error::Credentials(NO_CREDENTIALS.to_string()));
    };
    use aws_credential_types::provider::ProvideCredentials;
    match tokio::time::timeout(Duration::from_secs(15), provider.provide_credentials()).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(aws_credential_types::provider::error::CredentialsError::CredentialsNotLoaded(_))) => {
            Err(Error::Credentials(NO_CREDENTIALS.to_string()))
        }
        Ok(Err(error)) => {
            let text = DisplayErrorContext(&error).to_string();
            // The instance metadata service is the chain's last resort: when it fails, nothing
            // before it had credentials, and its own error says nothing useful to a laptop user.
            if text.contains("IMDS") {
                return Err(Error::Credentials(format!("{NO_CREDENTIALS} (nor is this an instance with a role)")));
            }
            Err(Error::Credentials(format!("the AWS credentials cannot be loaded: {}", first_line(&text))))
        }
        Err(_) => Err(Error::Credentials("the AWS credentials took over 15 s to load".to_string())),
    }
}

const NO_CREDENTIALS: &str = "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, \
     or name a profile of ~/.aws/credentials with --profile or AWS_PROFILE";

/// The first line of an SDK error's text, at most 300 characters: its full context can run to
/// kilobytes.
fn first_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or("");
    match line.char_indices().nth(300) {
        Some((end, _)) => format!("{}…", &line[..end]),
        None => line.to_string(),
    }
}

/// Settings with fixed credentials instead of the standard chain, for a local stand-in of the
/// APIs (tests, benchmarks): region `us-east-1`, the SDK's own retries off.
pub async fn config_with_credentials(access_key_id: &str, secret_access_key: &str) -> SdkConfig {
    let credentials = cf::config::Credentials::new(access_key_id, secret_access_key, None, None, "fixed");
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(credentials)
        .retry_config(RetryConfig::disabled())
        .timeout_config(timeouts())
        .load()
        .await
}

/// Connecting may take 10 s and one attempt of a call 60 s; longer is a failure to retry.
fn timeouts() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(10))
        .operation_attempt_timeout(Duration::from_secs(60))
        .build()
}

/// The clients, the retry policy and where retries are reported.
pub struct Aws<'o> {
    cloudfront: cf::Client,
    kvs: kvs::Client,
    retry: Retry,
    observer: &'o dyn Observer,
    retries: AtomicU32,
    rng: std::sync::Mutex<fastrand::Rng>,
}

impl<'o> Aws<'o> {
    /// Clients for `config`, pointed at `endpoint_url` when given.
    pub fn new(config: &SdkConfig, endpoint_url: Option<&str>, retry: Retry, observer: &'o dyn Observer) -> Aws<'o> {
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(retry.connect_timeout)
            .operation_attempt_timeout(retry.attempt_timeout)
            .build();
        let mut cloudfront = cf::config::Builder::from(config).timeout_config(timeouts.clone());
        let mut store = kvs::config::Builder::from(config).timeout_config(timeouts);
        if let Some(url) = endpoint_url {
            cloudfront = cloudfront.endpoint_url(url);
            store = store.endpoint_resolver(FixedKvsEndpoint(url.to_string()));
        }
        Aws {
            cloudfront: cf::Client::from_conf(cloudfront.build()),
            kvs: kvs::Client::from_conf(store.build()),
            retry,
            observer,
            retries: AtomicU32::new(0),
            rng: std::sync::Mutex::new(fastrand::Rng::new()),
        }
    }

    /// Retries made so far.
    pub fn retries(&self) -> u32 {
        self.retries.load(Ordering::Relaxed)
    }

    /// Runs `call` until it succeeds, fails for good, or the attempts are used up.
    async fn call<T, E, F, Fut>(&self, operation: &'static str, mut call: F) -> Result<T, SdkError<E, HttpResponse>>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let mut attempt = 1;
        loop {
            match call().await {
                Ok(value) => return Ok(value),
                Err(error) if attempt < self.retry.attempts && matches!(classify(&error), Class::Retry) => {
                    let ceiling = self.retry.base.saturating_mul(1 << attempt.min(20)).min(self.retry.max);
                    let delay = ceiling.mul_f64(self.rng.lock().unwrap_or_else(|e| e.into_inner()).f64());
                    let reason = match error.code() {
                        Some(code) => code.to_string(),
                        None => first_line(&DisplayErrorContext(&error).to_string()),
                    };
                    self.observer.event(Event::Retrying { operation, attempt, error: &reason, delay });
                    self.retries.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                Err(error) => return Err(error),
            }
        }
    }

    /// Reads the store and the functions named `functions`.
    pub async fn read(&self, store: &str, functions: &[&str]) -> Result<Live, Error> {
        let mut live = Live::default();
        if let Some((id, arn)) = self.ready_store(store).await? {
            live.store = Some(self.read_store(store, id, arn).await?);
        }
        for &name in functions {
            if let Some(function) = self.read_function(name).await? {
                live.functions.insert(name.to_string(), function);
            }
        }
        if let Some(arn) = live.store.as_ref().map(|s| s.arn.clone()) {
            live.others = self.readers(&arn, functions).await?;
        }
        Ok(live)
    }

    /// The store's ID and ARN once it is ready, `None` when it does not exist.
    async fn ready_store(&self, name: &str) -> Result<Option<(String, String)>, Error> {
        const OPERATION: &str = "DescribeKeyValueStore";
        let started = std::time::Instant::now();
        let mut wait = self.retry.base;
        loop {
            let described = self.call(OPERATION, || self.cloudfront.describe_key_value_store().name(name).send()).await;
            let output = match described {
                Ok(output) => output,
                Err(error) if error_code(&error) == Some("EntityNotFound") => return Ok(None),
                Err(error) => return Err(to_error(OPERATION, error)),
            };
            let store = output
                .key_value_store()
                .ok_or_else(|| Error::Other(format!("{OPERATION} for {name} answered without the store")))?;
            match store.status().unwrap_or("READY") {
                "READY" => return Ok(Some((store.id().to_string(), store.arn().to_string()))),
                "PROVISIONING" if started.elapsed() < self.retry.store_ready => {
                    self.observer.event(Event::WaitingForStore);
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(self.retry.max);
                }
                status => {
                    let reason =
                        if status == "PROVISIONING" { "still provisioning".to_string() } else { status.to_string() };
                    return Err(Error::Other(format!("the KeyValueStore {name} is not ready: {reason}")));
                }
            }
        }
    }

    async fn read_store(&self, name: &str, id: String, arn: String) -> Result<LiveStore, Error> {
        // The ETag first: a write between the two reads then fails our first write, which
        // re-reads, instead of our writes resting on items older than their ETag.
        let described = self
            .call("DescribeKeyValueStore (data)", || self.kvs.describe_key_value_store().kvs_arn(&arn).send())
            .await
            .map_err(|e| to_error("DescribeKeyValueStore (data)", e))?;
        let etag = described.e_tag().to_string();
        let mut items = BTreeMap::new();
        let mut token: Option<String> = None;
        loop {
            let page = self
                .call("ListKeys", || {
                    self.kvs.list_keys().kvs_arn(&arn).max_results(50).set_next_token(token.clone()).send()
                })
                .await
                .map_err(|e| to_error("ListKeys", e))?;
            for item in page.items() {
                items.insert(item.key().to_string(), item.value().to_string());
            }
            match page.next_token() {
                Some(next) if !next.is_empty() && token.as_deref() != Some(next) => token = Some(next.to_string()),
                _ => break,
            }
        }
        Ok(LiveStore { name: name.to_string(), id, arn, etag, items })
    }

    /// Both stages of a function, `None` when it does not exist.
    async fn read_function(&self, name: &str) -> Result<Option<LiveFunction>, Error> {
        // Read until the description and the code carry the same ETag (a write in between
        // would otherwise pair one stage's code with another's settings).
        for _ in 0..5 {
            let Some((development, etag)) = self.read_stage(name, FunctionStage::Development).await? else {
                return Ok(None);
            };
            let live = self.read_stage(name, FunctionStage::Live).await?.map(|(stage, _)| stage);
            let Some((again, etag_again)) = self.read_stage(name, FunctionStage::Development).await? else {
                continue;
            };
            if etag == etag_again && again == development {
                return Ok(Some(LiveFunction { development, etag, live }));
            }
        }
        Err(Error::Conflict {
            operation: "GetFunction",
            message: format!("the function {name} kept changing while it was read"),
        })
    }

    async fn read_stage(&self, name: &str, stage: FunctionStage) -> Result<Option<(Stage, String)>, Error> {
        let described = self
            .call("DescribeFunction", || self.cloudfront.describe_function().name(name).stage(stage.clone()).send())
            .await;
        let described = match described {
            Ok(output) => output,
            Err(error) if error_code(&error) == Some("NoSuchFunctionExists") => return Ok(None),
            Err(error) => return Err(to_error("DescribeFunction", error)),
        };
        let config = described
            .function_summary()
            .and_then(|s| s.function_config())
            .map(config_of)
            .ok_or_else(|| Error::Other(format!("DescribeFunction for {name} answered without its settings")))?;
        let got =
            self.call("GetFunction", || self.cloudfront.get_function().name(name).stage(stage.clone()).send()).await;
        let got = match got {
            Ok(output) => output,
            Err(error) if error_code(&error) == Some("NoSuchFunctionExists") => return Ok(None),
            Err(error) => return Err(to_error("GetFunction", error)),
        };
        let code = got.function_code().map(|b| String::from_utf8_lossy(b.as_ref()).into_owned()).unwrap_or_default();
        let etag = described.e_tag().or(got.e_tag()).unwrap_or_default().to_string();
        Ok(Some((Stage { code, config }, etag)))
    }

    /// The LIVE code of the other functions associated with the store.
    async fn readers(&self, arn: &str, managed: &[&str]) -> Result<BTreeMap<String, String>, Error> {
        let mut names = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let page = self
                .call("ListFunctions", || {
                    self.cloudfront.list_functions().stage(FunctionStage::Live).set_marker(marker.clone()).send()
                })
                .await
                .map_err(|e| to_error("ListFunctions", e))?;
            let Some(list) = page.function_list() else { break };
            for summary in list.items() {
                let associated =
                    summary.function_config().map(config_of).is_some_and(|c| c.stores.iter().any(|s| s == arn));
                if associated && !managed.contains(&summary.name()) {
                    names.push(summary.name().to_string());
                }
            }
            match list.next_marker() {
                Some(next) if !next.is_empty() && marker.as_deref() != Some(next) => marker = Some(next.to_string()),
                _ => break,
            }
        }
        let mut readers = BTreeMap::new();
        for name in names {
            if let Some((stage, _)) = self.read_stage(&name, FunctionStage::Live).await? {
                readers.insert(name, stage.code);
            }
        }
        Ok(readers)
    }

    /// Creates the store; it is ready when [`Aws::read`] next sees it.
    pub async fn create_store(&self, name: &str, comment: &str) -> Result<(), Error> {
        self.call("CreateKeyValueStore", || {
            self.cloudfront.create_key_value_store().name(name).comment(comment).send()
        })
        .await
        .map_err(|e| to_error("CreateKeyValueStore", e))?;
        Ok(())
    }

    /// One `UpdateKeys` call: returns the store's new ETag.
    pub async fn update_keys(&self, arn: &str, etag: &str, batch: &Batch) -> Result<String, Error> {
        let build = |e: aws_smithy_types::error::operation::BuildError| Error::Other(e.to_string());
        let puts = batch
            .puts
            .iter()
            .map(|(k, v)| kvs::types::PutKeyRequestListItem::builder().key(k).value(v).build().map_err(build))
            .collect::<Result<Vec<_>, _>>()?;
        let deletes = batch
            .deletes
            .iter()
            .map(|k| kvs::types::DeleteKeyRequestListItem::builder().key(k).build().map_err(build))
            .collect::<Result<Vec<_>, _>>()?;
        let output = self
            .call("UpdateKeys", || {
                self.kvs
                    .update_keys()
                    .kvs_arn(arn)
                    .if_match(etag)
                    .set_puts((!puts.is_empty()).then(|| puts.clone()))
                    .set_deletes((!deletes.is_empty()).then(|| deletes.clone()))
                    .send()
            })
            .await
            .map_err(|e| to_error("UpdateKeys", e))?;
        Ok(output.e_tag().to_string())
    }

    fn config(&self, comment: &str, store_arn: &str) -> Result<cf::types::FunctionConfig, Error> {
        let build = |e: aws_smithy_types::error::operation::BuildError| Error::Other(e.to_string());
        let association = KeyValueStoreAssociation::builder().key_value_store_arn(store_arn).build().map_err(build)?;
        let associations =
            KeyValueStoreAssociations::builder().quantity(1).items(association).build().map_err(build)?;
        cf::types::FunctionConfig::builder()
            .comment(comment)
            .runtime(FunctionRuntime::CloudfrontJs20)
            .key_value_store_associations(associations)
            .build()
            .map_err(build)
    }

    /// `CreateFunction`: returns the ETag.
    pub async fn create_function(
        &self,
        name: &str,
        code: &str,
        comment: &str,
        store_arn: &str,
    ) -> Result<String, Error> {
        let config = self.config(comment, store_arn)?;
        let output = self
            .call("CreateFunction", || {
                self.cloudfront
                    .create_function()
                    .name(name)
                    .function_config(config.clone())
                    .function_code(Blob::new(code.as_bytes()))
                    .send()
            })
            .await
            .map_err(|e| to_error("CreateFunction", e))?;
        match output.e_tag() {
            Some(etag) => Ok(etag.to_string()),
            None => self.development_etag(name).await,
        }
    }

    /// `UpdateFunction`: returns the new ETag.
    pub async fn update_function(
        &self,
        name: &str,
        etag: &str,
        code: &str,
        comment: &str,
        store_arn: &str,
    ) -> Result<String, Error> {
        let config = self.config(comment, store_arn)?;
        let output = self
            .call("UpdateFunction", || {
                self.cloudfront
                    .update_function()
                    .name(name)
                    .if_match(etag)
                    .function_config(config.clone())
                    .function_code(Blob::new(code.as_bytes()))
                    .send()
            })
            .await
            .map_err(|e| to_error("UpdateFunction", e))?;
        match output.e_tag() {
            Some(etag) => Ok(etag.to_string()),
            None => self.development_etag(name).await,
        }
    }

    async fn development_etag(&self, name: &str) -> Result<String, Error> {
        let described = self
            .call("DescribeFunction", || {
                self.cloudfront.describe_function().name(name).stage(FunctionStage::Development).send()
            })
            .await
            .map_err(|e| to_error("DescribeFunction", e))?;
        described.e_tag().map(str::to_string).ok_or_else(|| Error::Other(format!("no ETag for the function {name}")))
    }

    /// `PublishFunction`.
    pub async fn publish_function(&self, name: &str, etag: &str) -> Result<(), Error> {
        self.call("PublishFunction", || self.cloudfront.publish_function().name(name).if_match(etag).send())
            .await
            .map_err(|e| to_error("PublishFunction", e))?;
        Ok(())
    }
}

fn config_of(config: &cf::types::FunctionConfig) -> FunctionConfig {
    FunctionConfig {
        comment: config.comment().to_string(),
        runtime: config.runtime().as_str().to_string(),
        stores: config
            .key_value_store_associations()
            .map(|a| a.items().iter().map(|i| i.key_value_store_arn().to_string()).collect())
            .unwrap_or_default(),
    }
}
