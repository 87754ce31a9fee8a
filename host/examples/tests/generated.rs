//! The generated tables: fixed content, plausible values, and Parquet files that read back
//! as the same rows.

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Float64Type, Int64Type};
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use tessera_examples::{ExampleTable, tables, write_parquet};

fn table(name: &str) -> ExampleTable {
    tables().into_iter().find(|t| t.name == name).unwrap()
}

/// SHA-256 over every value, one hash per column whatever the batch sizes, in a fixed
/// little-endian encoding.
fn digest(batches: impl IntoIterator<Item = RecordBatch>) -> String {
    let mut columns: Vec<Sha256> = Vec::new();
    for batch in batches {
        columns.resize_with(batch.num_columns(), Sha256::new);
        for (column, hash) in batch.columns().iter().zip(&mut columns) {
            match column.data_type() {
                DataType::Date32 => column
                    .as_primitive::<Date32Type>()
                    .values()
                    .iter()
                    .for_each(|v| hash.update(v.to_le_bytes())),
                DataType::Int64 => column
                    .as_primitive::<Int64Type>()
                    .values()
                    .iter()
                    .for_each(|v| hash.update(v.to_le_bytes())),
                DataType::Float64 => column
                    .as_primitive::<Float64Type>()
                    .values()
                    .iter()
                    .for_each(|v| hash.update(v.to_bits().to_le_bytes())),
                DataType::Utf8 => column.as_string::<i32>().iter().flatten().for_each(|s| {
                    hash.update((s.len() as u32).to_le_bytes());
                    hash.update(s.as_bytes());
                }),
                other => panic!("unexpected column type {other}"),
            }
        }
    }
    let mut all = Sha256::new();
    for column in columns {
        all.update(column.finalize());
    }
    format!("{:x}", all.finalize())
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tessera-examples-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn the_data_is_the_same_on_every_run_and_machine() {
    // Changing these means every installation's example data changes: bump the table's
    // `version` so existing Parquet files are rewritten.
    let expected = [
        (
            "sales",
            "024371e1e90edb17c7431e749da495c6ee164971ff093a2c697e3ddafe6aa5aa",
        ),
        (
            "birth_names",
            "0d2e8756c543d460e520de7387f6634a74e10e7c7f4982acc7b9a8f4ce0e3d88",
        ),
    ];
    for (name, hash) in expected {
        let table = table(name);
        assert_eq!(digest(table.batches()), hash, "{name}");
    }
}

#[test]
fn sales_has_a_million_plausible_orders() {
    let table = table("sales");
    let mut rows = 0;
    let mut last_date = i32::MIN;
    let mut cells: BTreeSet<(String, String)> = BTreeSet::new();
    let mut prices: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    for batch in table.batches() {
        assert!(batch.num_rows() <= tessera_examples::BATCH_ROWS);
        assert_eq!(batch.schema(), table.schema);
        rows += batch.num_rows();
        let dates = batch.column(0).as_primitive::<Date32Type>();
        let regions = batch.column(1).as_string::<i32>();
        let products = batch.column(2).as_string::<i32>();
        let quantities = batch.column(3).as_primitive::<Int64Type>();
        let price = batch.column(4).as_primitive::<Float64Type>();
        for i in 0..batch.num_rows() {
            let date = dates.value(i);
            assert!(date >= last_date, "orders are in date order");
            last_date = date;
            assert!((19358..=20088).contains(&date), "2023-01-01..=2024-12-31");
            assert!((1..=20).contains(&quantities.value(i)));
            let p = price.value(i);
            assert!(p > 0.0 && (p * 100.0).round() / 100.0 == p, "{p}");
            let product = products.value(i).to_string();
            let range = prices.entry(product.clone()).or_insert((p, p));
            *range = (range.0.min(p), range.1.max(p));
            cells.insert((regions.value(i).to_string(), product));
        }
    }
    assert_eq!(rows, 1_000_000);
    assert_eq!(rows, table.num_rows);
    assert_eq!(cells.len(), 40, "every region sells every product");
    let regions: BTreeSet<&str> = cells.iter().map(|c| c.0.as_str()).collect();
    assert_eq!(
        regions,
        BTreeSet::from(["Central", "East", "North", "South", "West"])
    );
    let products: Vec<&String> = prices.keys().collect();
    assert_eq!(
        products,
        [
            "Contraption",
            "Doohickey",
            "Gadget",
            "Gizmo",
            "Sprocket",
            "Thingamajig",
            "Whatsit",
            "Widget"
        ]
    );
    let (cheapest, dearest) = prices["Contraption"];
    assert!(cheapest > 100.0 && dearest < 250.0, "{cheapest}..{dearest}");
}

#[test]
fn birth_names_counts_names_per_year_state_and_gender() {
    let table = table("birth_names");
    let mut rows = 0;
    let mut years = BTreeSet::new();
    let mut states = BTreeSet::new();
    let mut names = BTreeSet::new();
    for batch in table.batches() {
        assert_eq!(batch.schema(), table.schema);
        rows += batch.num_rows();
        let ds = batch.column(0).as_primitive::<Date32Type>();
        let gender = batch.column(1).as_string::<i32>();
        let name = batch.column(2).as_string::<i32>();
        let num = batch.column(3).as_primitive::<Int64Type>();
        let state = batch.column(4).as_string::<i32>();
        let boys = batch.column(5).as_primitive::<Int64Type>();
        let girls = batch.column(6).as_primitive::<Int64Type>();
        for i in 0..batch.num_rows() {
            years.insert(ds.value_as_date(i).unwrap().format("%m-%d %Y").to_string());
            states.insert(state.value(i).to_string());
            names.insert(name.value(i).to_string());
            assert!(num.value(i) >= 5);
            let (mine, other) = match gender.value(i) {
                "boy" => (boys.value(i), girls.value(i)),
                "girl" => (girls.value(i), boys.value(i)),
                g => panic!("gender {g}"),
            };
            assert_eq!((mine, other), (num.value(i), 0));
        }
    }
    assert_eq!(rows, table.num_rows);
    assert!((90_000..110_000).contains(&rows));
    assert_eq!(years.len(), 44);
    assert!(years.iter().all(|y| y.starts_with("01-01 ")));
    assert_eq!(years.first().unwrap(), "01-01 1965");
    assert_eq!(years.last().unwrap(), "01-01 2008");
    assert_eq!(states.len(), 51);
    assert!(states.contains("other") && states.contains("CA"));
    assert!(names.len() > 250, "{} names", names.len());
}

#[test]
fn parquet_files_are_identical_and_read_back_as_the_same_rows() {
    let (first, second) = (temp_dir("first"), temp_dir("second"));
    let written = write_parquet(&first).unwrap();
    assert_eq!(
        written,
        [
            first.join("sales.parquet"),
            first.join("birth_names.parquet")
        ]
    );
    write_parquet(&second).unwrap();
    for (path, table) in written.iter().zip(tables()) {
        let bytes = std::fs::read(path).unwrap();
        let other = std::fs::read(second.join(path.file_name().unwrap())).unwrap();
        assert!(bytes == other, "{} differs between writes", path.display());

        let reader =
            ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(path).unwrap()).unwrap();
        let metadata = reader.metadata().clone();
        assert!(
            metadata
                .row_groups()
                .iter()
                .all(|g| g.num_rows() <= 128 * 1024)
        );
        assert_eq!(reader.schema().fields(), table.schema.fields());
        let batches: Vec<RecordBatch> = reader.build().unwrap().map(Result::unwrap).collect();
        assert_eq!(digest(batches), digest(table.batches()), "{}", table.name);
    }
    std::fs::remove_dir_all(&second).unwrap();

    // An up-to-date file is kept; a damaged one is written again.
    let sales = &written[0];
    let modified = std::fs::metadata(sales).unwrap().modified().unwrap();
    std::fs::write(&written[1], b"not parquet").unwrap();
    write_parquet(&first).unwrap();
    assert_eq!(
        std::fs::metadata(sales).unwrap().modified().unwrap(),
        modified
    );
    assert!(std::fs::read(&written[1]).unwrap().starts_with(b"PAR1"));
    let leftovers: Vec<_> = std::fs::read_dir(&first)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| !n.to_string_lossy().ends_with(".parquet"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    std::fs::remove_dir_all(&first).unwrap();
}
