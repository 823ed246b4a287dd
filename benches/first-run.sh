#!/usr/bin/env bash
# What a newcomer waits for: the README's two commands, timed from a fresh clone of this
# repository whose crates are already downloaded (`cargo fetch`), with an empty target/.
#   bash benches/first-run.sh            # clones the committed HEAD into a temporary folder
# Prints how long `cargo run -- sandbox` took to serve (its first 200 from /healthz), how long
# `cargo test --locked` took after it, both again after a one-line change to src/, and the
# total. The temporary clone is removed at the end.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
port=${FIRST_RUN_PORT:-18080}
dir=$(mktemp -d /tmp/first-run.XXXXXX)
trap 'rm -rf "$dir"' EXIT
git clone -q "$repo" "$dir/clone"
cd "$dir/clone"
cargo fetch --locked -q

now() { date +%s.%N; }
seconds() { printf '%.0f' "$(echo "$2 - $1" | bc)"; }

# Starts the sandbox, waits for it to serve, stops it; prints the seconds it took.
sandbox() {
  local start pid
  start=$(now)
  cargo run -q -- sandbox --listen "127.0.0.1:$port" >"$dir/sandbox.log" 2>&1 &
  pid=$!
  until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || { cat "$dir/sandbox.log" >&2; echo "the sandbox stopped" >&2; exit 1; }
    sleep 0.2
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true
  seconds "$start" "$(now)"
}

# Runs the test suite; prints the seconds it took, or fails with its output.
tests() {
  local start
  start=$(now)
  cargo test --locked -q >"$dir/test.log" 2>&1 || { tail -40 "$dir/test.log" >&2; exit 1; }
  seconds "$start" "$(now)"
}

echo "== $(nproc) cores; $(cargo --version)"
first=$(now)
s1=$(sandbox); t1=$(tests)
total=$(seconds "$first" "$(now)")
echo "first run:        cargo run -- sandbox served after ${s1} s; cargo test --locked took ${t1} s; both ${total} s"
echo "// touched by benches/first-run.sh" >> src/lib.rs
s2=$(sandbox); t2=$(tests)
echo "after a change:   cargo run -- sandbox served after ${s2} s; cargo test --locked took ${t2} s"
grep -E '^test result' "$dir/test.log" | awk '{p+=$4; f+=$6} END {print "tests: " p " passed, " f " failed"}'
