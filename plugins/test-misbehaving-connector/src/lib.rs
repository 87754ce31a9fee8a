//! A connector that misbehaves on purpose. The sandbox tests load it from the plugin
//! directory and check that the host contains each misdeed to one failed request.
//!
//! URIs look like `misbehave://127.0.0.1:<port>/<misdeed>`; `test()` commits the
//! misdeed named by the path and reports what the sandbox let it do.

use std::net::{TcpListener, TcpStream, ToSocketAddrs, UdpSocket};

use tessera_plugin_sdk::{
    ConnectOptions, Connection, Connector, Description, Error, ErrorKind, NetworkUri, Pushdown,
    RecordBatchSource, Result, SqlDialect, TableColumns, TableInfo, Transport,
};

struct Misbehaving;

struct Session {
    uri: NetworkUri,
}

impl Connector for Misbehaving {
    type Connection = Session;

    fn describe() -> Description {
        Description {
            name: "test-misbehaving-connector".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            engine: "misbehave".into(),
            engine_name: "Misbehaving".into(),
            driver: "misbehave".into(),
            schemes: vec!["misbehave".into()],
            default_port: Some(1),
            transport: Transport::Tcp,
            parameter_schema: "{}".into(),
            uri_placeholder: "misbehave://127.0.0.1:1/<misdeed>".into(),
            dialect: SqlDialect::Generic,
            pushdown: Pushdown::empty(),
        }
    }
}

fn refused(err: std::io::Error) -> Error {
    Error::new(
        ErrorKind::ConnectionRefused,
        format!("sandbox refused: {err}"),
    )
}

impl Connection for Session {
    fn open(options: ConnectOptions) -> Result<Self> {
        Ok(Self {
            uri: NetworkUri::parse(&options.uri, 1)?,
        })
    }

    fn test(&self) -> Result<()> {
        let allowed = (self.uri.host.as_str(), self.uri.port);
        match self.uri.database.as_str() {
            "loop" => {
                let mut n: u64 = 0;
                loop {
                    n = std::hint::black_box(n.wrapping_add(1));
                }
            }
            "alloc" => {
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    hoard.push(vec![1; 16 << 20]);
                    std::hint::black_box(&hoard);
                }
            }
            "trap" => panic!("this plugin traps on purpose"),
            // The configured address is allowed...
            "connect-allowed" => TcpStream::connect(allowed).map(drop).map_err(refused),
            // ...but no other port (Redis listens on 6379 on the test machines) or host is.
            "connect-other-port" => TcpStream::connect((self.uri.host.as_str(), 6379))
                .map(drop)
                .map_err(refused),
            "connect-other-host" => TcpStream::connect(("127.0.0.2", self.uri.port))
                .map(drop)
                .map_err(refused),
            "listen" => TcpListener::bind("0.0.0.0:0").map(drop).map_err(refused),
            "udp" => UdpSocket::bind("0.0.0.0:0").map(drop).map_err(refused),
            "dns" => "localhost:5432"
                .to_socket_addrs()
                .map(drop)
                .map_err(refused),
            "files" => std::fs::read_dir("/").map(drop).map_err(refused),
            other => Err(Error::new(
                ErrorKind::Unsupported,
                format!("unknown misdeed {other}"),
            )),
        }
    }

    fn list_schemas(&self) -> Result<Vec<String>> {
        Ok(Vec::new())
    }

    fn list_tables(&self, _schema: &str) -> Result<Vec<TableInfo>> {
        Ok(Vec::new())
    }

    fn table_schema(&self, _schema: Option<&str>, table: &str) -> Result<TableColumns> {
        Err(Error::new(ErrorKind::NotFound, format!("no table {table}")))
    }

    fn execute(&self, _sql: &str) -> Result<Box<dyn RecordBatchSource>> {
        Err(Error::new(
            ErrorKind::Unsupported,
            "this connector runs no SQL",
        ))
    }
}

tessera_plugin_sdk::export_connector!(Misbehaving);
