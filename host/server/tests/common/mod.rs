//! Runs the real `tessera` binary against a data directory.

use std::path::Path;
use std::process::Command;

/// Runs `tessera args...` with its data in `data_dir` and its metadata there too, or at
/// `metadata_url` when given; returns whether it succeeded and what it printed.
pub fn tessera(data_dir: &Path, metadata_url: Option<&str>, args: &[&str]) -> (bool, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tessera"));
    command
        .args(args)
        .env("TESSERA_DATA_DIR", data_dir)
        .env("TESSERA_ADMIN_PASSWORD", "admin-password");
    match metadata_url {
        Some(url) => command.env("TESSERA_METADATA_URL", url),
        None => command.env_remove("TESSERA_METADATA_URL"),
    };
    let output = command.output().expect("tessera runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}
