use serde_json::{Value, json};

use crate::common::{batch, days, fail, floats, ints, run, strings};
use tessera_post_processing::{PostProcessingStep, apply};

fn input() -> arrow_array::RecordBatch {
    batch(vec![
        (
            "t",
            days(&["2024-01-02", "2024-01-01", "2024-01-02", "2024-01-05"]),
        ),
        ("k", strings(&[Some("a"), None, Some("b"), Some("a,b")])),
        ("v", floats(&[Some(1.5), None, Some(-2.0), Some(0.0)])),
        ("n", ints(&[Some(1), Some(2), None, Some(4)])),
    ])
}

#[test]
fn unknown_or_missing_operations() {
    assert_eq!(
        fail(input(), json!([{"operation": "prophet"}])),
        "Unsupported post processing operation: prophet"
    );
    assert_eq!(
        fail(input(), json!([{"options": {}}])),
        "`operation` property of post processing object undefined"
    );
    assert!(
        fail(input(), json!([{"operation": "sort", "options": [1, 2]}]))
            .starts_with("Invalid options for sort:")
    );
}

#[test]
fn no_steps_return_the_input() {
    let out = run(input(), json!([]));
    assert_eq!(
        out.schema()
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .collect::<Vec<_>>(),
        ["t", "k", "v", "n"]
    );
    assert_eq!(out.columns(), input().columns());
}

/// xorshift: the same sequence on every run.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }

    /// An option value of a plausible shape, naming existing columns or not.
    fn value(&mut self) -> Value {
        const NAMES: [&str; 6] = ["t", "k", "v", "n", "zz", "v, a"];
        const WORDS: [&str; 12] = [
            "sum", "mean", "max", "std", "count", "median", "prod", "W", "1D", "MS", "ffill",
            "linear",
        ];
        match self.next() % 13 {
            11 => json!([]),
            12 => json!({}),
            0 => json!(null),
            1 => json!(self.next().is_multiple_of(2)),
            2 => json!((self.next() % 9) as i64 - 4),
            3 => json!(self.pick(&WORDS)),
            4 => json!(self.pick(&NAMES)),
            5 => json!([self.pick(&NAMES), self.pick(&NAMES)]),
            6 => json!({*self.pick(&NAMES): self.pick(&NAMES)}),
            7 => json!({*self.pick(&NAMES): {"operator": self.pick(&WORDS)}}),
            8 => json!([(self.next() % 3) as i64 - 1]),
            9 => json!(1e308),
            _ => json!("row"),
        }
    }
}

/// Random chains of operations, each with a random subset of its own options
/// holding random values, never panic.
#[test]
fn arbitrary_steps_never_panic() {
    const OPERATIONS: [(&str, &[&str]); 12] = [
        (
            "pivot",
            &[
                "index",
                "columns",
                "aggregates",
                "metric_fill_value",
                "column_fill_value",
                "drop_missing_columns",
                "combine_value_with_metric",
            ],
        ),
        ("rename", &["columns", "level", "inplace"]),
        ("flatten", &["reset_index", "drop_levels"]),
        ("sort", &["by", "ascending", "is_sort_index"]),
        ("aggregate", &["groupby", "aggregates"]),
        (
            "rolling",
            &[
                "rolling_type",
                "columns",
                "window",
                "min_periods",
                "center",
                "rolling_type_options",
            ],
        ),
        ("cum", &["operator", "columns"]),
        (
            "resample",
            &[
                "rule",
                "method",
                "fill_value",
                "time_range_start",
                "time_range_end",
            ],
        ),
        (
            "contribution",
            &["orientation", "columns", "time_shifts", "rename_columns"],
        ),
        ("diff", &["columns", "periods", "axis"]),
        ("select", &["columns", "exclude", "rename"]),
        ("boxplot", &["groupby"]),
    ];
    let mut random = Random(0x2545_F491_4F6C_DD1D);
    let mut succeeded = 0;
    for _ in 0..5_000 {
        let count = 1 + random.next() % 3;
        let steps: Vec<PostProcessingStep> = (0..count)
            .map(|_| {
                let (operation, keys) = *random.pick(&OPERATIONS);
                let mut options = serde_json::Map::new();
                for key in keys {
                    if random.next().is_multiple_of(2) {
                        options.insert(key.to_string(), random.value());
                    }
                }
                PostProcessingStep {
                    operation: operation.to_string(),
                    options: Value::Object(options),
                }
            })
            .collect();
        succeeded += usize::from(apply(input(), &steps).is_ok());
    }
    assert!(succeeded > 100, "only {succeeded} chains ran through");
}
