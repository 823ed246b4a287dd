#!/usr/bin/env bash
# The zip form's code (template.yaml's CodeUri): the release binary as bootstrap, in
# target/lambda/cobrowse-proxy/, and zipped beside it as target/lambda/cobrowse-proxy.zip
# (for `aws lambda update-function-code --zip-file`). Run from anywhere; needs cargo and
# objdump (binutils), and zip for the .zip.
#
# The binary is the ordinary x86_64 glibc build, the one deploy/Dockerfile ships, rather than
# a static musl build: no second toolchain (the musl target and musl-gcc for ring's C code),
# and the same allocator and code that were measured. provided.al2023 has glibc 2.34, so the
# build is refused when it asks for a newer glibc symbol (a newer build host can bring one):
# then build on an older host, or set TARGET=x86_64-unknown-linux-musl (static; needs
# `rustup target add x86_64-unknown-linux-musl` and musl-tools).
set -euo pipefail
cd "$(dirname "$0")/../.."

# Amazon Linux 2023's glibc, provided.al2023's.
runtime_glibc=2.34
target=${TARGET:-}
out=target/lambda/cobrowse-proxy

if [ -n "$target" ]; then
  cargo build --release --locked --bin cobrowse-proxy --target "$target"
  binary=target/$target/release/cobrowse-proxy
else
  cargo build --release --locked --bin cobrowse-proxy
  binary=target/release/cobrowse-proxy
fi

newest=$(objdump -T "$binary" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/^GLIBC_//' | sort -uV | tail -n 1 || true)
if [ -n "$newest" ] && [ "$(printf '%s\n%s\n' "$newest" "$runtime_glibc" | sort -V | tail -n 1)" != "$runtime_glibc" ]; then
  echo "build-zip.sh: $binary needs glibc $newest, newer than provided.al2023's $runtime_glibc: build on an older host, or with TARGET=x86_64-unknown-linux-musl" >&2
  exit 1
fi

mkdir -p "$out"
cp "$binary" "$out/bootstrap"
chmod 755 "$out/bootstrap"
if command -v zip >/dev/null 2>&1; then
  rm -f target/lambda/cobrowse-proxy.zip
  (cd "$out" && zip -q ../cobrowse-proxy.zip bootstrap)
fi
echo "build-zip.sh: $out/bootstrap (glibc ${newest:-none} needed, provided.al2023 has $runtime_glibc)"
