#!/usr/bin/env bash
# AWS Lambda: a cold start and warm invokes of the service behind the real AWS Lambda Web
# Adapter, timed as Lambda pays them, next to a Node.js peer started the same way
# (benches/node-peer/server.js) and to each one's own cost (the same event posted straight to
# it, no adapter). A Runtime API and the stand-in Genesys of benches/run.sh stand in for AWS
# and Genesys, on loopback; examples/lambda_bench.rs runs the environments and times them.
# See docs/performance.md#aws-lambda.
#
#   bash benches/lambda.sh
#
# Knobs (environment): BENCH_LAMBDA_TRIALS=20 (environments started, one cold start each),
# BENCH_LAMBDA_WARM=50 (warm events per environment, and as many direct calls),
# BENCH_NODE=1 (0 drops the Node.js peer), BENCH_UPSTREAM_WORKERS=1, BENCH_PROXY (a release
# binary built elsewhere to measure instead of target/release's). The adapter is
# $LAMBDA_ADAPTER, else lambda-adapter on PATH or in Cargo's bin directory (as the tests find
# it), else installed there as .ci/run does: cargo install lambda_web_adapter --version
# 0.9.1 --locked (about 2 minutes).
#
# The goals are printed PASS/FAIL but do not set the exit status: timings depend on the
# machine and on what else runs on it. The exit status is non-zero only when something broke
# (build, start-up, an event not answered with success).
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."

trials=${BENCH_LAMBDA_TRIALS:-20}
warm=${BENCH_LAMBDA_WARM:-50}
node_peer=${BENCH_NODE:-1}
upstream_workers=${BENCH_UPSTREAM_WORKERS:-1}
proxy=${BENCH_PROXY:-target/release/cobrowse-proxy}
upstream=target/release/examples/bench_upstream
bench=target/release/examples/lambda_bench

work=$(mktemp -d)
pids=()

die() {
    echo "benches/lambda.sh: $*" >&2
    exit 1
}

# Running, and not a zombie waiting to be reaped (kill -0 succeeds on those).
alive() {
    local fields
    read -r -a fields 2>/dev/null <"/proc/$1/stat" || return 1
    [ "${fields[2]}" != Z ]
}

# SIGTERM, then SIGKILL if it has not gone within 5 s; reaped and forgotten.
stop() {
    local pid=$1 i kept=() other
    if alive "$pid"; then
        kill -TERM "$pid" 2>/dev/null || true
        for ((i = 0; i < 50; i++)); do
            alive "$pid" || break
            sleep 0.1
        done
        if alive "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
    fi
    wait "$pid" 2>/dev/null || true
    for other in "${pids[@]}"; do
        if [ "$other" != "$pid" ]; then kept+=("$other"); fi
    done
    pids=("${kept[@]}")
}

