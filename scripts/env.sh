# Sourced by the scripts: the toolchain's targets and a build directory that survives
# between runs on the same machine (a cold build of the workspace takes minutes).
rustup toolchain list | grep -q '^1\.95\.0' || rustup toolchain install 1.95.0 --profile minimal --component rustfmt,clippy
rustup target list --installed --toolchain 1.95.0 | grep -q wasm32-wasip2 || rustup target add wasm32-wasip2 --toolchain 1.95.0
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/tessera/target}"
