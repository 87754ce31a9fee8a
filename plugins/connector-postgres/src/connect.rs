//! Opening a session: TCP connect, startup message and authentication (trust,
//! cleartext, MD5 and SCRAM-SHA-256). No TLS: `sslmode` is ignored and the session
//! is plaintext, as the sandbox offers no TLS stack.

use std::net::TcpStream;

use fallible_iterator::FallibleIterator;
use postgres_protocol::authentication::{md5_hash, sasl};
use postgres_protocol::message::backend::Message;
use postgres_protocol::message::frontend;
use tessera_plugin_sdk::{Error, ErrorKind, NetworkUri, Result};

use crate::error::{io_error, server_error, unexpected};
use crate::session::Session;
use crate::wire::Wire;

/// Connects and authenticates. A read-only session also defaults every transaction
/// to read-only, so the database itself refuses changes.
pub fn connect(uri: &NetworkUri, read_only: bool) -> Result<Session> {
    let stream = TcpStream::connect((uri.host.as_str(), uri.port)).map_err(|err| {
        let err = Error::from(err);
        let message = format!(
            "Could not connect to {}:{}: {}",
            uri.host, uri.port, err.message
        );
        Error::new(err.kind, message)
    })?;
    // Best effort: messages are written whole, so Nagle only adds latency.
    let _ = stream.set_nodelay(true);
    let mut session = Session::new(Wire::new(stream), read_only);

    let database = if uri.database.is_empty() {
        &uri.user
    } else {
        &uri.database
    };
    let mut params = vec![
        ("user", uri.user.as_str()),
        ("database", database.as_str()),
        ("application_name", "tessera"),
        ("client_encoding", "UTF8"),
        ("DateStyle", "ISO"),
    ];
    if let Some(options) = uri.param("options") {
        params.push(("options", options));
    }
    if read_only {
        params.push(("default_transaction_read_only", "on"));
    }
    frontend::startup_message(params, &mut session.wire.out).map_err(io_error)?;
    session.send(1)?;
    authenticate(&mut session, uri)?;
    // Parameter statuses and the cancel key are of no use; wait for ReadyForQuery.
    while session.pending_ready > 0 {
        if let Message::ErrorResponse(body) = session.recv()? {
            return Err(server_error(&body));
        }
    }
    Ok(session)
}

fn authenticate(session: &mut Session, uri: &NetworkUri) -> Result<()> {
    let password = || {
        uri.password.as_deref().ok_or_else(|| {
            Error::new(
                ErrorKind::AccessDenied,
                format!(
                    "The server asks for a password for user \"{}\" but the URI has none",
                    uri.user
                ),
            )
        })
    };
    let mut scram: Option<sasl::ScramSha256> = None;
    loop {
        let message = session.recv()?;
        let out = &mut session.wire.out;
        match message {
            Message::AuthenticationOk => return Ok(()),
            Message::AuthenticationCleartextPassword => {
                frontend::password_message(password()?.as_bytes(), out).map_err(io_error)?;
            }
            Message::AuthenticationMd5Password(body) => {
                let hash = md5_hash(uri.user.as_bytes(), password()?.as_bytes(), body.salt());
                frontend::password_message(hash.as_bytes(), out).map_err(io_error)?;
            }
            Message::AuthenticationSasl(body) => {
                let mut mechanisms = body.mechanisms();
                let mut offered = false;
                while let Some(mechanism) = mechanisms.next().map_err(io_error)? {
                    offered |= mechanism == sasl::SCRAM_SHA_256;
                }
                if !offered {
                    return Err(Error::new(
                        ErrorKind::Unsupported,
                        "The server offers no SASL mechanism but SCRAM-SHA-256 with channel binding, which needs TLS",
                    ));
                }
                // Channel binding needs TLS, which the sandbox does not offer.
                let state = sasl::ScramSha256::new(
                    password()?.as_bytes(),
                    sasl::ChannelBinding::unsupported(),
                );
                frontend::sasl_initial_response(sasl::SCRAM_SHA_256, state.message(), out)
                    .map_err(io_error)?;
                scram = Some(state);
            }
            Message::AuthenticationSaslContinue(body) => {
                let state = scram.as_mut().ok_or_else(|| unexpected("SASL message"))?;
                state.update(body.data()).map_err(scram_error)?;
                frontend::sasl_response(state.message(), out).map_err(io_error)?;
            }
            Message::AuthenticationSaslFinal(body) => {
                let state = scram.as_mut().ok_or_else(|| unexpected("SASL message"))?;
                state.finish(body.data()).map_err(scram_error)?;
                continue;
            }
            Message::ErrorResponse(body) => return Err(server_error(&body)),
            Message::AuthenticationKerberosV5
            | Message::AuthenticationScmCredential
            | Message::AuthenticationGss
            | Message::AuthenticationSspi => {
                return Err(Error::new(
                    ErrorKind::Unsupported,
                    "The server asks for an authentication method the connector does not support (Kerberos, GSSAPI or SSPI)",
                ));
            }
            _ => return Err(unexpected("message during authentication")),
        }
        session.wire.send().map_err(io_error)?;
    }
}

fn scram_error(err: std::io::Error) -> Error {
    Error::new(
        ErrorKind::AccessDenied,
        format!("SCRAM authentication failed: {err}"),
    )
}