cleanup() {
    local pid
    for pid in "${pids[@]}"; do stop "$pid"; done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The stand-in's count of token requests, over bash's /dev/tcp (HTTP/1.0: read to the close).
tokens_served() {
    local fd reply
    exec {fd}<>"/dev/tcp/127.0.0.1/$upstream_port" || die "the stand-in Genesys does not answer"
    printf 'GET /stats HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&"$fd"
    IFS= read -r -d '' -t 5 -u "$fd" reply || true
    exec {fd}>&-
    [[ $reply =~ \"token_requests\":([0-9]+) ]] || die "unexpected /stats answer: $reply"
    echo "${BASH_REMATCH[1]}"
}

# A loopback port nothing answers on (the peer and the adapter are told it in advance).
free_port() {
    local port fd
    for ((port = 18480; port < 18580; port++)); do
        if ! { exec {fd}<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null; then
            echo "$port"
            return
        fi
        exec {fd}>&-
    done
    die "no free port in 18480-18579"
}

ms() { awk -v us="$1" 'BEGIN { printf "%.1f", us / 1000 }'; }
ms2() { awk -v us="$1" 'BEGIN { printf "%.2f", us / 1000 }'; }

# --- the tools ---------------------------------------------------------------------------
command -v cargo >/dev/null || die "cargo is needed (the Rust toolchain)"
if [ "$node_peer" = 1 ] && ! command -v node >/dev/null; then
    die "node (Node.js 18 or later) is needed for the Node.js peer; BENCH_NODE=0 measures the service alone"
fi

cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
adapter=${LAMBDA_ADAPTER:-}
if [ -z "$adapter" ]; then
    adapter=$(command -v lambda-adapter || true)
    if [ -z "$adapter" ] && [ -x "$cargo_bin/lambda-adapter" ]; then adapter=$cargo_bin/lambda-adapter; fi
fi
if [ -z "$adapter" ]; then
    echo "== installing lambda-adapter (crate lambda_web_adapter 0.9.1, about 2 minutes) into $cargo_bin, as .ci/run does"
    timeout 3600 cargo install lambda_web_adapter --version 0.9.1 --locked --quiet
    adapter=$cargo_bin/lambda-adapter
fi
[ -x "$adapter" ] || die "the AWS Lambda Web Adapter is not an executable file: $adapter (LAMBDA_ADAPTER names it)"

echo "== building the release binary, the stand-in Genesys and the Lambda environments"
# The examples bring the dev-dependencies along: a few minutes on a fresh machine.
timeout 3600 cargo build --release --locked --quiet --bin cobrowse-proxy \
    --example bench_upstream --example lambda_bench

cpus=$(nproc)
model=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)
[ -n "$model" ] || model=$(sed -n 's/^model name\t*: //p' /proc/cpuinfo | head -1)
memory_gib=$(awk '/^MemTotal:/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo)
compilers=$(pgrep -c rustc || true)

# --- the stand-in Genesys ----------------------------------------------------------------
"$upstream" 0 "$upstream_workers" >"$work/upstream.out" 2>&1 &
pids+=($!)
upstream_port=
for ((i = 0; i < 100; i++)); do
    upstream_port=$(sed -n 's/^listening 127\.0\.0\.1://p' "$work/upstream.out")
    [ -n "$upstream_port" ] && break
    sleep 0.05
done
[ -n "$upstream_port" ] || die "the stand-in Genesys did not start: $(cat "$work/upstream.out")"
port=$(free_port)
genesys="http://127.0.0.1:$upstream_port"

# `measure NAME VAR=value... -- PEER...`: the environments of one peer, which (with the
# adapter) sees only PATH and the variables named, as a function sees its configuration; sets
# the RESULT figures and tokens (fetched from the stand-in during the run).
measure() {
    local name=$1 environment=() before line
    shift
    while [ "$1" != -- ]; do
        environment+=("$1")
        shift
    done
    shift
    mkdir -p "$work/$name"
    before=$(tokens_served)
    timeout 1800 env -i PATH="$PATH" "${environment[@]}" "$bench" --adapter "$adapter" \
        --port "$port" --trials "$trials" --warm "$warm" --logs "$work/$name" -- "$@" \
        >"$work/$name.txt" 2>&1 || die "$name: $(tail -c 4000 "$work/$name.txt")"
    tokens=$(($(tokens_served) - before))
    line=$(grep '^RESULT ' "$work/$name.txt") || die "$name: no RESULT line: $(cat "$work/$name.txt")"
    [[ $line =~ cold_p50_us=([0-9]+)\ cold_p90_us=([0-9]+)\ cold_max_us=([0-9]+)\ init_p50_us=([0-9]+)\ peer_cpu_p50_us=([0-9]+)\ adapter_cpu_p50_us=([0-9]+)\ warm_p50_us=([0-9]+)\ warm_p99_us=([0-9]+)\ direct_p50_us=([0-9]+)\ direct_p99_us=([0-9]+) ]] ||
        die "$name: unexpected result: $line"
    cold_p50=${BASH_REMATCH[1]} cold_p90=${BASH_REMATCH[2]} cold_max=${BASH_REMATCH[3]}
    init_p50=${BASH_REMATCH[4]} peer_cpu=${BASH_REMATCH[5]} adapter_cpu=${BASH_REMATCH[6]}
    warm_p50=${BASH_REMATCH[7]} warm_p99=${BASH_REMATCH[8]} direct_p50=${BASH_REMATCH[9]}
}

row() {
    printf '%-24s %8s %8s %8s %8s %8s %8s %8s %9s %9s %6s\n' "$@"
}

result_row() {
    row "$1" "$(ms "$cold_p50")" "$(ms "$cold_p90")" "$(ms "$cold_max")" "$(ms "$init_p50")" \
        "$(ms "$peer_cpu")" "$(ms2 "$warm_p50")" "$(ms2 "$warm_p99")" "$(ms2 "$direct_p50")" \
        "$(awk -v w="$warm_p50" -v d="$direct_p50" 'BEGIN { printf "%+.2f", (w - d) / 1000 }')" \
        "$tokens"
}

echo "== machine: $cpus CPUs, $model, ${memory_gib} GiB; $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "   load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "$compilers" != 0 ]; then
    echo "   note: $compilers rustc processes are running: figures will be noisy"
fi
echo "== $trials Lambda environments per peer, each: the adapter ($adapter) and the peer spawned"
echo "   together, one cold event, then $warm warm events each followed by one direct call;"
echo "   every event a start for a conversation of its own, with agentId; Genesys on loopback"
echo
row "peer" "cold p50" "cold p90" "cold max" "init p50" "CPU" "warm p50" "warm p99" "direct p50" "warm -" "tokens"
row "" "ms" "ms" "ms" "ms" "ms" "ms" "ms" "ms" "direct ms" ""

# The service as docs/lambda.md runs it for Genesys's AWS Lambda data actions integration:
# direct invokes only (no inbound credential), logging as deployed.
measure service RUST_LOG=info \
    COBROWSE_LAMBDA=true \
    COBROWSE_LISTEN="127.0.0.1:$port" \
    COBROWSE_GENESYS_API_URL="$genesys" \
    COBROWSE_GENESYS_LOGIN_URL="$genesys" \
    COBROWSE_GENESYS_CLIENT_ID=bench-client \
    COBROWSE_GENESYS_CLIENT_SECRET=bench-secret \
    COBROWSE_LOG_FORMAT=json \
    -- "$proxy" serve
result_row "cobrowse-proxy"
service_cold_p90=$cold_p90 service_extra=$((warm_p50 - direct_p50)) service_tokens=$tokens
adapter_cpus=("$(ms "$adapter_cpu")")

node_version=
if [ "$node_peer" = 1 ]; then
    node_version=$(node --version)
    measure node \
        GENESYS_API_URL="$genesys" \
        GENESYS_LOGIN_URL="$genesys" \
        GENESYS_CLIENT_ID=bench-client \
        GENESYS_CLIENT_SECRET=bench-secret \
        -- node "$PWD/benches/node-peer/server.js"
    result_row "Node.js $node_version peer"
    adapter_cpus+=("$(ms "$adapter_cpu")")
fi
echo
echo "   cold: from spawning the adapter and the peer to the first event's answer (what the"
echo "   invoke that started the environment waits, Genesys's token included); init: to the"
echo "   adapter's first GET /next (the peer's /healthz answered; the adapter asks every 10 ms);"
echo "   CPU: what the peer's threads had used by the first answer (p50; the adapter's:"
echo "   ${adapter_cpus[*]} ms), which Lambda's share of a vCPU per memory size stretches;"
echo "   warm: an event handed out to its answer; direct: the same event posted to the peer"
echo "   itself on a kept connection; tokens: fetched from the stand-in ($trials environments)"
echo "   load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
if ((service_cold_p90 < 100000)); then verdict=PASS; else verdict=FAIL; fi
echo "$verdict  cold start under 100 ms (p90 of $trials): $(ms "$service_cold_p90") ms"
if ((service_extra < 1000)); then verdict=PASS; else verdict=FAIL; fi
echo "$verdict  a warm invoke within 1 ms of the service's own cost (p50): +$(ms2 "$service_extra") ms"
if ((service_tokens == trials)); then verdict=PASS; else verdict=FAIL; fi
echo "$verdict  one token per environment: $service_tokens for $trials"
