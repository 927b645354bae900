//! A local stand-in for the two AWS services a hedgec deploy talks to, for tests and benches:
//! CloudFront's function and KeyValueStore control plane (REST-XML, SigV4) and the
//! KeyValueStore data plane (REST-JSON, SigV4A), on one HTTP port.
//!
//! - [`state`]: what the services remember (functions with DEVELOPMENT and LIVE stages,
//!   stores with items) and the rules they enforce (ETags and `If-Match`, batch and size
//!   limits, store provisioning);
//! - [`http`]: the wire protocols, as the AWS SDKs speak them, with the services' error shapes;
//! - this module: the server on a background thread, fault injection from a seeded random
//!   generator or a script, a log of calls and a snapshot of the live site after every write.
//!
//! Faults: a 500, throttling, a conflict (another writer changes the resource first, so the
//! request fails its `If-Match` for real), or a dropped connection before or after the request
//! took effect.

pub mod http;
pub mod state;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;

pub use state::{ApiError, Function, FunctionVersion, KeyChanges, State, Store};

/// The operations the fake serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Op {
    /// CloudFront `CreateFunction`.
    CreateFunction,
    /// CloudFront `DescribeFunction`.
    DescribeFunction,
    /// CloudFront `GetFunction`.
    GetFunction,
    /// CloudFront `UpdateFunction`.
    UpdateFunction,
    /// CloudFront `PublishFunction`.
    PublishFunction,
    /// CloudFront `ListFunctions`.
    ListFunctions,
    /// CloudFront `CreateKeyValueStore`.
    CreateKeyValueStore,
    /// CloudFront `DescribeKeyValueStore`.
    DescribeKeyValueStore,
    /// KeyValueStore `DescribeKeyValueStore`.
    DescribeStoreData,
    /// KeyValueStore `ListKeys`.
    ListKeys,
    /// KeyValueStore `UpdateKeys`.
    UpdateKeys,
}

impl Op {
    /// Every operation.
    pub const ALL: [Op; 11] = [
        Op::CreateFunction,
        Op::DescribeFunction,
        Op::GetFunction,
        Op::UpdateFunction,
        Op::PublishFunction,
        Op::ListFunctions,
        Op::CreateKeyValueStore,
        Op::DescribeKeyValueStore,
        Op::DescribeStoreData,
        Op::ListKeys,
        Op::UpdateKeys,
    ];

    /// Whether the operation changes anything.
    pub fn writes(self) -> bool {
        matches!(
            self,
            Op::CreateFunction | Op::UpdateFunction | Op::PublishFunction | Op::CreateKeyValueStore | Op::UpdateKeys
        )
    }

    /// Whether the operation belongs to the KeyValueStore data plane (REST-JSON, SigV4A).
    pub fn data_plane(self) -> bool {
        matches!(self, Op::DescribeStoreData | Op::ListKeys | Op::UpdateKeys)
    }
}

/// A fault to inject into one call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Fault {
    /// HTTP 500 with the service's internal-error shape; nothing happens.
    ServerError,
    /// The service's throttling error; nothing happens.
    Throttle,
    /// Another writer changes the resource first (a key of its own in the store, or the
    /// function saved unchanged), so a write fails its `If-Match` for real. For creations,
    /// the resource appears as requested and the call reports that it already exists; for
    /// reads, the other write lands just after the read.
    Conflict,
    /// The connection closes before the request is looked at.
    DropBefore,
    /// The request takes effect, then the connection closes without an answer.
    DropAfter,
}

impl Fault {
    /// Every fault.
    pub const ALL: [Fault; 5] =
        [Fault::ServerError, Fault::Throttle, Fault::Conflict, Fault::DropBefore, Fault::DropAfter];
}

/// One call the fake answered (or dropped).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    /// The operation.
    pub op: Op,
    /// The fault injected, if any.
    pub fault: Option<Fault>,
    /// The HTTP status sent, `None` when the connection was dropped.
    pub status: Option<u16>,
    /// For `UpdateKeys` that took effect, the changes.
    pub changes: Option<KeyChanges>,
}

/// The live site after a write: each function's LIVE code and each store's items.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    /// The write that led here.
    pub after: Op,
    /// LIVE code by function name (functions never published are absent).
    pub live: BTreeMap<String, String>,
    /// Items by store name.
    pub stores: BTreeMap<String, BTreeMap<String, String>>,
}

/// When to inject faults.
#[derive(Clone, Debug, Default)]
pub struct Faults {
    /// Scripted faults, used first: the `skip + 1`-th next call of `op` gets `fault`.
    pub script: Vec<(Op, u32, Fault)>,
    /// The chance, 0 to 1, that a call gets a random fault.
    pub rate: f64,
    /// The random generator's seed.
    pub seed: u64,
}

struct Shared {
    state: Mutex<State>,
    control: Mutex<Control>,
}

struct Control {
    faults: Faults,
    rng: fastrand::Rng,
    calls: Vec<Call>,
    snapshots: Option<Vec<Snapshot>>,
}

