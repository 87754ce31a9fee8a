//! The result cache: in-process by default, Redis when configured so several
//! processes share it. Entries expire after the timeout their chart, dataset or
//! database asks for.

use std::io::Cursor;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::ipc::reader::StreamReader;
use datafusion::arrow::ipc::writer::StreamWriter;
use datafusion::arrow::record_batch::RecordBatch;
use moka::Expiry;
use redis::AsyncCommands;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{EngineError, Result};

/// A finished query, as served and as cached.
#[derive(Debug, Clone)]
pub struct QueryResult {
    pub schema: SchemaRef,
    pub batches: Vec<RecordBatch>,
    pub meta: ResultMeta,
}

/// Everything about a result besides its rows.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ResultMeta {
    /// The SQL actually sent to the database.
    pub sql: String,
    /// Rows the database returned, before post-processing.
    pub sql_rowcount: usize,
    pub from_dttm: Option<f64>,
    pub to_dttm: Option<f64>,
    pub applied_filters: Vec<Value>,
    pub label_map: Map<String, Value>,
    /// When the rows were queried.
    pub queried_at: DateTime<Utc>,
}

impl QueryResult {
    pub fn row_count(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }

    fn weight(&self) -> u32 {
        let bytes: usize = self
            .batches
            .iter()
            .map(RecordBatch::get_array_memory_size)
            .sum();
        u32::try_from(bytes + self.meta.sql.len() + 512).unwrap_or(u32::MAX)
    }

    /// `[u32 meta length][meta JSON][Arrow IPC stream]`.
    fn encode(&self) -> Result<Vec<u8>> {
        let meta = serde_json::to_vec(&self.meta).map_err(|e| EngineError::Cache(e.to_string()))?;
        let mut out = Vec::with_capacity(meta.len() + 4);
        out.extend_from_slice(&(meta.len() as u32).to_le_bytes());
        out.extend_from_slice(&meta);
        let mut writer = StreamWriter::try_new(&mut out, &self.schema).map_err(cache_error)?;
        for batch in &self.batches {
            writer.write(batch).map_err(cache_error)?;
        }
        writer.finish().map_err(cache_error)?;
        drop(writer);
        Ok(out)
    }

    fn decode(bytes: &[u8]) -> Result<Self> {
        let corrupt = || EngineError::Cache("corrupt cache entry".into());
        let len = u32::from_le_bytes(
            bytes
                .get(..4)
                .ok_or_else(corrupt)?
                .try_into()
                .map_err(|_| corrupt())?,
        ) as usize;
        let meta = bytes.get(4..4 + len).ok_or_else(corrupt)?;
        let meta: ResultMeta =
            serde_json::from_slice(meta).map_err(|e| EngineError::Cache(e.to_string()))?;
        let reader =
            StreamReader::try_new(Cursor::new(&bytes[4 + len..]), None).map_err(cache_error)?;
        let schema = reader.schema();
        let batches = reader.collect::<Result<Vec<_>, _>>().map_err(cache_error)?;
        Ok(Self {
            schema,
            batches,
            meta,
        })
    }
}

fn cache_error(e: impl std::fmt::Display) -> EngineError {
    EngineError::Cache(e.to_string())
}

/// A cached result and how long it may live.
#[derive(Clone)]
struct Entry {
    result: Arc<QueryResult>,
    ttl: Duration,
}

struct PerEntryTtl;

impl Expiry<String, Entry> for PerEntryTtl {
    fn expire_after_create(
        &self,
        _key: &String,
        entry: &Entry,
        _created: Instant,
    ) -> Option<Duration> {
        Some(entry.ttl)
    }
}

pub struct ResultCache(Backend);

enum Backend {
    Memory(moka::future::Cache<String, Entry>),
    Redis(redis::aio::ConnectionManager),
}

impl ResultCache {
    /// An in-process cache holding up to `max_bytes` of results.
    pub fn memory(max_bytes: u64) -> Self {
        ResultCache(Backend::Memory(
            moka::future::Cache::builder()
                .max_capacity(max_bytes)
                .weigher(|_, entry: &Entry| entry.result.weight())
                .expire_after(PerEntryTtl)
                .build(),
        ))
    }

    /// A cache in the Redis at `url`, shared by every process that uses it.
    pub async fn redis(url: &str) -> Result<Self> {
        let client = redis::Client::open(url).map_err(cache_error)?;
        let manager = redis::aio::ConnectionManager::new(client)
            .await
            .map_err(cache_error)?;
        Ok(ResultCache(Backend::Redis(manager)))
    }

    pub async fn get(&self, key: &str) -> Result<Option<Arc<QueryResult>>> {
        match &self.0 {
            Backend::Memory(cache) => Ok(cache.get(key).await.map(|e| e.result)),
            Backend::Redis(manager) => {
                let mut conn = manager.clone();
                let bytes: Option<Vec<u8>> = conn.get(redis_key(key)).await.map_err(cache_error)?;
                bytes
                    .map(|b| QueryResult::decode(&b).map(Arc::new))
                    .transpose()
            }
        }
    }

    pub async fn put(&self, key: &str, result: Arc<QueryResult>, ttl: Duration) -> Result<()> {
        if ttl.is_zero() {
            return Ok(());
        }
        match &self.0 {
            Backend::Memory(cache) => {
                cache.insert(key.to_owned(), Entry { result, ttl }).await;
                Ok(())
            }
            Backend::Redis(manager) => {
                let bytes = result.encode()?;
                let mut conn = manager.clone();
                conn.set_ex::<_, _, ()>(redis_key(key), bytes, ttl.as_secs().max(1))
                    .await
                    .map_err(cache_error)
            }
        }
    }
}

fn redis_key(key: &str) -> String {
    format!("tessera:result:{key}")
}
