//! Deploys a compiled hedge site: brings CloudFront's functions and KeyValueStore data in line
//! with it, through the AWS SDK, without a moment where a request is answered by neither the
//! old rules nor the new ones.
//!
//! - [`site`]: what to deploy ([`Site`]), and how hedgec's own entries are recognised;
//! - [`live`]: what CloudFront has ([`Live`]);
//! - [`plan`]: the pure diff and its safe order (data, functions, cleanup) and safeguards;
//! - [`aws`]: the SDK clients, reads and writes, retries with backoff;
//! - [`apply`]: read, plan, write, and re-read after conflicts, until done;
//! - [`progress`]: events, and their display on a terminal.
//!
//! Beyond turning a compilation into a [`Site`], this crate knows nothing of the rules language or
//! the compiler: a site is code and entries, and the KVS layout (`kvs-layout`) says which
//! entries are hedgec's.
//! It holds the workspace's only dependency on the AWS SDK.

pub mod apply;
pub mod aws;
pub mod live;
pub mod plan;
pub mod progress;
pub mod site;

use std::future::Future;

pub use apply::{Applied, DeployError, Options, Report};
pub use aws::{Aws, Connection, Retry};
pub use live::Live;
pub use plan::{Plan, PlanError, PlanOptions};
pub use progress::{Event, Observer};
pub use site::{FunctionNames, FunctionSpec, Site, SiteError};

/// Loads the AWS configuration for `connection` and deploys `site`.
pub async fn run(
    connection: &Connection,
    site: &Site,
    options: &Options,
    retry: Retry,
    observer: &dyn Observer,
) -> Result<Report, DeployError> {
    let config = aws::load_config(connection).await;
    aws::check_credentials(connection, &config).await?;
    let aws = Aws::new(&config, connection.endpoint_url.as_deref(), retry, observer);
    apply::deploy(&aws, site, options, observer).await
}

/// Runs a future to completion on a runtime of the current thread.
pub fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime on the current thread")
        .block_on(future)
}
