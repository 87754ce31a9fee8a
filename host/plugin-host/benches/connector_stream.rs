//! How fast a connector plugin streams a large PostgreSQL table into Arrow, against the
//! same table read natively in the host (tokio-postgres into Arrow builders), and what
//! one instantiation of a cached component costs.
//!
//! Run with `bash bench/connectors.sh` (a release build against the machine's
//! PostgreSQL). The table `tessera_bench_stream` (1,000,000 rows, 6 columns) is created
//! in database `test` on first use.

use std::time::{Duration, Instant};

use arrow_array::builder::{
    ArrayBuilder, BooleanBuilder, Float64Builder, Int32Builder, Int64Builder, StringBuilder,
    TimestampMicrosecondBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use futures_util::{StreamExt, pin_mut};
use tessera_plugin_host::{CancelHandle, ConnectTarget, Limits, PluginConfig, PluginHost};

const ROWS: i64 = 1_000_000;
const URI: &str = "postgresql://postgres@127.0.0.1:5432/test";
const TABLE: &str = "tessera_bench_stream";
const QUERY: &str = "SELECT id, qty, price, name, at, flag FROM tessera_bench_stream";
const RUNS: usize = 5;

#[tokio::main]
async fn main() {
    let (client, connection) = tokio_postgres::connect(
        "host=127.0.0.1 port=5432 user=postgres dbname=test",
        tokio_postgres::NoTls,
    )
    .await
    .expect("PostgreSQL on 127.0.0.1:5432");
    tokio::spawn(connection);
    ensure_table(&client).await;

    let host = PluginHost::load(&PluginConfig {
        plugin_dir: None,
        cache_dir: std::env::temp_dir().join("tessera-bench-plugin-cache"),
        limits: Limits::default(),
    })
    .await
    .unwrap();
    let connector = host.connector_for(URI).unwrap().clone();

    // Warm both paths (server caches, page cache) before measuring.
    native(&client).await;
    plugin(&host).await;

    let mut native_times = Vec::new();
    let mut plugin_times = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        assert_eq!(native(&client).await, ROWS as usize);
        native_times.push(started.elapsed());
        let started = Instant::now();
        assert_eq!(plugin(&host).await, ROWS as usize);
        plugin_times.push(started.elapsed());
    }
    let native_best = best(&native_times);
    let plugin_best = best(&plugin_times);
    let rate = |d: Duration| ROWS as f64 / d.as_secs_f64();
    println!("streaming {ROWS} rows x 6 columns from PostgreSQL into Arrow, best of {RUNS}:");
    println!(
        "  native (tokio-postgres)  {:>8.0} ms  {:>12.0} rows/s",
        ms(native_best),
        rate(native_best)
    );
    println!(
        "  connector-postgres       {:>8.0} ms  {:>12.0} rows/s",
        ms(plugin_best),
        rate(plugin_best)
    );
    println!(
        "  plugin / native          {:>8.1} %",
        100.0 * rate(plugin_best) / rate(native_best)
    );

    let calls = 2_000;
    let started = Instant::now();
    for _ in 0..calls {
        connector.ping().await.unwrap();
    }
    let per_call = started.elapsed() / calls;
    println!(
        "instantiate + describe, cached component: {:.1} us per call",
        per_call.as_secs_f64() * 1e6
    );
}

fn best(times: &[Duration]) -> Duration {
    *times.iter().min().unwrap()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

async fn ensure_table(client: &tokio_postgres::Client) {
    let exists = client
        .query_one(
            &format!("SELECT count(*) FROM pg_tables WHERE tablename = '{TABLE}'"),
            &[],
        )
        .await
        .unwrap()
        .get::<_, i64>(0)
        == 1;
    if exists {
        return;
    }
    client
        .batch_execute(&format!(
            "CREATE TABLE {TABLE} AS SELECT g::int8 AS id, (g % 1000)::int4 AS qty,
               (g * 0.37)::float8 AS price, 'product ' || (g % 5000) AS name,
               timestamp '2020-01-01' + g * interval '1 minute' AS at, g % 3 = 0 AS flag
             FROM generate_series(1, {ROWS}) AS g"
        ))
        .await
        .unwrap();
}

/// Reads the table through the connector component, batch by batch.
async fn plugin(host: &PluginHost) -> usize {
    let target = ConnectTarget {
        uri: URI.into(),
        allow_dml: false,
        engine_params: "{}".into(),
    };
    let session = host
        .connector_for(URI)
        .unwrap()
        .connect(&target, CancelHandle::default())
        .await
        .unwrap();
    let mut stream = session.execute(QUERY).await.unwrap();
    let mut rows = 0;
    while let Some(batch) = stream.next().await.unwrap() {
        rows += batch.num_rows();
    }
    rows
}

/// Reads the table natively: binary rows from tokio-postgres into Arrow builders, in
/// batches of the same size the connector uses.
async fn native(client: &tokio_postgres::Client) -> usize {
    const BATCH: usize = 65_536;
    let stream = client
        .query_raw(QUERY, std::iter::empty::<i32>())
        .await
        .unwrap();
    pin_mut!(stream);
    let mut rows = 0;
    let mut builders = Builders::new(BATCH);
    while let Some(row) = stream.next().await {
        let row = row.unwrap();
        builders.id.append_option(row.get::<_, Option<i64>>(0));
        builders.qty.append_option(row.get::<_, Option<i32>>(1));
        builders.price.append_option(row.get::<_, Option<f64>>(2));
        builders.name.append_option(row.get::<_, Option<&str>>(3));
        let at = row
            .get::<_, Option<std::time::SystemTime>>(4)
            .map(|t| t.duration_since(std::time::UNIX_EPOCH).unwrap().as_micros() as i64);
        builders.at.append_option(at);
        builders.flag.append_option(row.get::<_, Option<bool>>(5));
        if builders.id.len() == BATCH {
            rows += builders.finish().num_rows();
        }
    }
    rows + builders.finish().num_rows()
}

struct Builders {
    id: Int64Builder,
    qty: Int32Builder,
    price: Float64Builder,
    name: StringBuilder,
    at: TimestampMicrosecondBuilder,
    flag: BooleanBuilder,
}

impl Builders {
    fn new(capacity: usize) -> Self {
        Self {
            id: Int64Builder::with_capacity(capacity),
            qty: Int32Builder::with_capacity(capacity),
            price: Float64Builder::with_capacity(capacity),
            name: StringBuilder::with_capacity(capacity, capacity * 12),
            at: TimestampMicrosecondBuilder::with_capacity(capacity),
            flag: BooleanBuilder::with_capacity(capacity),
        }
    }

    fn finish(&mut self) -> RecordBatch {
        let columns: Vec<(&str, ArrayRef)> = vec![
            ("id", std::sync::Arc::new(self.id.finish())),
            ("qty", std::sync::Arc::new(self.qty.finish())),
            ("price", std::sync::Arc::new(self.price.finish())),
            ("name", std::sync::Arc::new(self.name.finish())),
            ("at", std::sync::Arc::new(self.at.finish())),
            ("flag", std::sync::Arc::new(self.flag.finish())),
        ];
        RecordBatch::try_from_iter(columns).unwrap()
    }
}
