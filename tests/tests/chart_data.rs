//! Chart data over HTTP: for a matrix of query objects on PostgreSQL, MariaDB, SQLite and
//! Parquet, the rows Tessera returns equal those of the equivalent SQL run directly on
//! the source; plus the response shapes of the golden files and the errors bad input gets.

use reqwest::StatusCode;
use serde_json::{Value, json};
use tessera_blackbox::sources::{OrdersSource, SourceKind};
use tessera_blackbox::{
    Backend, Client, TestServer, assert_same_shape, both_backends, golden, golden_request,
};

/// A database and a dataset on `source`'s table, through the API.
async fn dataset_on(admin: &Client, source: &OrdersSource) -> i64 {
    let (status, body) = admin
        .post(
            "/api/v1/database/",
            json!({"database_name": format!("{:?} {}", source.kind, source.table), "sqlalchemy_uri": source.uri}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let database = body["id"].as_i64().unwrap();
    let (status, body) = admin
        .post(
            "/api/v1/dataset/",
            json!({"database": database, "schema": source.schema, "table_name": source.table}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_i64().unwrap()
}

fn context(dataset: i64, query: &Value) -> Value {
    json!({"datasource": {"id": dataset, "type": "table"}, "force": true, "queries": [query],
           "result_format": "json", "result_type": "full"})
}

/// A cell compared loosely: numbers to 6 decimals, datetimes (epoch ms) as dates.
fn normal(cell: &Value, temporal: bool) -> Value {
    match cell {
        Value::Number(n) if temporal => {
            let days = (n.as_f64().unwrap() / 86_400_000.0).floor() as i64;
            Value::String(date_of(days))
        }
        Value::Number(n) => json!((n.as_f64().unwrap() * 1e6).round() / 1e6),
        Value::Bool(b) => json!(*b as i64 as f64),
        other => other.clone(),
    }
}

fn date_of(days_since_epoch: i64) -> String {
    // Civil-from-days (Howard Hinnant), to avoid a date library in the tests.
    let z = days_since_epoch + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The rows of a chart-data answer, in `colnames` order.
fn answer_rows(entry: &Value) -> Vec<Vec<Value>> {
    let names: Vec<&str> = entry["colnames"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let temporal: Vec<bool> = entry["coltypes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t == 2)
        .collect();
    entry["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            names
                .iter()
                .zip(&temporal)
                .map(|(n, t)| normal(&row[*n], *t))
                .collect()
        })
        .collect()
}

fn normal_rows(rows: Vec<Vec<Value>>) -> Vec<Vec<Value>> {
    rows.into_iter()
        .map(|r| r.iter().map(|c| normal(c, false)).collect())
        .collect()
}

fn sorted(mut rows: Vec<Vec<Value>>) -> Vec<Vec<Value>> {
    rows.sort_by_key(|r| r.iter().map(Value::to_string).collect::<Vec<_>>().join("|"));
    rows
}

struct Case {
    name: String,
    query: Value,
    /// The equivalent SQL on each kind of source; `{t}` is the table.
    sql: Box<dyn Fn(SourceKind) -> String>,
    /// Whether row order is part of the answer.
    ordered: bool,
}

fn simple(aggregate: &str, column: &str, label: &str) -> Value {
    json!({"expressionType": "SIMPLE", "column": {"column_name": column}, "aggregate": aggregate, "label": label})
}

fn by_region(filters: Value) -> Value {
    json!({"columns": ["region"], "metrics": ["count", simple("SUM", "amount", "s")], "filters": filters,
           "orderby": [["region", true]], "row_limit": 1000})
}

const BY_REGION: &str =
    "SELECT region, COUNT(*), SUM(amount) FROM {t} WHERE {w} GROUP BY region ORDER BY region";

fn filtered(condition: &str) -> String {
    BY_REGION.replace("{w}", condition)
}

fn cases() -> Vec<Case> {
    let mut cases = vec![
        Case {
            name: "every metric kind".into(),
            query: json!({"columns": ["region"], "metrics": [
                simple("SUM", "amount", "sum"), simple("AVG", "amount", "avg"), simple("COUNT", "note", "cnt"),
                simple("COUNT_DISTINCT", "product", "distinct"), simple("MIN", "amount", "min"),
                simple("MAX", "amount", "max"),
                {"expressionType": "SQL", "sqlExpression": "SUM(amount * qty)", "label": "revenue"}, "count"],
                "orderby": [["region", true]]}),
            sql: Box::new(|_| {
                "SELECT region, SUM(amount), AVG(amount), COUNT(note), COUNT(DISTINCT product), MIN(amount), \
                      MAX(amount), SUM(amount * qty), COUNT(*) FROM {t} GROUP BY region ORDER BY region".into()
            }),
            ordered: true,
        },
        Case {
            name: "no group-by".into(),
            query: json!({"columns": [], "metrics": ["count", simple("SUM", "qty", "q")]}),
            sql: Box::new(|_| "SELECT COUNT(*), SUM(qty) FROM {t}".into()),
            ordered: true,
        },
        Case {
            name: "raw rows with ordering, limit and offset".into(),
            query: json!({"columns": ["id", "region", "amount"], "orderby": [["amount", false], ["id", true]],
                          "row_limit": 7, "row_offset": 3}),
            sql: Box::new(|_| {
                "SELECT id, region, amount FROM {t} ORDER BY amount DESC, id LIMIT 7 OFFSET 3"
                    .into()
            }),
            ordered: true,
        },
        Case {
            name: "order by a metric, limited".into(),
            query: json!({"columns": ["product", "region"], "metrics": [simple("SUM", "amount", "s")],
                          "orderby": [[simple("SUM", "amount", "s"), false]], "row_limit": 5}),
            sql: Box::new(|_| {
                "SELECT product, region, SUM(amount) AS s FROM {t} GROUP BY product, region ORDER BY s DESC LIMIT 5".into()
            }),
            ordered: true,
        },
        Case {
            name: "where and having extras".into(),
            query: json!({"columns": ["product"], "metrics": [simple("SUM", "amount", "s")],
                          "extras": {"where": "qty > 3", "having": "SUM(amount) > 1000"}, "orderby": [["product", true]]}),
            sql: Box::new(|_| {
                "SELECT product, SUM(amount) FROM {t} WHERE qty > 3 GROUP BY product HAVING SUM(amount) > 1000 ORDER BY product".into()
            }),
            ordered: true,
        },
        Case {
            name: "ad-hoc SQL column".into(),
            query: json!({"columns": [{"label": "big", "sqlExpression": "amount > 50", "expressionType": "SQL"}],
                          "metrics": ["count"], "orderby": [["count", true]]}),
            sql: Box::new(|_| {
                "SELECT amount > 50, COUNT(*) FROM {t} GROUP BY amount > 50 ORDER BY COUNT(*)"
                    .into()
            }),
            ordered: true,
        },
        Case {
            name: "cumulative sum post-processing".into(),
            query: json!({"columns": ["region"], "metrics": [simple("SUM", "amount", "s")], "orderby": [["region", true]],
                          "post_processing": [{"operation": "cum", "options": {"operator": "sum", "columns": {"s": "s"}}}]}),
            sql: Box::new(|_| {
                "SELECT region, SUM(SUM(amount)) OVER (ORDER BY region) FROM {t} GROUP BY region ORDER BY region".into()
            }),
            ordered: true,
        },
        Case {
            name: "series limit keeps the top series".into(),
            query: json!({"columns": ["product", "region"], "metrics": [simple("SUM", "amount", "s")],
                          "series_columns": ["product"], "series_limit": 2, "orderby": [["product", true], ["region", true]]}),
            sql: Box::new(|_| {
                "SELECT product, region, SUM(amount) FROM {t} WHERE product IN \
                      (SELECT product FROM (SELECT product, SUM(amount) AS total FROM {t} GROUP BY product ORDER BY total DESC LIMIT 2) AS top) \
                      GROUP BY product, region ORDER BY product, region".into()
            }),
            ordered: true,
        },
        Case {
            name: "month grain".into(),
            query: json!({"columns": [{"label": "month", "sqlExpression": "ds", "expressionType": "SQL",
                                       "columnType": "BASE_AXIS", "timeGrain": "P1M"}],
                          "metrics": ["count"], "orderby": [["month", true]]}),
            sql: Box::new(|kind| {
                let month = match kind {
                    SourceKind::Postgres => "to_char(date_trunc('month', ds), 'YYYY-MM-DD')",
                    SourceKind::MariaDb => "DATE_FORMAT(ds, '%Y-%m-01')",
                    SourceKind::Sqlite => "strftime('%Y-%m-01', ds)",
                    SourceKind::Parquet => "to_char(date_trunc('month', ds), '%Y-%m-%d')",
                };
                format!("SELECT {month} AS m, COUNT(*) FROM {{t}} GROUP BY m ORDER BY m")
            }),
            ordered: true,
        },
        Case {
            name: "week grain".into(),
            query: json!({"columns": [{"label": "week", "sqlExpression": "ds", "expressionType": "SQL",
                                       "columnType": "BASE_AXIS"}],
                          "extras": {"time_grain_sqla": "P1W"}, "metrics": ["count"], "orderby": [["week", true]]}),
            sql: Box::new(|kind| {
                // Each engine's own week, as Superset's engine specs define it.
                let week = match kind {
                    SourceKind::Postgres => "to_char(date_trunc('week', ds), 'YYYY-MM-DD')",
                    SourceKind::MariaDb => {
                        "DATE_FORMAT(DATE_SUB(ds, INTERVAL DAYOFWEEK(ds) - 1 DAY), '%Y-%m-%d')"
                    }
                    SourceKind::Sqlite => "date(ds, '-' || strftime('%w', ds) || ' days')",
                    SourceKind::Parquet => "to_char(date_trunc('week', ds), '%Y-%m-%d')",
                };
                format!("SELECT {week} AS w, COUNT(*) FROM {{t}} GROUP BY w ORDER BY w")
            }),
            ordered: true,
        },
        Case {
            name: "time range".into(),
            query: json!({"columns": ["region"], "metrics": ["count"], "orderby": [["region", true]],
                          "filters": [{"col": "ds", "op": "TEMPORAL_RANGE", "val": "2024-02-01 : 2024-03-01"}]}),
            sql: Box::new(|_| {
                "SELECT region, COUNT(*) FROM {t} WHERE ds >= '2024-02-01' AND ds < '2024-03-01' GROUP BY region ORDER BY region".into()
            }),
            ordered: true,
        },
    ];
    let operators: [(&str, Value, &str); 14] = [
        (
            "==",
            json!({"col": "region", "op": "==", "val": "North"}),
            "region = 'North'",
        ),
        (
            "!=",
            json!({"col": "region", "op": "!=", "val": "North"}),
            "region <> 'North'",
        ),
        (
            ">",
            json!({"col": "amount", "op": ">", "val": 50}),
            "amount > 50",
        ),
        (
            "<",
            json!({"col": "amount", "op": "<", "val": 50}),
            "amount < 50",
        ),
        (
            ">=",
            json!({"col": "qty", "op": ">=", "val": 4}),
            "qty >= 4",
        ),
        (
            "<=",
            json!({"col": "qty", "op": "<=", "val": 4}),
            "qty <= 4",
        ),
        (
            "IN",
            json!({"col": "product", "op": "IN", "val": ["Widget", "Gizmo"]}),
            "product IN ('Widget', 'Gizmo')",
        ),
        (
            "NOT IN",
            json!({"col": "product", "op": "NOT IN", "val": ["Widget"]}),
            "product NOT IN ('Widget')",
        ),
        (
            "LIKE",
            json!({"col": "product", "op": "LIKE", "val": "G%"}),
            "product LIKE 'G%'",
        ),
        (
            "NOT LIKE",
            json!({"col": "product", "op": "NOT LIKE", "val": "G%"}),
            "product NOT LIKE 'G%'",
        ),
        (
            "ILIKE",
            json!({"col": "note", "op": "ILIKE", "val": "%A%"}),
            "lower(note) LIKE '%a%'",
        ),
        (
            "IS NULL",
            json!({"col": "note", "op": "IS NULL"}),
            "note IS NULL",
        ),
        (
            "IS NOT NULL",
            json!({"col": "note", "op": "IS NOT NULL"}),
            "note IS NOT NULL",
        ),
        (
            "IS TRUE",
            json!({"col": "flag", "op": "IS TRUE"}),
            "flag IS TRUE",
        ),
    ];
    for (name, filter, condition) in operators {
        cases.push(Case {
            name: format!("filter {name}"),
            query: by_region(json!([filter])),
            sql: Box::new(move |_| filtered(condition)),
            ordered: true,
        });
    }
    cases.push(Case {
        name: "filter IS FALSE".into(),
        query: by_region(json!([{"col": "flag", "op": "IS FALSE"}])),
        sql: Box::new(|_| filtered("flag IS FALSE")),
        ordered: true,
    });
    cases
}

async fn matrix_matches_the_source(kind: SourceKind) {
    let server = TestServer::start(Backend::Sqlite).await;
    let admin = server.admin().await;
    let dir =
        std::env::temp_dir().join(format!("tessera-orders-{}", uuid::Uuid::new_v4().simple()));
    let source = OrdersSource::create(kind, &dir).await;
    let dataset = dataset_on(&admin, &source).await;
    for case in cases() {
        let (status, body) = admin
            .post("/api/v1/chart/data", context(dataset, &case.query))
            .await;
        assert_eq!(status, StatusCode::OK, "{kind:?} {}: {body}", case.name);
        let entry = &body["result"][0];
        let got = answer_rows(entry);
        let want = normal_rows(source.rows(&(case.sql)(kind)).await);
        let (got, want) = if case.ordered {
            (got, want)
        } else {
            (sorted(got), sorted(want))
        };
        assert_eq!(got, want, "{kind:?} {}: sent {}", case.name, entry["query"]);
    }
    source.drop().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn matrix_on_postgres() {
    matrix_matches_the_source(SourceKind::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn matrix_on_mariadb() {
    matrix_matches_the_source(SourceKind::MariaDb).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn matrix_on_sqlite() {
    matrix_matches_the_source(SourceKind::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn matrix_on_parquet() {
    matrix_matches_the_source(SourceKind::Parquet).await;
}

/// A golden request's body aimed at `dataset`.
fn golden_context(name: &str, dataset: i64) -> Value {
    let mut body = golden_request(name);
    body["datasource"]["id"] = json!(dataset);
    body
}

async fn responses_have_the_golden_shapes(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let sales = server.examples_dataset(&admin, "sales").await;

    let (status, fresh) = admin
        .post(
            "/api/v1/chart/data",
            golden_context("042_chart_data_json_force.json", sales),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{fresh}");
    let expected = golden("042_chart_data_json_force.json");
    assert_same_shape(&fresh["result"][0], &expected["result"][0], "042");
    assert_eq!(fresh["result"][0]["is_cached"], Value::Null);
    assert_eq!(fresh["result"][0]["from_dttm"], json!(1_672_531_200_000.0));
    assert_eq!(
        fresh["result"][0]["colnames"],
        json!(["region", "product", "SUM(quantity)", "revenue", "count"])
    );
    assert_eq!(fresh["result"][0]["coltypes"], json!([1, 1, 0, 0, 0]));

    // The same query again is served from the cache (golden 043).
    let mut again = golden_context("042_chart_data_json_force.json", sales);
    again["force"] = json!(false);
    admin.post("/api/v1/chart/data", again.clone()).await;
    let (status, cached) = admin.post("/api/v1/chart/data", again).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(cached["result"][0]["is_cached"], json!(true), "{cached}");
    assert!(cached["result"][0]["cached_dttm"].is_string());

    for (golden_name, result_type) in [
        ("045_chart_data_result_type_query.json", "query"),
        ("046_chart_data_result_type_samples.json", "samples"),
        ("047_chart_data_result_type_results.json", "results"),
    ] {
        let (status, body) = admin
            .post("/api/v1/chart/data", golden_context(golden_name, sales))
            .await;
        assert_eq!(status, StatusCode::OK, "{result_type}: {body}");
        assert_same_shape(
            &body["result"][0],
            &golden(golden_name)["result"][0],
            result_type,
        );
    }
    let mut columns = golden_context("042_chart_data_json_force.json", sales);
    columns["result_type"] = json!("columns");
    let (status, body) = admin.post("/api/v1/chart/data", columns).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body["result"][0]["data"][0],
        json!({"column_name": "order_date", "verbose_name": null, "dtype": 2})
    );
    server.stop().await;
}
both_backends!(responses_have_the_golden_shapes);

async fn bad_input_gets_a_clear_400(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let sales = server.examples_dataset(&admin, "sales").await;
    let with = |query: Value| context(sales, &query);
    let base = json!({"columns": ["region"], "metrics": ["count"]});
    let patched = |patch: Value| {
        let mut query = base.clone();
        for (k, v) in patch.as_object().unwrap() {
            query[k] = v.clone();
        }
        with(query)
    };
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "unknown column",
            patched(json!({"columns": ["nope"]})),
            "Error: Columns missing in dataset: ['nope']",
        ),
        (
            "unknown metric",
            patched(json!({"metrics": ["nope"]})),
            "Error: Metrics missing in dataset: ['nope']",
        ),
        (
            "bad operator",
            patched(json!({"filters": [{"col": "region", "op": "~~", "val": 1}]})),
            "Must be one of",
        ),
        (
            "unparsable where",
            patched(json!({"extras": {"where": "region = = 'x'"}})),
            "Error parsing SQL expression",
        ),
        (
            "second statement",
            patched(json!({"extras": {"where": "1 = 1; DROP TABLE sales"}})),
            "Error parsing SQL expression",
        ),
        (
            "another table",
            patched(
                json!({"metrics": [{"expressionType": "SQL", "sqlExpression": "(SELECT COUNT(*) FROM birth_names)", "label": "x"}]}),
            ),
            "",
        ),
        (
            "unknown column in SQL",
            patched(
                json!({"metrics": [{"expressionType": "SQL", "sqlExpression": "SUM(nosuchcol)", "label": "bad"}]}),
            ),
            "nosuchcol",
        ),
        (
            "invalid time range",
            patched(
                json!({"filters": [{"col": "order_date", "op": "TEMPORAL_RANGE", "val": "the day after never : soon"}]}),
            ),
            "",
        ),
        (
            "row limit over the maximum",
            patched(json!({"row_limit": 1_000_000})),
            "exceeds the maximum",
        ),
        (
            "unknown result type",
            {
                let mut c = with(base.clone());
                c["result_type"] = json!("everything");
                c
            },
            "result_type",
        ),
    ];
    for (name, body, message) in cases {
        let (status, answer) = admin.post("/api/v1/chart/data", body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name}: {answer}");
        let text = answer["message"].as_str().unwrap_or_default();
        assert!(text.contains(message), "{name}: {answer}");
    }

    let (status, body) = admin
        .send(
            admin
                .request(reqwest::Method::POST, "/api/v1/chart/data")
                .body("not json"),
        )
        .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::BAD_REQUEST,
            json!({"message": "Request is not JSON"})
        )
    );
    let (status, body) = admin
        .post(
            "/api/v1/chart/data",
            json!({"datasource": {"id": sales, "type": "table"}}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = admin
        .post(
            "/api/v1/chart/data",
            golden_request("055_error_chart_data_missing_datasource.json"),
        )
        .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::NOT_FOUND,
            golden("055_error_chart_data_missing_datasource.json")
        )
    );

    // A saved chart without a query context (golden 113).
    let chart = admin.create_chart("no context", sales, json!({})).await;
    let (status, body) = admin.get(&format!("/api/v1/chart/{chart}/data/")).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::BAD_REQUEST,
            golden("113_chart_data_after_dataset_deleted.json")
        )
    );
    server.stop().await;
}
both_backends!(bad_input_gets_a_clear_400);

async fn saved_chart_answers_its_query_context(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let sales = server.examples_dataset(&admin, "sales").await;
    let context = golden_context("042_chart_data_json_force.json", sales);
    let chart = admin
        .create_chart(
            "saved",
            sales,
            json!({"query_context": context.to_string()}),
        )
        .await;
    let (status, body) = admin.get(&format!("/api/v1/chart/{chart}/data/")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["result"][0]["status"], json!("success"));
    let (status, body) = admin.get("/api/v1/chart/999999/data/").await;
    assert_eq!(
        (status, body),
        (StatusCode::NOT_FOUND, json!({"message": "Not found"}))
    );
    server.stop().await;
}
both_backends!(saved_chart_answers_its_query_context);
