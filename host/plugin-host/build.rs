//! Builds the first-party plugins in `plugins/` for wasm32-wasip2 and embeds them.
//!
//! `plugins/` is a cargo workspace of its own, built here by a nested cargo into a
//! target directory beside this build's, so it is compiled once per machine and only
//! rebuilt when `plugins/` or `wit/` change.

use std::env;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

const WASM_TARGET: &str = "wasm32-wasip2";

fn main() {
    let root = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap()).join("../..");
    let plugins = root.join("plugins");
    for watched in [
        "plugins/Cargo.toml",
        "plugins/Cargo.lock",
        "plugins/sdk",
        "wit",
    ] {
        println!("cargo:rerun-if-changed={}", root.join(watched).display());
    }
    let members = plugin_crates(&plugins);
    for member in &members {
        println!("cargo:rerun-if-changed={}", plugins.join(member).display());
    }
    println!("cargo:rerun-if-env-changed=TESSERA_PLUGINS_TARGET_DIR");

    let out_dir = PathBuf::from(env::var("OUT_DIR").unwrap());
    let target_dir = env::var_os("TESSERA_PLUGINS_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| cargo_target_dir(&out_dir).join("wasm-plugins"));

    let mut cargo = Command::new(env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cargo
        .args(["build", "--release", "--workspace", "--target", WASM_TARGET])
        .arg("--manifest-path")
        .arg(plugins.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&target_dir);
    // What the outer build sets for itself must not leak into the guest build (clippy's
    // wrapper, host rustflags, the outer target directory).
    for var in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTC_WRAPPER",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
    ] {
        cargo.env_remove(var);
    }
    // SQLite is C: Debian's clang-19 with wasi-libc compiles it for the component target.
    for (var, value) in [
        ("CC_wasm32_wasip2", "clang-19"),
        ("AR_wasm32_wasip2", "llvm-ar-19"),
        ("CFLAGS_wasm32_wasip2", "-isystem /usr/include/wasm32-wasi"),
    ] {
        if env::var_os(var).is_none() {
            cargo.env(var, value);
        }
    }
    let status = cargo.status().expect("running cargo for the plugins");
    assert!(
        status.success(),
        "building plugins/ for {WASM_TARGET} failed"
    );

    let built = target_dir.join(WASM_TARGET).join("release");
    let mut code = String::new();
    writeln!(
        code,
        "pub const BUILT_PLUGINS_DIR: &str = {:?};",
        built.display().to_string()
    )
    .unwrap();
    code.push_str("pub const PLUGINS: &[(&str, &[u8])] = &[\n");
    for member in members
        .iter()
        .filter(|m| m.starts_with("connector-") || m.starts_with("exporter-"))
    {
        let wasm = built.join(format!("{}.wasm", member.replace('-', "_")));
        let embedded = out_dir.join(format!("{member}.wasm"));
        std::fs::copy(&wasm, &embedded)
            .unwrap_or_else(|e| panic!("copying {}: {e}", wasm.display()));
        writeln!(
            code,
            "    ({member:?}, include_bytes!({:?})),",
            embedded.display().to_string()
        )
        .unwrap();
    }
    code.push_str("];\n");
    std::fs::write(out_dir.join("first_party.rs"), code).unwrap();
}

/// The crate directories of the plugins workspace (`plugins/<name>/Cargo.toml`).
fn plugin_crates(plugins: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(plugins)
        .expect("reading plugins/")
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            path.join("Cargo.toml")
                .exists()
                .then(|| path.file_name()?.to_str().map(str::to_owned))?
        })
        .collect();
    names.sort();
    names
}

/// The target directory of the outer build: OUT_DIR is `<target>/<profile>/build/<pkg>/out`.
fn cargo_target_dir(out_dir: &Path) -> PathBuf {
    out_dir
        .ancestors()
        .nth(4)
        .expect("OUT_DIR inside a target directory")
        .to_path_buf()
}
