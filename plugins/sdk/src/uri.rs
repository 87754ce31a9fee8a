//! Parsing of network database URIs (`scheme://user:password@host:port/database?k=v`).

use url::Url;

use crate::{Error, ErrorKind, Result};

/// The parts of a network database URI, percent-decoded.
#[derive(Debug, Clone)]
pub struct NetworkUri {
    pub scheme: String,
    pub user: String,
    pub password: Option<String>,
    pub host: String,
    pub port: u16,
    /// The path without its leading slash; empty when the URI names no database.
    pub database: String,
    pub query: Vec<(String, String)>,
}

impl NetworkUri {
    /// Parses `uri`, using `default_port` when it names none. A driver suffix in the
    /// scheme (`postgresql+psycopg2`) is dropped, as Superset URIs carry one.
    pub fn parse(uri: &str, default_port: u16) -> Result<Self> {
        let invalid = |why: &str| Error::new(ErrorKind::InvalidUri, format!("Invalid URI: {why}"));
        let url = Url::parse(uri).map_err(|e| invalid(&e.to_string()))?;
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| invalid("no host"))?;
        let decode = |s: &str| percent_decode(s).ok_or_else(|| invalid("bad percent-encoding"));
        Ok(Self {
            scheme: url
                .scheme()
                .split('+')
                .next()
                .unwrap_or_default()
                .to_owned(),
            user: decode(url.username())?,
            password: url.password().map(decode).transpose()?,
            host: host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_owned(),
            port: url.port().unwrap_or(default_port),
            database: decode(url.path().trim_start_matches('/'))?,
            query: url.query_pairs().into_owned().collect(),
        })
    }

    /// A query parameter's value.
    pub fn param(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}
