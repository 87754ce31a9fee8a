//! How long connector-sqlite takes for the query-engine benchmark's group-by over a
//! SQLite file, run whole inside the component (the pushed-down statement). Run with
//! `bash bench/sqlite_connector.sh`, which makes the file and times the same statement
//! in the native SQLite beside it.

use std::time::{Duration, Instant};

use tessera_plugin_host::{CancelHandle, ConnectTarget, Limits, PluginConfig, PluginHost};

const QUERY: &str = "SELECT region, product, SUM(quantity) AS qty, SUM(quantity * price) AS revenue, \
                     COUNT(*) AS n FROM sales GROUP BY region, product ORDER BY revenue DESC LIMIT 100";

#[tokio::main]
async fn main() {
    let path = std::env::args()
        .skip(1)
        .find(|a| a.ends_with(".db"))
        .expect("the SQLite file as an argument");
    let runs: usize = std::env::var("RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5);
    // Another statement to time instead, e.g. the bare scan DataFusion would aggregate.
    let query = std::env::var("SQL").unwrap_or_else(|_| QUERY.to_string());
    let host = PluginHost::load(&PluginConfig {
        plugin_dir: None,
        cache_dir: std::env::temp_dir().join("tessera-bench-plugin-cache"),
        limits: Limits::default(),
    })
    .await
    .unwrap();
    let uri = format!("sqlite://{path}");
    let target = ConnectTarget {
        uri: uri.clone(),
        allow_dml: false,
        engine_params: "{}".into(),
    };
    let mut times = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        // A session per query, as chart data and SQL Lab open one.
        let session = host
            .connector_for(&uri)
            .unwrap()
            .connect(&target, CancelHandle::default())
            .await
            .unwrap();
        let mut stream = session.execute(&query).await.unwrap();
        let mut rows = 0;
        while let Some(batch) = stream.next().await.unwrap() {
            rows += batch.num_rows();
        }
        assert!(rows > 0);
        times.push(started.elapsed());
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "connector-sqlite, {runs} runs: best {:.0} ms, median {:.0} ms",
        ms(times[0]),
        ms(times[times.len() / 2])
    );
}
