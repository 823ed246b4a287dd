#!/usr/bin/env bash
# What mutual TLS costs a call: the release build of `cobrowse-proxy serve` serving HTTPS
# itself, once with plain TLS (COBROWSE_TLS_CERT/KEY) and once with mutual TLS
# (COBROWSE_TLS_CLIENT_CA too), pointed at the stand-in Genesys of benches/run.sh
# (examples/bench_upstream.rs) and loaded by examples/tls_load.rs, which presents a client
# certificate when asked (wrk cannot). Each is measured on warm keep-alive connections and
# with a new connection, so a full handshake, for every call. See docs/performance.md.
#
#   bash benches/tls.sh
#
# Knobs (environment): BENCH_DURATION=10 (seconds measured per row), BENCH_WARMUP=2,
# BENCH_CONNECTIONS=15 (calls in flight; 15 is the most data actions Genesys runs at once for
# an org), BENCH_THREADS=1 (the load client's threads), BENCH_TLS_KEY=rsa (RSA 2048 for
# every key and certificate; ec for ECDSA P-256), BENCH_RESUMED=1 (two more rows: a new
# connection per call that resumes the previous TLS session), BENCH_TLS_VERSION=1.3 (what the
# client and the proxy negotiate; 1.2 has the client offer only TLS 1.2), BENCH_UPSTREAM_WORKERS=1,
# BENCH_PROXY (a release binary built elsewhere to measure instead of target/release's).
#
# The certificates are made here with the openssl command line, in a directory removed on
# exit: two throw-away CAs (one for the proxy's certificate, one standing in for Genesys's
# regional data-actions CA), the proxy's certificate for 127.0.0.1, and a client certificate
# named like us-east-1's data actions. The exit status is non-zero only when something broke
# (build, certificates, start-up, the load client, a failed call): timings depend on the
# machine and on what else runs on it.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."

duration=${BENCH_DURATION:-10}
warmup=${BENCH_WARMUP:-2}
connections=${BENCH_CONNECTIONS:-15}
threads=${BENCH_THREADS:-1}
key_type=${BENCH_TLS_KEY:-rsa}
resumed=${BENCH_RESUMED:-0}
tls_version=${BENCH_TLS_VERSION:-1.3}
upstream_workers=${BENCH_UPSTREAM_WORKERS:-1}

username=bench
password=bench-password
# The name the client certificate carries and the proxy expects (its org is given by URLs,
# so COBROWSE_TLS_CLIENT_NAME names it): us-east-1's, as in src/genesys/region.rs.
client_name=dataactions.prod.us-east-1.mypurecloud.com
proxy=${BENCH_PROXY:-target/release/cobrowse-proxy}
upstream=target/release/examples/bench_upstream
load_client=target/release/examples/tls_load

work=$(mktemp -d)
pids=()

die() {
    echo "benches/tls.sh: $*" >&2
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

# A loopback port nothing answers on (the proxy must be told its port in advance).
free_port() {
    local port fd
    for ((port = 18280; port < 18380; port++)); do
        if ! { exec {fd}<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null; then
            echo "$port"
            return
        fi
        exec {fd}>&-
    done
    die "no free port in 18280-18379"
}

# --- certificates ------------------------------------------------------------------------
case $key_type in
rsa) new_key=(-newkey rsa:2048) ;;
ec) new_key=(-newkey ec -pkeyopt ec_paramgen_curve:P-256) ;;
*) die "BENCH_TLS_KEY is rsa or ec, not '$key_type'" ;;
esac
case $tls_version in
1.3) version_flag=() ;;
1.2) version_flag=(--tls12) ;;
*) die "BENCH_TLS_VERSION is 1.3 or 1.2, not '$tls_version'" ;;
esac

