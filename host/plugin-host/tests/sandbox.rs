//! The sandbox, enforced: a misbehaving connector loaded from the plugin directory may
//! not reach other addresses, listen, use UDP, look names up or read files; a guest that
//! loops, hoards memory or traps fails its own call only; broken or foreign components
//! in the plugin directory are skipped with a reason.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tessera_plugin_host::{
    BUILT_PLUGINS_DIR, CancelHandle, ConnectTarget, ErrorKind, Limits, PluginConfig, PluginError,
    PluginHost, Stop,
};

const MISBEHAVING: &str = "test_misbehaving_connector.wasm";

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tessera-{name}-{}", uuid_like()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn uuid_like() -> String {
    format!("{}-{:?}", std::process::id(), Instant::now())
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect()
}

fn cache_dir() -> PathBuf {
    std::env::temp_dir().join("tessera-test-plugin-cache")
}

async fn host_with(plugin_dir: &Path, limits: Limits) -> PluginHost {
    PluginHost::load(&PluginConfig {
        plugin_dir: Some(plugin_dir.to_path_buf()),
        cache_dir: cache_dir(),
        limits,
    })
    .await
    .expect("plugins load")
}

async fn misbehaving_host(limits: Limits) -> PluginHost {
    let dir = temp_dir("misbehaving");
    std::fs::copy(
        Path::new(BUILT_PLUGINS_DIR).join(MISBEHAVING),
        dir.join(MISBEHAVING),
    )
    .unwrap();
    let host = host_with(&dir, limits).await;
    assert!(host.rejected().is_empty(), "{:?}", host.rejected());
    host
}

/// Runs `test()` of the misbehaving connector with the misdeed `misdeed`, configured
/// for PostgreSQL's address on this machine.
async fn commit(host: &PluginHost, misdeed: &str) -> Result<(), PluginError> {
    let target = ConnectTarget {
        uri: format!("misbehave://127.0.0.1:5432/{misdeed}"),
        allow_dml: false,
        engine_params: "{}".into(),
    };
    let connector = host.connector_for(&target.uri)?;
    let mut session = connector.connect(&target, CancelHandle::default()).await?;
    session.test().await
}

fn assert_refused(outcome: Result<(), PluginError>, what: &str) {
    match outcome {
        Err(PluginError::Connector {
            kind: ErrorKind::ConnectionRefused,
            message,
        }) => assert!(message.starts_with("sandbox refused"), "{what}: {message}"),
        other => panic!("{what} was not refused: {other:?}"),
    }
}

#[tokio::test]
async fn network_reaches_only_the_configured_address() {
    let host = misbehaving_host(Limits::default()).await;
    commit(&host, "connect-allowed")
        .await
        .expect("the configured address is reachable");
    for misdeed in [
        "connect-other-port",
        "connect-other-host",
        "listen",
        "udp",
        "dns",
        "files",
    ] {
        let outcome = commit(&host, misdeed).await;
        assert_refused(outcome, misdeed);
    }
}

#[tokio::test]
async fn a_guest_that_loops_is_stopped_at_its_deadline() {
    let limits = Limits {
        timeout: Duration::from_millis(500),
        ..Limits::default()
    };
    let host = misbehaving_host(limits).await;
    let started = Instant::now();
    match commit(&host, "loop").await {
        Err(PluginError::Stopped {
            stop: Stop::Deadline,
            ..
        }) => {}
        other => panic!("the loop was not stopped: {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(5));
    // The host still serves other calls.
    commit(&host, "connect-allowed").await.unwrap();
}

#[tokio::test]
async fn a_cancelled_session_stops_at_once() {
    let host = misbehaving_host(Limits::default()).await;
    let target = ConnectTarget {
        uri: "misbehave://127.0.0.1:5432/loop".into(),
        allow_dml: false,
        engine_params: "{}".into(),
    };
    let cancel = CancelHandle::default();
    let mut session = host
        .connector_for(&target.uri)
        .unwrap()
        .connect(&target, cancel.clone())
        .await
        .unwrap();
    let stopper = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        cancel.cancel();
    });
    match session.test().await {
        Err(PluginError::Stopped {
            stop: Stop::Cancelled,
            ..
        }) => {}
        other => panic!("the session was not cancelled: {other:?}"),
    }
    stopper.await.unwrap();
}

