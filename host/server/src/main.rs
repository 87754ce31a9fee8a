//! `tessera`: the server and the operator's commands beside it.

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use tessera_server::{Config, LogFormat, Server, ensure_admin, open_store};
use tracing_subscriber::EnvFilter;

// glibc's malloc serialised the request threads on its arena locks under load (a third
// of the CPU in a list benchmark); mimalloc's per-thread heaps avoid that.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "tessera",
    version,
    about = "An Apache Superset-compatible analytics API server"
)]
struct Cli {
    /// TOML configuration file (environment variables TESSERA_* override it).
    #[arg(long, global = true, env = "TESSERA_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the server (127.0.0.1:8088 unless TESSERA_LISTEN says otherwise).
    Serve,
    /// Bring the metadata schema up to date and exit.
    Upgrade,
    /// Write the example tables into the data directory and register their database,
    /// datasets, charts and dashboard (only what is missing).
    LoadExamples,
    /// Create a user.
    CreateUser {
        #[arg(long)]
        username: String,
        #[arg(long)]
        password: String,
        #[arg(long, default_value = "")]
        first_name: String,
        #[arg(long, default_value = "")]
        last_name: String,
        #[arg(long)]
        email: String,
        /// Admin, Alpha, Gamma or Public.
        #[arg(long, default_value = "Gamma")]
        role: String,
    },
    /// Set a user's password.
    ResetPassword {
        #[arg(long)]
        username: String,
        #[arg(long)]
        password: String,
    },
}

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    let config = Config::load(cli.config.as_deref())?;
    init_logging(config.log_format);
    match cli.command {
        Command::Serve => serve(config).await,
        Command::Upgrade => {
            open_store(&config).await?;
            println!("metadata schema is up to date");
            Ok(())
        }
        Command::LoadExamples => load_examples(config).await,
        Command::CreateUser {
            username,
            password,
            first_name,
            last_name,
            email,
            role,
        } => {
            let store = open_store(&config).await?;
            let hash = tessera_auth::hash_password(&password)?;
            let id = store
                .create_user(&tessera_store::NewUser {
                    username: &username,
                    first_name: &first_name,
                    last_name: &last_name,
                    email: &email,
                    password_hash: &hash,
                    roles: &[role.as_str()],
                })
                .await
                .context("creating user")?;
            println!("created user {username} (id {id})");
            Ok(())
        }
        Command::ResetPassword { username, password } => {
            let store = open_store(&config).await?;
            let hash = tessera_auth::hash_password(&password)?;
            store
                .set_password(&username, &hash)
                .await
                .with_context(|| format!("no user {username}"))?;
            println!("password of {username} changed");
            Ok(())
        }
    }
}

async fn load_examples(config: Config) -> Result<()> {
    let store = open_store(&config).await?;
    if let Some(password) = ensure_admin(&store, &config).await? {
        println!("Created user admin with password: {password}");
    }
    let loaded = tessera_server::examples::load_examples(&store, &config.data_dir).await?;
    if loaded.changes.is_empty() {
        println!("examples are up to date");
    }
    for change in &loaded.changes {
        println!("examples: {change}");
    }
    Ok(())
}

async fn serve(config: Config) -> Result<()> {
    let mut server = Server::start(&config).await?;
    println!("Tessera listening on http://{}", server.addr);
    let stop = server.stop_handle();
    tokio::spawn(async move {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down");
        if let Some(stop) = stop {
            let _ = stop.send(());
        }
    });
    server.wait().await
}

fn init_logging(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}