# `ca NAME`: a self-signed CA, $work/NAME.pem and $work/NAME.key. The extensions are given in
# a configuration of its own, so the machine's openssl.cnf changes nothing.
ca() {
    cat >"$work/$1.cnf" <<EOF
[req]
distinguished_name = dn
x509_extensions = v3_ca
prompt = no
[dn]
CN = bench $1
[v3_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
EOF
    openssl req -x509 "${new_key[@]}" -nodes -days 2 -config "$work/$1.cnf" \
        -keyout "$work/$1.key" -out "$work/$1.pem" 2>>"$work/openssl.log" ||
        die "openssl could not make the $1 CA: $(cat "$work/openssl.log")"
}

# `leaf NAME CA EXTENSION...`: a certificate signed by CA, $work/NAME.pem and $work/NAME.key.
leaf() {
    local name=$1 issuer=$2
    shift 2
    printf '%s\n' basicConstraints=critical,CA:FALSE keyUsage=critical,digitalSignature \
        authorityKeyIdentifier=keyid "$@" >"$work/$name.ext"
    openssl req -new "${new_key[@]}" -nodes -subj "/CN=$name" \
        -keyout "$work/$name.key" -out "$work/$name.csr" 2>>"$work/openssl.log" &&
        openssl x509 -req -in "$work/$name.csr" -CA "$work/$issuer.pem" -CAkey "$work/$issuer.key" \
            -set_serial "0x$(openssl rand -hex 8)" -days 2 -extfile "$work/$name.ext" \
            -out "$work/$name.pem" 2>>"$work/openssl.log" ||
        die "openssl could not make the $name certificate: $(cat "$work/openssl.log")"
}

# --- the tools ---------------------------------------------------------------------------
command -v cargo >/dev/null || die "cargo is needed (the Rust toolchain)"
command -v openssl >/dev/null || die "the openssl command is needed to make the certificates (apt-get install openssl)"

echo "== building the release binary, the stand-in Genesys and the load client"
# The examples bring the dev-dependencies along: a few minutes on a fresh machine.
timeout 3600 cargo build --release --locked --quiet --bin cobrowse-proxy \
    --example bench_upstream --example tls_load

ca server-ca
leaf server server-ca subjectAltName=IP:127.0.0.1 extendedKeyUsage=serverAuth
ca genesys-ca
leaf data-actions genesys-ca "subjectAltName=DNS:$client_name" extendedKeyUsage=clientAuth
cat "$work/data-actions.pem" "$work/data-actions.key" >"$work/identity.pem"

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

# Starts the proxy serving HTTPS with a clean environment (a stray COBROWSE_* in the caller's
# would be refused as unknown), as benches/run.sh does; sets proxy_pid. $1 is "tls" or
# "mutual". Failures are non-2xx (error mode status), so a refused call is counted.
start_proxy() {
    local mutual=()
    if [ "$1" = mutual ]; then
        mutual=(COBROWSE_TLS_CLIENT_CA="$work/genesys-ca.pem" COBROWSE_TLS_CLIENT_NAME="$client_name")
    fi
    env -i PATH="$PATH" RUST_LOG=info \
        COBROWSE_LISTEN="127.0.0.1:$proxy_port" \
        COBROWSE_GENESYS_API_URL="http://127.0.0.1:$upstream_port" \
        COBROWSE_GENESYS_LOGIN_URL="http://127.0.0.1:$upstream_port" \
        COBROWSE_GENESYS_CLIENT_ID=bench-client \
        COBROWSE_GENESYS_CLIENT_SECRET=bench-secret \
        COBROWSE_AUTH_USERNAME="$username" \
        COBROWSE_AUTH_PASSWORD="$password" \
        COBROWSE_LOG_FORMAT=json \
        COBROWSE_ERROR_MODE=status \
        COBROWSE_GENESYS_REQUESTS_PER_MINUTE=0 \
        COBROWSE_TLS_CERT="$work/server.pem" \
        COBROWSE_TLS_KEY="$work/server.key" \
        "${mutual[@]}" "$proxy" serve >"$work/proxy.log" 2>&1 &
    proxy_pid=$!
    pids+=("$proxy_pid")
}

cpu_ticks() {
    local fields
    read -r -a fields <"/proc/$1/stat"
    echo $((fields[13] + fields[14]))
}

ms() { awk -v us="$1" 'BEGIN { printf "%.2f", us / 1000 }'; }

# `run_load SECONDS ARGS...`: the load client for SECONDS; sets the figures of its RESULT line.
run_load() {
    local seconds=$1 report=$work/load.txt line
    shift
    timeout $((seconds + 30)) "$load_client" "https://127.0.0.1:$proxy_port" \
        --ca "$work/server-ca.pem" --identity "$work/identity.pem" \
        --connections "$connections" --threads "$threads" --duration "$seconds" \
        "${version_flag[@]}" "$@" >"$report" 2>&1 || die "the load client failed: $(head -c 2000 "$report"); the proxy said: $(head -c 2000 "$work/proxy.log")"
    line=$(grep '^RESULT ' "$report") || die "no RESULT line from the load client: $(cat "$report")"
    [[ $line =~ requests=([0-9]+)\ duration_us=([0-9]+)\ p50_us=([0-9]+)\ p99_us=([0-9]+)\ status_errors=([0-9]+)\ socket_errors=([0-9]+)\ cpu_ticks=([0-9]+) ]] ||
        die "unexpected load client result: $line"
    requests=${BASH_REMATCH[1]}
    duration_us=${BASH_REMATCH[2]}
    p50_us=${BASH_REMATCH[3]}
    p99_us=${BASH_REMATCH[4]}
    errors=$((BASH_REMATCH[5] + BASH_REMATCH[6]))
    client_ticks=${BASH_REMATCH[7]}
}

# The proof that the mutual TLS rows checked certificates: the same start without one is
# refused (UNAUTHORIZED, a non-2xx in error mode status), every time.
refused_without_certificate() {
    local line
    line=$(timeout 30 "$load_client" "https://127.0.0.1:$proxy_port" --ca "$work/server-ca.pem" \
        --connections 1 --duration 1 "${version_flag[@]}" 2>&1) || die "the load client failed: $line"
    [[ $line =~ RESULT\ requests=0\ .*status_errors=[1-9] ]] ||
        die "with COBROWSE_TLS_CLIENT_CA, a start without a client certificate was not refused: $line"
}

# `scenario tls|mutual ARGS...`: a fresh proxy, a warm-up, the measured run, the proxy's CPU
# over it; sets rps, p50_us, p99_us, errors, requests, cpu_per_call, client_per_call (µs,
# one decimal), rss_mb.
scenario() {
    local mode=$1 ticks
    shift
    start_proxy "$mode"
    # The warm-up waits for /readyz (the token fetched) first.
    run_load "$warmup" "$@"
    ticks=$(cpu_ticks "$proxy_pid")
    run_load "$duration" "$@"
    ticks=$(($(cpu_ticks "$proxy_pid") - ticks))
    rss_mb=$(awk '/^VmHWM:/ { printf "%.1f", $2 * 1024 / 1e6 }' "/proc/$proxy_pid/status")
    if [ "$mode" = mutual ]; then refused_without_certificate; fi
    stop "$proxy_pid"
    ((errors == 0)) || die "$errors calls failed with $mode TLS ($*); the proxy said: $(grep -m3 '"level":"WARN"' "$work/proxy.log" || true)"
    rps=$(awk -v n="$requests" -v us="$duration_us" 'BEGIN { printf "%.0f", n / (us / 1e6) }')
    cpu_per_call=$(awk -v t="$ticks" -v hz="$clock_ticks" -v n="$requests" 'BEGIN { printf "%.1f", (n > 0 ? t * 1e6 / hz / n : 0) }')
    client_per_call=$(awk -v t="$client_ticks" -v hz="$clock_ticks" -v n="$requests" 'BEGIN { printf "%.1f", (n > 0 ? t * 1e6 / hz / n : 0) }')
}

row() {
    printf '%-42s %8s %7s %7s %9s %9s %8s\n' "$@"
}

# `pair LABEL ARGS...`: the TLS row and the mutual TLS row of one kind of load, then the
# difference per call.
pair() {
    local label=$1 tls_cpu tls_p50 tls_rps
    shift
    scenario tls "$@"
    row "$label, TLS" "$rps" "$(ms "$p50_us")" "$(ms "$p99_us")" "$cpu_per_call" "$client_per_call" "$rss_mb"
    tls_cpu=$cpu_per_call tls_p50=$p50_us tls_rps=$rps
    scenario mutual "$@"
    row "$label, mutual TLS" "$rps" "$(ms "$p50_us")" "$(ms "$p99_us")" "$cpu_per_call" "$client_per_call" "$rss_mb"
    differences+=("$(printf '  %-24s %+7.1f us of the proxy'"'"'s CPU per call (%s against %s), %+6d us at p50, calls/s %s against %s' \
        "$label:" "$(awk -v a="$cpu_per_call" -v b="$tls_cpu" 'BEGIN { print a - b }')" \
        "$cpu_per_call" "$tls_cpu" "$((p50_us - tls_p50))" "$rps" "$tls_rps")")
}

echo "== machine: $cpus CPUs, $model, ${memory_gib} GiB; $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "   load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "$compilers" != 0 ]; then
    echo "   note: $compilers rustc processes are running: figures will be noisy"
fi
echo "== load: examples/tls_load.rs, $connections connections, $threads thread(s), ${duration} s after ${warmup} s warm-up, over loopback"
echo "   TLS $tls_version; keys and certificates: $key_type ($(openssl version | cut -d' ' -f1-2)); the proxy as in benches/run.sh (RUST_LOG=info, reuse in memory, COBROWSE_ERROR_MODE=status, COBROWSE_GENESYS_REQUESTS_PER_MINUTE=0), serving HTTPS; a fresh proxy per row"
echo "   the client is configured alike in every row (it presents its certificate when asked); 'mutual TLS' adds COBROWSE_TLS_CLIENT_CA and COBROWSE_TLS_CLIENT_NAME"
echo
row scenario calls/s "p50 ms" "p99 ms" "proxy CPU" "client" "peak RSS"
row "" "" "" "" "us/call" "us/call" "MB"
differences=()
pair "keep-alive"
pair "new connection per call" --new-connections
if [ "$resumed" = 1 ]; then
    pair "new connection, resumed" --new-connections --resume
fi
echo
echo "mutual TLS against TLS, per call (the proxy's CPU is the figure to read: the client's shares the machine):"
printf '%s\n' "${differences[@]}"
