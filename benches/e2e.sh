#!/usr/bin/env bash
# End-to-end benchmark of smppd (see benches/README.md): three runs on one machine,
#   ceiling  load tool → simulator
#   durable  load tool → smppd (policy + durable store on)  → simulator
#   lean     load tool → smppd (policy off, fsync never)    → simulator
# and a side-by-side table with the ratios. Every knob is an environment variable:
#   MESSAGES=100000 SESSIONS=4 WINDOW=64 TEXT=ucs2 RATE=0 RUNS="ceiling durable lean"
#   SMPPD=target/release/smppd SKIP_BUILD=1 OUT=target/bench-e2e RECEIPT_WAIT=30s
# CPU times come from /proc/PID/stat (utime+stime), peak RSS from VmHWM in /proc/PID/status.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${SMPPD:-target/release/smppd}
MESSAGES=${MESSAGES:-100000}
SESSIONS=${SESSIONS:-4}
WINDOW=${WINDOW:-64}
TEXT=${TEXT:-ucs2}
RATE=${RATE:-0}
RUNS=${RUNS:-"ceiling durable lean"}
OUT=${OUT:-target/bench-e2e}
RECEIPT_WAIT=${RECEIPT_WAIT:-30s}
SIM_ADDR=127.0.0.1:2776   # deploy/bench/sim.toml
GW_ADDR=127.0.0.1:2775    # deploy/bench/smppd-*.toml

mkdir -p "$OUT"
[ -n "${SKIP_BUILD:-}" ] || cargo build --release --bin smppd

# utime+stime in seconds; fields counted after the last ')' because comm may hold spaces.
cpu_seconds() { awk '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / 100 }' "/proc/$1/stat"; }
peak_rss_kib() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# start LOG CMD…: runs CMD in the background, waits for its "listening on" line, sets STARTED.
start() {
    local log=$1; shift
    : >"$log"   # exists before the first grep below, even if the process is slow to start
    "$@" >"$log" 2>&1 &
    STARTED=$!
    PIDS+=("$STARTED")
    for _ in $(seq 1 100); do
        grep -q "listening on" "$log" && return 0
        kill -0 "$STARTED" 2>/dev/null || { echo "e2e: $* exited:"; cat "$log"; exit 1; }
        sleep 0.1
    done
    echo "e2e: $* did not start listening"; cat "$log"; exit 1
}

stop() { kill -TERM "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

bench() { # TARGET NAME
    "$BIN" bench --target "$1" --system-id bench --password bench \
        --sessions "$SESSIONS" --window "$WINDOW" --messages "$MESSAGES" --rate "$RATE" \
        --text "$TEXT" --receipt-wait "$RECEIPT_WAIT" --json "$OUT/$2.json" 2>"$OUT/$2.bench.log"
    tail -n 7 "$OUT/$2.bench.log"
}

for run in $RUNS; do
    echo "== $run"
    start "$OUT/$run.sim.log" "$BIN" sim --config deploy/bench/sim.toml
    sim=$STARTED
    gw=""
    if [ "$run" != ceiling ]; then
        rm -f "target/bench-e2e/$run.db"*   # the store path in deploy/bench/smppd-$run.toml
        start "$OUT/$run.smppd.log" "$BIN" run --config "deploy/bench/smppd-$run.toml"
        gw=$STARTED
    fi
    sim0=$(cpu_seconds "$sim")
    gw0=0; rss0=0
    [ -z "$gw" ] || { gw0=$(cpu_seconds "$gw"); rss0=$(rss_kib "$gw"); }
    if [ -z "$gw" ]; then bench "$SIM_ADDR" "$run"; else bench "$GW_ADDR" "$run"; fi
    sim1=$(cpu_seconds "$sim")
    gw1=0; rss=0
    [ -z "$gw" ] || { gw1=$(cpu_seconds "$gw"); rss=$(peak_rss_kib "$gw"); }
    printf '{"sim_cpu_seconds": %s, "smppd_cpu_seconds": %s, "smppd_start_rss_kib": %s, "smppd_peak_rss_kib": %s}\n' \
        "$(awk "BEGIN{print $sim1 - $sim0}")" "$(awk "BEGIN{print $gw1 - $gw0}")" "$rss0" "$rss" \
        >"$OUT/$run.usage.json"
    [ -z "$gw" ] || stop "$gw"
    stop "$sim"
done

python3 - "$OUT" $RUNS <<'EOF'
import json, sys
out, runs = sys.argv[1], sys.argv[2:]
rows = {}
import os
if "ceiling" not in runs and os.path.exists(f"{out}/ceiling.json"):
    runs = ["ceiling"] + runs   # compare against the last ceiling run in OUT
for r in runs:
    s = json.load(open(f"{out}/{r}.json"))
    u = json.load(open(f"{out}/{r}.usage.json"))
    rows[r] = (s, u)
ceiling = rows.get("ceiling", (None,))[0]
def per_msg(cpu, s): return cpu * 1e6 / s["submitted"] if s["submitted"] else 0.0
hdr = f"{'run':8} {'submits/s':>10} {'receipts/s':>10} {'vs ceil':>7} {'resp p50':>8} {'p99':>7} {'p99.9':>7} {'rcpt p50':>8} {'p99':>7} {'errors':>6} {'missing':>7} {'smppd µs/msg':>12} {'sim µs/msg':>10} {'cpu ratio':>9} {'RSS start':>10} {'RSS peak':>9}"
print(hdr)
for r, (s, u) in rows.items():
    vs = s["receipts_per_second"] / ceiling["receipts_per_second"] if ceiling and ceiling["receipts_per_second"] else float("nan")
    g = per_msg(u["smppd_cpu_seconds"], s); m = per_msg(u["sim_cpu_seconds"], s)
    ratio = g / m if m and g else float("nan")
    rl, dl = s["resp_latency_ms"], s["receipt_latency_ms"]
    print(f"{r:8} {s['submits_per_second']:10.0f} {s['receipts_per_second']:10.0f} {vs:7.2f} "
          f"{rl['p50']:8.3f} {rl['p99']:7.3f} {rl['p999']:7.3f} {dl['p50']:8.1f} {dl['p99']:7.1f} "
          f"{s['resp_error']:6d} {s['missing_receipts']:7d} {g:12.1f} {m:10.1f} {ratio:9.2f} "
          f"{u.get('smppd_start_rss_kib', 0) / 1024:8.1f}MB {u['smppd_peak_rss_kib'] / 1024:7.1f}MB")
print("(latencies in ms; cpu ratio = smppd CPU per message / simulator CPU per message, same run)")
EOF
