#!/usr/bin/env bash
# What the proxy itself costs: the release build of `cobrowse-proxy serve`, pointed at a
# stand-in Genesys that answers at once (examples/bench_upstream.rs), loaded with wrk over
# loopback, next to the same load sent straight to the stand-in. See docs/performance.md.
#
#   bash benches/run.sh
#
# Knobs (environment): BENCH_DURATION=10 (seconds measured), BENCH_WARMUP=2,
# BENCH_CONNECTIONS=64, BENCH_THREADS=1 (wrk threads; on 2 cores a second one only takes CPU
# from the servers being measured), BENCH_READY_RUNS=7, BENCH_UPSTREAM_WORKERS=1,
# BENCH_EXTRA=1 (0 keeps only the direct and the main proxy rows), BENCH_ORGS=1 (0 drops the
# row of a proxy serving 1,000 orgs from COBROWSE_ORGS_FILE, which follows the main proxy row
# so that each run is a pair: BENCH_EXTRA=0 runs just the two; "first" runs it just before
# the main row instead, so that runs alternating 1 and first put each row first in turn),
# BENCH_PROXY (a release
# binary built elsewhere to measure instead of target/release's, for before/after runs
# that alternate without rebuilding).
#
# Targets are printed PASS/FAIL but do not set the exit status: timings depend on the
# machine and on what else runs on it. The exit status is non-zero only when something broke
# (build, start-up, the load generator).
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."

duration=${BENCH_DURATION:-10}
warmup=${BENCH_WARMUP:-2}
connections=${BENCH_CONNECTIONS:-64}
threads=${BENCH_THREADS:-1}
ready_runs=${BENCH_READY_RUNS:-7}
upstream_workers=${BENCH_UPSTREAM_WORKERS:-1}
extra=${BENCH_EXTRA:-1}
orgs=${BENCH_ORGS:-1}

conversation=5e0b6a9a-3c8e-4f57-9f0e-2c1d3b4a5f60
agent=0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6
username=bench
password=bench-password
proxy=${BENCH_PROXY:-target/release/cobrowse-proxy}
upstream=target/release/examples/bench_upstream

work=$(mktemp -d)
pids=()

die() {
    echo "benches/run.sh: $*" >&2
    exit 1
}

# Running, and not a zombie waiting to be reaped (kill -0 succeeds on those).
alive() {
    local fields
    read -r -a fields 2>/dev/null <"/proc/$1/stat" || return 1
    [ "${fields[2]}" != Z ]
}

# SIGTERM, then SIGKILL if it has not gone within 5 s; reaped and forgotten, so the exit trap
# never signals a process id the system has since given to someone else.
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