impl Control {
    fn pick(&mut self, op: Op) -> Option<Fault> {
        if let Some(index) = self.faults.script.iter().position(|(o, _, _)| *o == op) {
            let (_, skip, fault) = &mut self.faults.script[index];
            if *skip == 0 {
                let fault = *fault;
                self.faults.script.remove(index);
                return Some(fault);
            }
            *skip -= 1;
            return None;
        }
        if self.faults.rate > 0.0 && self.rng.f64() < self.faults.rate {
            return Some(Fault::ALL[self.rng.usize(..Fault::ALL.len())]);
        }
        None
    }
}

/// The fake services, listening until dropped.
pub struct FakeAws {
    address: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl FakeAws {
    /// Starts the services, empty, on a free port of 127.0.0.1.
    pub fn start() -> FakeAws {
        FakeAws::listen("127.0.0.1:0").expect("bind 127.0.0.1")
    }

    /// Starts the services, empty, on `address` (port 0 picks a free port; see
    /// [`FakeAws::endpoint`]). Fails when the address cannot be bound.
    pub fn listen(address: impl std::net::ToSocketAddrs) -> std::io::Result<FakeAws> {
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            control: Mutex::new(Control {
                faults: Faults::default(),
                rng: fastrand::Rng::with_seed(0),
                calls: Vec::new(),
                snapshots: None,
            }),
        });
        let listener = std::net::TcpListener::bind(address)?;
        listener.set_nonblocking(true)?;
        let address = listener.local_addr()?;
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let serving = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("fake-aws".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
                runtime.block_on(serve(listener, serving, stopped));
            })
            .expect("spawn the fake's thread");
        Ok(FakeAws { address, shared, stop: Some(stop), thread: Some(thread) })
    }

    /// `http://127.0.0.1:PORT`, for both services.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The services' state, to read or to arrange.
    pub fn state(&self) -> MutexGuard<'_, State> {
        self.shared.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn control(&self) -> MutexGuard<'_, Control> {
        self.shared.control.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Replaces the fault settings.
    pub fn set_faults(&self, faults: Faults) {
        let mut control = self.control();
        control.rng = fastrand::Rng::with_seed(faults.seed);
        control.faults = faults;
    }

    /// Starts (or stops) recording a [`Snapshot`] after every write.
    pub fn record_snapshots(&self, on: bool) {
        self.control().snapshots = on.then(Vec::new);
    }

    /// Takes the snapshots recorded so far.
    pub fn take_snapshots(&self) -> Vec<Snapshot> {
        self.control().snapshots.as_mut().map(std::mem::take).unwrap_or_default()
    }

    /// Takes the log of calls so far.
    pub fn take_calls(&self) -> Vec<Call> {
        std::mem::take(&mut self.control().calls)
    }

    /// The items of a store, if it exists.
    pub fn items(&self, store: &str) -> Option<BTreeMap<String, String>> {
        self.state().stores.get(store).map(|s| s.items.clone())
    }

    /// The LIVE code of a function, if it was published.
    pub fn live_code(&self, function: &str) -> Option<String> {
        let state = self.state();
        let live = state.functions.get(function)?.live.as_ref()?;
        Some(String::from_utf8_lossy(&live.code).into_owned())
    }
}

impl Drop for FakeAws {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn serve(listener: std::net::TcpListener, shared: Arc<Shared>, mut stopped: tokio::sync::oneshot::Receiver<()>) {
    let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
    loop {
        tokio::select! {
            _ = &mut stopped => return,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let shared = Arc::clone(&shared);
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request| {
                        let shared = Arc::clone(&shared);
                        async move { http::handle(&Handler { shared: &shared }, request).await }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                        .await;
                });
            }
        }
    }
}

/// What [`http`] needs from the server: state, faults and records.
pub struct Handler<'a> {
    shared: &'a Shared,
}

impl Handler<'_> {
    /// Picks the fault for a call of `op`.
    pub fn fault(&self, op: Op) -> Option<Fault> {
        self.shared.control.lock().unwrap_or_else(|e| e.into_inner()).pick(op)
    }

    /// Runs `f` on the state.
    pub fn with_state<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut self.shared.state.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Records a call, and a snapshot when it wrote.
    pub fn record(&self, call: Call, wrote: bool) {
        let mut control = self.shared.control.lock().unwrap_or_else(|e| e.into_inner());
        if wrote && control.snapshots.is_some() {
            let state = self.shared.state.lock().unwrap_or_else(|e| e.into_inner());
            let snapshot = Snapshot {
                after: call.op,
                live: state
                    .functions
                    .iter()
                    .filter_map(|(name, f)| {
                        Some((name.clone(), String::from_utf8_lossy(&f.live.as_ref()?.code).into_owned()))
                    })
                    .collect(),
                stores: state.stores.iter().map(|(name, s)| (name.clone(), s.items.clone())).collect(),
            };
            control.snapshots.as_mut().expect("recording").push(snapshot);
        }
        control.calls.push(call);
    }
}
