//! The whole result an exporter renders, decoded from the host's Arrow IPC stream.

use arrow_array::RecordBatch;
use arrow_buffer::Buffer;
use arrow_ipc::reader::StreamDecoder;
use arrow_ipc::writer::StreamWriter;
use arrow_schema::SchemaRef;

use super::RenderError;

/// A query result: its schema and every record batch, in order.
#[derive(Debug, Clone)]
pub struct Table {
    pub schema: SchemaRef,
    pub batches: Vec<RecordBatch>,
}

impl Table {
    pub fn new(schema: SchemaRef, batches: Vec<RecordBatch>) -> Self {
        Self { schema, batches }
    }

    /// Decodes a whole Arrow IPC stream (schema message, then batches).
    ///
    /// The push decoder slices the one input buffer instead of trusting the lengths
    /// written in it, so a corrupt length ends in an error rather than a huge
    /// allocation that would exhaust the plugin's memory.
    pub fn decode(arrow_stream: &[u8]) -> Result<Self, RenderError> {
        let mut decoder = StreamDecoder::new();
        let mut buffer = Buffer::from(arrow_stream);
        let mut batches = Vec::new();
        while let Some(batch) = decoder.decode(&mut buffer)? {
            batches.push(batch);
        }
        decoder.finish()?;
        let schema = decoder
            .schema()
            .ok_or_else(|| RenderError::new("Invalid Arrow data: the stream has no schema"))?;
        Ok(Self { schema, batches })
    }

    /// The Arrow IPC stream of this table, as the host sends it; for tests.
    pub fn encode(&self) -> Result<Vec<u8>, RenderError> {
        let mut writer = StreamWriter::try_new(Vec::new(), &self.schema)?;
        for batch in &self.batches {
            writer.write(batch)?;
        }
        Ok(writer.into_inner()?)
    }

    pub fn num_rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{Int32Array, StringArray};
    use arrow_schema::{DataType, Field, Schema};

    use super::*;

    fn sample() -> Table {
        let schema = Arc::new(Schema::new(vec![
            Field::new("n", DataType::Int32, true),
            Field::new("s", DataType::Utf8, true),
        ]));
        let batch = |ns: Vec<Option<i32>>, ss: Vec<Option<&str>>| {
            RecordBatch::try_new(
                schema.clone(),
                vec![
                    Arc::new(Int32Array::from(ns)),
                    Arc::new(StringArray::from(ss)),
                ],
            )
            .unwrap()
        };
        Table::new(
            schema.clone(),
            vec![
                batch(vec![Some(1), None], vec![None, Some("x")]),
                batch(vec![Some(3)], vec![Some("y")]),
            ],
        )
    }

    #[test]
    fn round_trips_schema_and_batches() {
        let table = sample();
        let decoded = Table::decode(&table.encode().unwrap()).unwrap();
        assert_eq!(decoded.schema, table.schema);
        assert_eq!(decoded.batches, table.batches);
        assert_eq!(decoded.num_rows(), 3);
    }

    #[test]
    fn schema_only_is_an_empty_table() {
        let table = Table::new(sample().schema, vec![]);
        let decoded = Table::decode(&table.encode().unwrap()).unwrap();
        assert_eq!(decoded.num_rows(), 0);
        assert_eq!(decoded.schema.fields().len(), 2);
    }

    #[test]
    fn malformed_streams_are_errors() {
        let valid = sample().encode().unwrap();
        let mut huge_length = valid.clone();
        huge_length[4..8].copy_from_slice(&0x7fff_fff0_u32.to_le_bytes());
        let cases: Vec<(&str, Vec<u8>)> = vec![
            ("empty", vec![]),
            ("text", b"this is not arrow at all".to_vec()),
            ("truncated", valid[..valid.len() / 2].to_vec()),
            ("huge length", huge_length),
            ("zeros", vec![0; 64]),
            ("ones", vec![0xff; 64]),
        ];
        for (name, bytes) in cases {
            let err = Table::decode(&bytes).unwrap_err();
            assert!(err.0.starts_with("Invalid Arrow data"), "{name}: {err}");
        }
    }
}
