//! DataFusion alone on the benchmark's group-by over a Parquet file: the engine's floor
//! under the HTTP figures, and the number set beside DuckDB's on the same file.
//! `cargo bench -p tessera-engine --bench parquet_group_by -- <file.parquet> [runs]`

use std::time::Instant;

use datafusion::prelude::{ParquetReadOptions, SessionContext};

const GROUP_BY: &str = "SELECT region, product, SUM(quantity), SUM(quantity * price) AS revenue, COUNT(*) \
                        FROM sales GROUP BY region, product ORDER BY revenue DESC LIMIT 100";

#[tokio::main]
async fn main() -> datafusion::error::Result<()> {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let path = args
        .first()
        .expect("usage: parquet_group_by <sales.parquet> [runs]");
    let runs: usize = args.get(1).and_then(|r| r.parse().ok()).unwrap_or(20);
    let ctx = SessionContext::new();
    ctx.register_parquet("sales", path, ParquetReadOptions::default())
        .await?;
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        let rows: usize = ctx
            .sql(GROUP_BY)
            .await?
            .collect()
            .await?
            .iter()
            .map(|b| b.num_rows())
            .sum();
        times.push(start.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(
            rows, 40,
            "the examples' sales table has 5 regions x 8 products"
        );
    }
    times.sort_by(f64::total_cmp);
    println!(
        "DataFusion group-by over {path}: p50 {:.1} ms, min {:.1} ms ({runs} runs)",
        times[runs / 2],
        times[0]
    );
    Ok(())
}
