# Sourced by the scripts: the toolchain's targets, the C toolchain SQLite needs for the
# plugin target, and a build directory that survives between runs on the same machine
# (a cold build of the workspace takes minutes).
rustup toolchain list | grep -q '^1\.95\.0' || rustup toolchain install 1.95.0 --profile minimal --component rustfmt,clippy
rustup target list --installed --toolchain 1.95.0 | grep -q wasm32-wasip2 || rustup target add wasm32-wasip2 --toolchain 1.95.0
# connector-sqlite compiles SQLite's C for wasm32-wasip2 with Debian's clang and wasi-libc.
if ! command -v clang-19 >/dev/null || ! command -v llvm-ar-19 >/dev/null || [ ! -d /usr/include/wasm32-wasi ] \
    || ! ls /usr/lib/llvm-19/lib/clang/19/lib/wasi/libclang_rt.builtins-wasm32.a >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q clang-19 lld-19 llvm-19 wasi-libc libclang-rt-19-dev-wasm32 >/dev/null \
        || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q clang-19 lld-19 llvm-19 wasi-libc libclang-rt-19-dev-wasm32 >/dev/null; }
fi
export CC_wasm32_wasip2="${CC_wasm32_wasip2:-clang-19}" AR_wasm32_wasip2="${AR_wasm32_wasip2:-llvm-ar-19}"
export CFLAGS_wasm32_wasip2="${CFLAGS_wasm32_wasip2:--isystem /usr/include/wasm32-wasi}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/tessera/target}"
