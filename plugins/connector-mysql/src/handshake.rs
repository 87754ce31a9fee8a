//! Connection phase: the server's greeting, our handshake response and the
//! authentication exchange (including auth switches and caching_sha2_password's
//! RSA-encrypted full authentication, which mysql_common implements in pure Rust).

use std::net::TcpStream;

use mysql_common::auth::plugins::{
    AuthProc, ChallengeResponsePlugin, Context, Error as AuthError, Response,
};
use mysql_common::constants::CapabilityFlags;
use mysql_common::io::ParseBuf;
use mysql_common::packets::{AuthPlugin, AuthSwitchRequest, HandshakePacket, HandshakeResponse};
use mysql_common::proto::MySerialize;
use tessera_plugin_sdk::{Error, ErrorKind, NetworkUri, Result};

use crate::error::{protocol, server_error};
use crate::wire::PacketStream;

/// The largest packet we accept; the server's max_allowed_packet is the real bound.
const MAX_PACKET: u32 = 1 << 30;

/// Capabilities we ask for; the server's answer decides which stay on.
fn wanted_capabilities() -> CapabilityFlags {
    CapabilityFlags::CLIENT_PROTOCOL_41
        | CapabilityFlags::CLIENT_SECURE_CONNECTION
        | CapabilityFlags::CLIENT_PLUGIN_AUTH
        | CapabilityFlags::CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA
        | CapabilityFlags::CLIENT_LONG_PASSWORD
        | CapabilityFlags::CLIENT_LONG_FLAG
        | CapabilityFlags::CLIENT_TRANSACTIONS
        | CapabilityFlags::CLIENT_MULTI_RESULTS
        | CapabilityFlags::CLIENT_DEPRECATE_EOF
}

/// Opens the TCP connection and authenticates; returns the stream and the
/// capabilities both sides agreed on.
pub fn connect(uri: &NetworkUri) -> Result<(PacketStream, CapabilityFlags)> {
    let tcp = TcpStream::connect((uri.host.as_str(), uri.port)).map_err(|e| {
        let message = format!("Can't connect to MySQL server on '{}' ({e})", uri.host);
        Error::new(Error::from(e).kind, message)
    })?;
    let mut stream = PacketStream::new(tcp)?;
    let mut buf = Vec::new();
    stream.read_packet(&mut buf)?;
    if buf.first() == Some(&0xFF) {
        // e.g. "Host is not allowed to connect"; no SQL state before protocol 4.1 is agreed.
        return Err(server_error(&buf, CapabilityFlags::empty()));
    }
    let greeting: HandshakePacket<'_> = ParseBuf(&buf)
        .parse(())
        .map_err(|_| protocol("malformed server greeting"))?;
    let server_caps = greeting.capabilities();
    let required = CapabilityFlags::CLIENT_PROTOCOL_41 | CapabilityFlags::CLIENT_SECURE_CONNECTION;
    if !server_caps.contains(required) {
        return Err(Error::new(
            ErrorKind::Unsupported,
            "MySQL servers older than 4.1 are not supported",
        ));
    }
    let capabilities = wanted_capabilities() & server_caps;

    let password = uri.password.as_deref().unwrap_or_default().as_bytes();
    let mut auth = Auth::new(password);
    // A plugin we cannot run still gets a native-password answer; the server then
    // switches us to the user's real plugin.
    let plugin = greeting
        .auth_plugin()
        .filter(|p| AuthProc::init(p).is_ok())
        .unwrap_or(AuthPlugin::MysqlNativePassword)
        .into_owned();
    let first = auth.start(&plugin, greeting.nonce())?;
    let database = (!uri.database.is_empty()).then_some(uri.database.as_bytes());
    let response = HandshakeResponse::new(
        Some(first),
        greeting.server_version_parsed().unwrap_or((5, 7, 0)),
        Some(uri.user.as_bytes()),
        database,
        Some(plugin),
        capabilities,
        None,
        MAX_PACKET,
    );
    // HandshakeResponse adds CLIENT_CONNECT_WITH_DB when a database is given.
    let capabilities = response.capabilities();
    let mut out = Vec::new();
    response.serialize(&mut out);
    stream.write_packet(&out)?;

    loop {
        stream.read_packet(&mut buf)?;
        match buf.first() {
            Some(0x00) => return Ok((stream, capabilities)),
            Some(0xFF) => return Err(server_error(&buf, capabilities)),
            Some(0xFE) => {
                let switch: AuthSwitchRequest<'_> = ParseBuf(&buf)
                    .parse(())
                    .map_err(|_| protocol("malformed auth switch request"))?;
                let data = auth.start(&switch.auth_plugin(), switch.plugin_data().to_vec())?;
                // An auth switch is always answered, even with an empty packet.
                stream.write_packet(&data)?;
            }
            Some(0x01) => {
                if let Some(data) = auth.step(&buf[1..])? {
                    stream.write_packet(&data)?;
                }
            }
            _ => return Err(protocol("unexpected packet during authentication")),
        }
    }
}

/// The authentication plugin currently running and what it needs.
struct Auth<'p> {
    password: &'p [u8],
    nonce: Vec<u8>,
    plugin: Option<AuthProc>,
}

impl<'p> Auth<'p> {
    fn new(password: &'p [u8]) -> Self {
        Self {
            password,
            nonce: Vec::new(),
            plugin: None,
        }
    }

    /// Starts `plugin` with the server's scramble; returns the first answer.
    fn start(&mut self, plugin: &AuthPlugin<'_>, nonce: Vec<u8>) -> Result<Vec<u8>> {
        let name = String::from_utf8_lossy(plugin.as_bytes()).into_owned();
        let proc = AuthProc::init(plugin).map_err(|_| unsupported_plugin(&name))?;
        self.plugin = Some(proc);
        self.nonce = nonce.clone();
        Ok(self.step(&nonce)?.unwrap_or_default())
    }

    /// Feeds the plugin one challenge; returns the packet to send, if any.
    fn step(&mut self, challenge: &[u8]) -> Result<Option<Vec<u8>>> {
        let ctx = AuthContext {
            password: self.password,
            scramble: &self.nonce,
        };
        let plugin = self
            .plugin
            .as_mut()
            .ok_or_else(|| protocol("authentication data before a plugin was chosen"))?;
        let response = plugin.run(ctx, challenge).map_err(|e| {
            let kind = match e {
                AuthError::FeatureRequired(_) => ErrorKind::Unsupported,
                _ => ErrorKind::Internal,
            };
            Error::new(kind, format!("Authentication failed: {e}"))
        })?;
        Ok(match response {
            Response::Next { packet } | Response::Last { packet } => packet,
        })
    }
}

fn unsupported_plugin(name: &str) -> Error {
    Error::new(
        ErrorKind::Unsupported,
        format!("Authentication plugin '{name}' is not supported"),
    )
}

/// What an auth plugin may ask about the session; we never use TLS or sockets.
#[derive(Clone, Copy)]
struct AuthContext<'a> {
    password: &'a [u8],
    scramble: &'a [u8],
}

impl Context for AuthContext<'_> {
    fn pass(&self) -> &[u8] {
        self.password
    }

    fn is_ipc_transport(&self) -> bool {
        false
    }

    fn is_tls_transport(&self) -> bool {
        false
    }

    fn scramble(&self) -> &[u8] {
        self.scramble
    }

    fn server_key_pem(&self) -> Option<&[u8]> {
        None
    }
}