# GET over bash's /dev/tcp, so nothing beyond bash is needed; HTTP/1.0 makes the server
# close the connection after its answer. Sets `status` and `body`; false if no connection.
http_get() {
    local port=$1 path=$2 fd line
    status=
    body=
    { exec {fd}<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null || return 1
    printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$path" >&"$fd"
    if IFS= read -r -t 5 -u "$fd" line; then
        status=${line#HTTP/1.? }
        status=${status%% *}
        # The body has no final newline: read's last, false, call still fills `line`.
        while IFS= read -r -t 5 -u "$fd" line; do body+=$line; done
        body+=$line
    fi
    exec {fd}>&-
}

# The stand-in's counters, e.g. `counter token_requests`.
counter() {
    http_get "$upstream_port" /stats || die "the stand-in Genesys does not answer /stats"
    [[ $body =~ \"$1\":([0-9]+) ]] || die "unexpected /stats answer: $body"
    echo "${BASH_REMATCH[1]}"
}

# A loopback port nothing answers on (the proxy must be told its port in advance).
free_port() {
    local port fd
    for ((port = 18080; port < 18180; port++)); do
        if ! { exec {fd}<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null; then
            echo "$port"
            return
        fi
        exec {fd}>&-
    done
    die "no free port in 18080-18179"
}

# Starts the proxy with a clean environment (a stray COBROWSE_* in the caller's would be
# refused as unknown); sets proxy_pid. $1 is RUST_LOG, $2 the log file, and any further
# arguments are NAME=value settings for this run. Failures are non-2xx (error mode status) so
# wrk counts them, and the proxy's own limit on Genesys requests (300 a minute by default, for
# Genesys's sake) is off: the benchmark measures the proxy, not that limit.
start_proxy() {
    local rust_log=$1 log=$2 one_org=()
    shift 2
    # Beside an orgs file, the file holds each org's Genesys and credential (the single-org
    # variables are refused).
    if [[ " $* " != *" COBROWSE_ORGS_FILE="* ]]; then
        one_org=(
            COBROWSE_GENESYS_API_URL="http://127.0.0.1:$upstream_port"
            COBROWSE_GENESYS_LOGIN_URL="http://127.0.0.1:$upstream_port"
            COBROWSE_GENESYS_CLIENT_ID=bench-client
            COBROWSE_GENESYS_CLIENT_SECRET=bench-secret
            COBROWSE_AUTH_USERNAME="$username"
            COBROWSE_AUTH_PASSWORD="$password"
        )
    fi
    env -i PATH="$PATH" RUST_LOG="$rust_log" \
        COBROWSE_LISTEN="127.0.0.1:$proxy_port" \
        "${one_org[@]}" \
        COBROWSE_LOG_FORMAT=json \
        COBROWSE_ERROR_MODE=status \
        COBROWSE_GENESYS_REQUESTS_PER_MINUTE=0 \
        "$@" "$proxy" serve >"$log" 2>&1 &
    proxy_pid=$!
    pids+=("$proxy_pid")
}

# Polls GET /readyz (which fetches the token) until it answers 200 with every token held (no
# org's `errorCode`: readiness is 200 without a token too); sets ready_us, the time since $1
# (microseconds). Busy-polls: a sleep between tries would be coarser than the start-up being
# measured.
wait_ready() {
    local started=$1 fd reply now
    while :; do
        if { exec {fd}<>"/dev/tcp/127.0.0.1/$proxy_port"; } 2>/dev/null; then
            printf 'GET /readyz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&"$fd"
            reply=
            # HTTP/1.0: the proxy closes the connection after the reply, read whole.
            IFS= read -r -d '' -t 5 -u "$fd" reply || true
            exec {fd}>&-
            if [[ $reply == "HTTP/1."?" 200"* && $reply != *'"errorCode"'* ]]; then
                now=${EPOCHREALTIME/[.,]/}
                ready_us=$((now - started))
                return 0
            fi
        fi
        if ! alive "$proxy_pid"; then
            die "the proxy exited during start-up: $(head -c 2000 "$work/proxy.log")"
        fi
        now=${EPOCHREALTIME/[.,]/}
        if ((now - started > 10000000)); then die "the proxy was not ready after 10 s"; fi
    done
}

# wrk's own report is kept in a file; done() prints one line the script parses. Every
# request is for a conversation of its own (so no start repeats another and none is answered
# from the reuse window), unless $3 is "same": then every request is the same start.
write_lua() {
    local file=$1 request_body=$2 repeat=${3:-distinct} credential template
    credential=$(printf '%s:%s' "$username" "$password" | base64 -w0)
    template=${request_body//$conversation/%08x-0000-4000-8000-%012x}
    cat >"$file" <<EOF
wrk.method = "POST"
wrk.body = '$request_body'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Basic $credential"

local threads = 0
function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end

-- A prefix per wrk run and thread (the warm-up is another run), a counter per request.
function init(args)
  prefix = ((os.time() % 0x1000000) * 16 + (id or 0)) % 0x100000000
  counter = 0
end

if "$repeat" == "distinct" then
  local template = '$template'
  function request()
    counter = counter + 1
    return wrk.format(nil, nil, nil, string.format(template, prefix, counter))
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d status_errors=%d socket_errors=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout))
end
EOF
}

# Warm-up, then the measured run, with $3 connections. Sets rps, p50_us, p99_us, errors,
# requests.
load() {
    local url=$1 lua=$2 open=$3 report=$work/wrk.txt line
    # wrk needs at least one connection per thread.
    local wrk_threads=$((threads < open ? threads : open))
    timeout $((warmup + 30)) wrk -t"$wrk_threads" -c"$open" -d"${warmup}s" -s "$lua" "$url" \
        >/dev/null || die "wrk failed during warm-up against $url"
    timeout $((duration + 30)) wrk -t"$wrk_threads" -c"$open" -d"${duration}s" --timeout 2s \
        -s "$lua" "$url" >"$report" || die "wrk failed against $url: $(cat "$report")"
    line=$(grep '^RESULT ' "$report") || die "no RESULT line from wrk: $(cat "$report")"
    local requests_ duration_us status_errors socket_errors
    [[ $line =~ requests=([0-9]+)\ duration_us=([0-9]+)\ p50_us=([0-9]+)\ p99_us=([0-9]+)\ status_errors=([0-9]+)\ socket_errors=([0-9]+) ]] ||
        die "unexpected wrk result: $line"
    requests_=${BASH_REMATCH[1]}
    duration_us=${BASH_REMATCH[2]}
    p50_us=${BASH_REMATCH[3]}
    p99_us=${BASH_REMATCH[4]}
    status_errors=${BASH_REMATCH[5]}
    socket_errors=${BASH_REMATCH[6]}
    requests=$requests_
    errors=$((status_errors + socket_errors))
    rps=$(awk -v n="$requests_" -v us="$duration_us" 'BEGIN { printf "%.0f", n / (us / 1e6) }')
}

cpu_ticks() {
    local fields
    read -r -a fields <"/proc/$1/stat"
    echo $((fields[13] + fields[14]))
}

ms() { awk -v us="$1" 'BEGIN { printf "%.2f", us / 1000 }'; }

# One proxy scenario: start, wait ready, load with $3 connections, read its peak memory and
# CPU, stop. Further arguments are NAME=value settings for the proxy. Sets the load() figures
# plus rss_kb, tokens, cobrowse_calls, conversation_calls, cpu_us, warn_lines and call_lines
# (log lines for calls; none below RUST_LOG=info).
proxy_scenario() {
    local rust_log=$1 lua=$2 open=$3 started tokens_before cobrowse_before conversations_before ticks
    shift 3
    tokens_before=$(counter token_requests)
    cobrowse_before=$(counter cobrowse_requests)
    conversations_before=$(counter conversation_requests)
    started=${EPOCHREALTIME/[.,]/}
    start_proxy "$rust_log" "$work/proxy.log" "$@"
    wait_ready "$started"
    ticks=$(cpu_ticks "$proxy_pid")
    load "http://127.0.0.1:$proxy_port/v1/cobrowse/start" "$lua" "$open"
    cpu_us=$((($(cpu_ticks "$proxy_pid") - ticks) * 1000000 / clock_ticks))
    rss_kb=$(awk '/^VmHWM:/ { print $2 }' "/proc/$proxy_pid/status")
    tokens=$(($(counter token_requests) - tokens_before))
    cobrowse_calls=$(($(counter cobrowse_requests) - cobrowse_before))
    conversation_calls=$(($(counter conversation_requests) - conversations_before))
    stop "$proxy_pid"
    # Counted once the proxy has exited, so its log queue has been written out.
    warn_lines=$(grep -c '"level":"WARN"' "$work/proxy.log" || true)
    call_lines=$(grep -c '"message":"cobrowse call"' "$work/proxy.log" || true)
}

row() {
    printf '%-40s %9s %8s %8s %7s %9s %6s %9s\n' "$@"
}

proxy_row() {
    row "$1" "$rps" "$(ms "$p50_us")" "$(ms "$p99_us")" "$errors" \
        "$(awk -v kb="$rss_kb" 'BEGIN { printf "%.1f", kb * 1024 / 1e6 }')" "$tokens" \
        "$((requests > 0 ? cpu_us / requests : 0))"
}

verdict() {
    if [ "$1" = 1 ]; then echo PASS; else echo FAIL; fi
}

# --- the tools ---------------------------------------------------------------------------
command -v cargo >/dev/null || die "cargo is needed (the Rust toolchain)"
if ! command -v wrk >/dev/null; then
    echo "== installing wrk (Debian package)"
    [ "$(id -u)" = 0 ] || die "wrk is missing: install it (apt-get install wrk) or run as root"
    timeout 600 apt-get update -qq
    DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq wrk >/dev/null
fi

if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
    echo "== installing redis-server and redis-tools (Debian packages) for the Redis rows"
    [ "$(id -u)" = 0 ] || die "redis-server or redis-cli is missing: install them (apt-get install redis-server redis-tools) or run as root"
    timeout 600 apt-get update -qq
    DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq --no-install-recommends redis-server redis-tools >/dev/null
fi

echo "== building the release binary and the stand-in Genesys"
# The example brings the dev-dependencies along: a few minutes on a fresh machine.
timeout 3600 cargo build --release --locked --quiet --bin cobrowse-proxy --example bench_upstream --example orgs_scale

clock_ticks=$(getconf CLK_TCK)
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
proxy_port=$(free_port)
# The shared reuse store of the Redis row: nothing saved to disk, on a port of its own.
redis_port=$((proxy_port + 1))
redis-server --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no >"$work/redis.log" 2>&1 &
pids+=($!)
# The Redis Cluster row's store: three primaries with a replica each, on the six ports after
# the single Redis's, each node's cluster state in a directory of its own; no data on disk.
start_cluster() {
    local n i port nodes=()
    for ((n = 1; n <= 6; n++)); do
        port=$((redis_port + n))
        mkdir -p "$work/cluster-$n"
        redis-server --bind 127.0.0.1 --port "$port" --save "" --appendonly no \
            --cluster-enabled yes --cluster-config-file nodes.conf --dir "$work/cluster-$n" \
            >"$work/cluster-$n.log" 2>&1 &
        pids+=($!)
        nodes+=("127.0.0.1:$port")
        for ((i = 0; i < 100; i++)); do
            [ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ] && break
            sleep 0.05
        done
    done
    redis-cli --cluster create "${nodes[@]}" --cluster-replicas 1 --cluster-yes \
        >"$work/cluster-create.log" 2>&1 || die "redis-cli --cluster create failed: $(cat "$work/cluster-create.log")"
    for ((i = 0; i < 200; i++)); do
        redis-cli -p "$((redis_port + 1))" cluster info 2>/dev/null | grep -q '^cluster_state:ok' && return
        sleep 0.05
    done
    die "the Redis Cluster row's cluster did not become ok"
}

with_agent=$work/with-agent.lua
write_lua "$with_agent" "{\"conversationId\":\"$conversation\",\"agentId\":\"$agent\",\"cobrowseType\":\"view\"}"
without_agent=$work/without-agent.lua
write_lua "$without_agent" "{\"conversationId\":\"$conversation\",\"cobrowseType\":\"view\"}"
same_start=$work/same-start.lua
write_lua "$same_start" "{\"conversationId\":\"$conversation\",\"agentId\":\"$agent\",\"cobrowseType\":\"view\"}" same
# 1,000 orgs, all at the stand-in, each with its own OAuth client and inbound credential; wrk's
# credential is the 500th org's, so a call's org is found among them all.
orgs_file=$work/orgs.toml
for ((n = 1; n <= 1000; n++)); do
    if ((n == 500)); then org_user=$username org_password=$password; else org_user=bench-$n org_password=bench-password-$n; fi
    printf '[orgs.org%04d]\napi_url = "http://127.0.0.1:%s"\nlogin_url = "http://127.0.0.1:%s"\nclient_id = "bench-client-%d"\nclient_secret = "bench-secret-%d"\nauth_username = "%s"\nauth_password = "%s"\n\n' \
        "$n" "$upstream_port" "$upstream_port" "$n" "$n" "$org_user" "$org_password"
done >"$orgs_file"

echo "== machine: $cpus CPUs, $model, ${memory_gib} GiB; $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "   load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "$compilers" != 0 ]; then
    echo "   note: $compilers rustc processes are running: figures will be noisy"
fi
echo "== load: wrk, $connections connections, $threads threads, ${duration} s after ${warmup} s warm-up, over loopback"
echo "   stand-in Genesys: $upstream_workers worker(s); proxy: RUST_LOG=info (the default: a log line per call) and reuse in memory (the default) unless a row says otherwise, COBROWSE_ERROR_MODE=status, COBROWSE_GENESYS_REQUESTS_PER_MINUTE=0"
echo "   every request is for a conversation of its own (a real start each time), except in the 'identical starts' row"

# --- start to ready ----------------------------------------------------------------------
ready_list=()
for ((run = 0; run < ready_runs; run++)); do
    started=${EPOCHREALTIME/[.,]/}
    start_proxy info "$work/proxy.log"
    wait_ready "$started"
    ready_list+=("$ready_us")
    stop "$proxy_pid"
done
ready_median=$(printf '%s\n' "${ready_list[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
ready_all=$(for us in "${ready_list[@]}"; do printf '%s ' "$(ms "$us")"; done)
echo "== start to ready (spawn to the first GET /readyz holding the token): median $(ms "$ready_median") ms of $ready_runs [${ready_all% }]"

# --- load --------------------------------------------------------------------------------
echo
row scenario req/s "p50 ms" "p99 ms" errors "peak RSS" tokens "CPU us"
row "" "" "" "" "" "MB" "" "per req"

load "http://127.0.0.1:$upstream_port/api/v2/conversations/$conversation/cobrowse" "$with_agent" "$connections"
direct_rps=$rps
row "direct to the stand-in" "$rps" "$(ms "$p50_us")" "$(ms "$p99_us")" "$errors" - - -

orgs_scenario() {
    proxy_scenario info "$with_agent" "$connections" COBROWSE_ORGS_FILE="$orgs_file"
    orgs_rps=$rps orgs_cpu=$((requests > 0 ? cpu_us / requests : 0)) orgs_tokens=$tokens
    proxy_row "proxy, 1,000 orgs (COBROWSE_ORGS_FILE)"
}

if [ "$orgs" = first ]; then orgs_scenario; fi

proxy_scenario info "$with_agent" "$connections"
main_rps=$rps main_p99=$p99_us main_rss=$rss_kb main_tokens=$tokens main_errors=$errors
main_cpu=$((requests > 0 ? cpu_us / requests : 0))
main_calls=$cobrowse_calls main_requests=$requests main_warn=$warn_lines main_lines=$call_lines
proxy_row "proxy"

if [ "$orgs" = 1 ]; then orgs_scenario; fi

if [ "$extra" = 1 ]; then
    proxy_scenario info "$with_agent" "$connections" COBROWSE_REUSE_WINDOW_MS=0
    proxy_row "proxy, reuse off"
    proxy_scenario info "$with_agent" "$connections" COBROWSE_REDIS_URL="redis://127.0.0.1:$redis_port/0"
    proxy_row "proxy, reuse store in Redis"
    redis_warn=$warn_lines
    start_cluster
    proxy_scenario info "$with_agent" "$connections" \
        COBROWSE_REDIS_URL="redis://127.0.0.1:$((redis_port + 1))" COBROWSE_REDIS_CLUSTER=true
    proxy_row "proxy, reuse store in Redis Cluster"
    cluster_warn=$warn_lines
    proxy_scenario info "$same_start" "$connections"
    proxy_row "proxy, identical starts (reused)"
    reused_calls=$cobrowse_calls
    proxy_scenario warn "$with_agent" "$connections"
    proxy_row "proxy, RUST_LOG=warn (no line/call)"
    proxy_scenario info "$without_agent" "$connections"
    proxy_row "proxy, no agentId (2 upstream calls)"
    lookup_calls=$conversation_calls
    # Genesys runs at most 15 data actions at once per org: the most a real org can send.
    proxy_scenario info "$with_agent" 15
    proxy_row "proxy, 15 connections"
    # One call at a time: the latency the proxy adds when nothing queues for a CPU.
    load "http://127.0.0.1:$upstream_port/api/v2/conversations/$conversation/cobrowse" "$with_agent" 1
    row "direct, 1 connection" "$rps" "$(ms "$p50_us")" "$(ms "$p99_us")" "$errors" - - -
    serial_direct_p50=$p50_us
    proxy_scenario info "$with_agent" 1
    proxy_row "proxy, 1 connection"
    serial_proxy_p50=$p50_us
fi

ratio=$(awk -v p="$main_rps" -v d="$direct_rps" 'BEGIN { printf "%.4f", (d > 0 ? p / d : 0) }')
echo
echo "proxy/direct throughput: $(awk -v r="$ratio" 'BEGIN { printf "%.2f", r }') ($main_rps / $direct_rps req/s)"
if [ "$orgs" != 0 ]; then
    echo "1,000 orgs against one: $orgs_rps / $main_rps req/s ($(awk -v o="$orgs_rps" -v m="$main_rps" 'BEGIN { printf "%.2f", (m > 0 ? o / m : 0) }')), CPU $orgs_cpu / $main_cpu us per call; $orgs_tokens token requests (each org fetches its own at the first /readyz)"
fi
echo "main scenario: wrk completed $main_requests calls in ${duration} s; the stand-in saw $main_calls cobrowse starts and the proxy wrote $main_lines call log lines (both warm-up included)"
if [ "$extra" = 1 ]; then
    echo "stand-in saw $lookup_calls conversation reads in the no-agentId scenario"
    echo "stand-in saw $reused_calls cobrowse starts in the identical-starts scenario (one per window); the Redis row logged $redis_warn warnings, the Redis Cluster row $cluster_warn"
    echo "one call at a time, the proxy adds $(ms $((serial_proxy_p50 - serial_direct_p50))) ms at p50 to the direct call"
fi
if [ "$main_warn" != 0 ]; then
    echo "the proxy logged $main_warn warnings during the main scenario"
fi
if [ "$extra" = 1 ]; then
    # COBROWSE_ORGS_FILE at scale (docs/multi-org.md): start-up, reload, memory, org lookup.
    timeout 600 target/release/examples/orgs_scale 1000
fi

# --- targets -----------------------------------------------------------------------------
echo
echo "targets (proxy, 64 connections, RUST_LOG=info, agentId given); they do not set the exit status:"
printf '  %s  throughput >= 30%% of direct       %s%%\n' \
    "$(verdict "$(awk -v r="$ratio" 'BEGIN { print (r >= 0.30) }')")" \
    "$(awk -v r="$ratio" 'BEGIN { printf "%.1f", r * 100 }')"
printf '  %s  p99 latency < 5 ms                %s ms\n' \
    "$(verdict $((main_p99 < 5000)))" "$(ms "$main_p99")"
printf '  %s  peak RSS < 30 MB                  %s MB\n' \
    "$(verdict $((main_rss * 1024 < 30000000)))" \
    "$(awk -v kb="$main_rss" 'BEGIN { printf "%.1f", kb * 1024 / 1e6 }')"
printf '  %s  exactly one token request         %s\n' "$(verdict $((main_tokens == 1)))" "$main_tokens"
printf '  %s  start to ready < 50 ms (median)   %s ms\n' \
    "$(verdict $((ready_median < 50000)))" "$(ms "$ready_median")"
printf '  %s  no failed calls                   %s\n' "$(verdict $((main_errors == 0)))" "$main_errors"
printf '  %s  a log line for every call         %s lines, %s calls\n' \
    "$(verdict $((main_lines == main_calls)))" "$main_lines" "$main_calls"