#[tokio::test]
async fn a_guest_that_hoards_memory_hits_its_cap() {
    let limits = Limits {
        memory_bytes: 64 << 20,
        ..Limits::default()
    };
    let host = misbehaving_host(limits).await;
    match commit(&host, "alloc").await {
        Err(PluginError::Stopped {
            stop: Stop::MemoryCap,
            ..
        }) => {}
        other => panic!("the hoarding was not stopped: {other:?}"),
    }
    commit(&host, "connect-allowed").await.unwrap();
}

#[tokio::test]
async fn a_guest_that_traps_fails_its_call_only() {
    let host = misbehaving_host(Limits::default()).await;
    match commit(&host, "trap").await {
        Err(PluginError::Trap { plugin, .. }) => assert_eq!(plugin, "test-misbehaving-connector"),
        other => panic!("the trap was not reported: {other:?}"),
    }
    commit(&host, "connect-allowed").await.unwrap();
}

/// A component that exports the connector interface of a WIT version this host does
/// not implement.
const FUTURE_CONNECTOR: &str = r#"
(component
  (core module $m (func (export "describe")))
  (core instance $i (instantiate $m))
  (func $describe (canon lift (core func $i "describe")))
  (instance $api (export "describe" (func $describe)))
  (export "tessera:connector/connector@0.2.0" (instance $api))
)
"#;

#[tokio::test]
async fn broken_and_foreign_components_are_skipped_with_a_reason() {
    let dir = temp_dir("rejected");
    let good = std::fs::read(Path::new(BUILT_PLUGINS_DIR).join(MISBEHAVING)).unwrap();
    std::fs::write(dir.join("a-truncated.wasm"), &good[..good.len() / 2]).unwrap();
    std::fs::write(
        dir.join("b-core-module.wasm"),
        wat::parse_str("(module)").unwrap(),
    )
    .unwrap();
    std::fs::write(
        dir.join("c-future.wasm"),
        wat::parse_str(FUTURE_CONNECTOR).unwrap(),
    )
    .unwrap();
    std::fs::write(dir.join("d-not-wasm.wasm"), b"hello").unwrap();
    // A second copy of a first-party connector claims schemes already served.
    std::fs::copy(
        Path::new(BUILT_PLUGINS_DIR).join("connector_sqlite.wasm"),
        dir.join("e-duplicate.wasm"),
    )
    .unwrap();
    std::fs::write(dir.join("f-good.wasm"), &good).unwrap();

    let host = host_with(&dir, Limits::default()).await;
    let reasons: Vec<(String, String)> = host
        .rejected()
        .iter()
        .map(|r| {
            (
                r.path.file_name().unwrap().to_string_lossy().into_owned(),
                r.reason.clone(),
            )
        })
        .collect();
    let names: Vec<&str> = reasons.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "a-truncated.wasm",
            "b-core-module.wasm",
            "c-future.wasm",
            "d-not-wasm.wasm",
            "e-duplicate.wasm"
        ],
        "{reasons:?}"
    );
    assert!(
        reasons[2].1.contains("tessera:connector/connector@0.2.0"),
        "{reasons:?}"
    );
    assert!(reasons[4].1.contains("already served"), "{reasons:?}");
    // The good one still loaded, beside the first-party connectors.
    assert!(host.connector_for("misbehave://127.0.0.1:5432/x").is_ok());
    for scheme in ["postgresql", "postgres", "mysql", "mariadb", "sqlite"] {
        assert!(
            host.connector_for(&format!("{scheme}://x")).is_ok(),
            "{scheme}"
        );
    }
}

#[tokio::test]
async fn the_compiled_form_is_cached_on_disk() {
    let cache = temp_dir("cache");
    let config = PluginConfig {
        plugin_dir: None,
        cache_dir: cache.clone(),
        limits: Limits::default(),
    };
    PluginHost::load(&config).await.unwrap();
    let artifacts = || {
        let mut files: Vec<(PathBuf, std::time::SystemTime)> = std::fs::read_dir(&cache)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (e.path(), e.metadata().unwrap().modified().unwrap())
            })
            .collect();
        files.sort();
        files
    };
    let first = artifacts();
    assert!(first.len() >= 3, "{first:?}");
    // A second start reads the artifacts instead of compiling and writing them again.
    PluginHost::load(&config).await.unwrap();
    assert_eq!(artifacts(), first);
}
