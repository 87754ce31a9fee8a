//! What a plugin call may touch, and how much: the WASI context (sockets, files), the
//! memory cap and the deadline of each `Store`.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::watch;
use wasmtime::component::ResourceTable;
use wasmtime::{ResourceLimiter, Store, UpdateDeadline};
use wasmtime_wasi::sockets::SocketAddrUse;
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use crate::PluginError;

/// The resources one plugin call may use.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The most linear memory (all memories together) a plugin instance may grow to.
    pub memory_bytes: usize,
    /// How long one session (a connection and everything run on it) may take.
    pub timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            memory_bytes: 512 << 20,
            timeout: Duration::from_secs(300),
        }
    }
}

/// What the sandbox lets a plugin reach.
#[derive(Debug, Clone, Default)]
pub(crate) enum Access {
    /// Nothing: no sockets, no files (exporters).
    #[default]
    Nothing,
    /// TCP connections to exactly these addresses.
    Tcp(HashSet<SocketAddr>),
    /// One directory, mounted at the same path inside the guest.
    Directory { path: PathBuf, writable: bool },
}

/// Why the host stopped a plugin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    Deadline,
    Cancelled,
    MemoryCap,
}

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Stop::Deadline => "deadline exceeded",
            Stop::Cancelled => "cancelled",
            Stop::MemoryCap => "memory cap exceeded",
        })
    }
}

impl std::error::Error for Stop {}

/// Stops a running session from another task (`POST /query/stop`): a guest running
/// code traps at its next epoch tick, one waiting on I/O is dropped.
#[derive(Debug, Clone)]
pub struct CancelHandle(Arc<watch::Sender<bool>>);

impl Default for CancelHandle {
    fn default() -> Self {
        Self(Arc::new(watch::channel(false).0))
    }
}

impl CancelHandle {
    pub fn cancel(&self) {
        self.0.send_replace(true);
    }

    pub fn is_cancelled(&self) -> bool {
        *self.0.borrow()
    }

    /// Resolves once [`CancelHandle::cancel`] has been called.
    pub async fn cancelled(&self) {
        let mut changes = self.0.subscribe();
        // `wait_for` only fails when the sender is gone, and we hold it.
        let _ = changes.wait_for(|cancelled| *cancelled).await;
    }
}

/// The deadline and cancel switch of one session, applied both inside the guest (epoch
/// callback) and around each call (for a guest blocked on host I/O).
#[derive(Debug, Clone)]
pub(crate) struct Watchdog {
    deadline: Instant,
    cancel: CancelHandle,
}

impl Watchdog {
    pub(crate) fn new(limits: Limits, cancel: CancelHandle) -> Self {
        Self {
            deadline: Instant::now() + limits.timeout,
            cancel,
        }
    }

    fn check(&self) -> Result<(), Stop> {
        if self.cancel.is_cancelled() {
            Err(Stop::Cancelled)
        } else if Instant::now() >= self.deadline {
            Err(Stop::Deadline)
        } else {
            Ok(())
        }
    }

    /// Runs one call into the guest, giving up when the deadline passes or the session
    /// is cancelled while the guest waits.
    pub(crate) async fn run<T>(
        &self,
        call: impl Future<Output = wasmtime::Result<T>>,
    ) -> Result<wasmtime::Result<T>, Stop> {
        tokio::select! {
            result = call => Ok(result),
            _ = tokio::time::sleep_until(self.deadline.into()) => Err(Stop::Deadline),
            _ = self.cancel.cancelled() => Err(Stop::Cancelled),
        }
    }
}

/// The host state behind one `Store`.
pub(crate) struct CallState {
    wasi: WasiCtx,
    table: ResourceTable,
    memory: MemoryCap,
}

impl WasiView for CallState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

struct MemoryCap {
    max: usize,
}

impl ResourceLimiter for MemoryCap {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        // Trap at once with a reason instead of letting the guest's allocator abort.
        if desired > self.max {
            return Err(wasmtime::Error::new(Stop::MemoryCap));
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 1 << 20)
    }
}

/// A fresh store for one plugin session, with the sandbox and limits applied.
pub(crate) fn new_store(
    engine: &wasmtime::Engine,
    access: &Access,
    memory_bytes: usize,
    watchdog: &Watchdog,
) -> Result<Store<CallState>, PluginError> {
    let mut wasi = WasiCtxBuilder::new();
    match access {
        Access::Nothing => {}
        Access::Tcp(allowed) => {
            let allowed = Arc::new(allowed.clone());
            wasi.allow_tcp(true)
                .allow_udp(false)
                .allow_ip_name_lookup(false)
                .socket_addr_check(move |addr, usage| {
                    let permitted = match usage {
                        // The guest's std binds an ephemeral local port before it
                        // connects; nothing else may be bound.
                        SocketAddrUse::TcpBind => addr.port() == 0 && addr.ip().is_unspecified(),
                        SocketAddrUse::TcpConnect => allowed.contains(&addr),
                        _ => false,
                    };
                    Box::pin(async move { permitted })
                });
        }
        Access::Directory { path, writable } => {
            let perms = if *writable {
                FsPerms::ReadWrite
            } else {
                FsPerms::ReadOnly
            };
            let guest_path = path.to_string_lossy().into_owned();
            // File reads run on the calling thread instead of a `spawn_blocking` hop
            // each: SQLite reads a page per call, and the hop cost far more than the
            // read (COUNT(*) over a 41 MB file through connector-sqlite went from
            // 0.72 s to 0.04 s).
            wasi.allow_blocking_current_thread(true);
            wasi.preopened_dir(path, guest_path, perms).map_err(|e| {
                PluginError::Sandbox(format!("cannot open {}: {e}", path.display()))
            })?;
        }
    }
    let state = CallState {
        wasi: wasi.build(),
        table: ResourceTable::new(),
        memory: MemoryCap { max: memory_bytes },
    };
    let mut store = Store::new(engine, state);
    store.limiter(|state| &mut state.memory);
    let watchdog = watchdog.clone();
    store.epoch_deadline_callback(move |_| {
        watchdog.check().map_err(wasmtime::Error::new)?;
        // Yield at every tick so a busy guest never starves the server's other tasks.
        Ok(UpdateDeadline::Yield(1))
    });
    store.set_epoch_deadline(1);
    Ok(store)
}
