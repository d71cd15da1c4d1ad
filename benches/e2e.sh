#!/usr/bin/env bash
# End-to-end benchmark of smppd (see benches/README.md): three runs on one machine,
#   ceiling  load tool → simulator
#   durable  load tool → smppd (policy + durable store on)  → simulator
#   lean     load tool → smppd (policy off, fsync never)    → simulator
# (RUNS=capped: durable with a small frequency tracker bound, for memory across run lengths)
# and a side-by-side table with the ratios. Every knob is an environment variable:
#   MESSAGES=100000 SESSIONS=4 WINDOW=64 TEXT=ucs2 RATE=0 RUNS="ceiling durable lean"
#   SMPPD=target/release/smppd SKIP_BUILD=1 OUT=target/bench-e2e RECEIPT_WAIT=30s
# Side by side on a noisy machine: SMPPD_B=other/smppd runs every run with both builds,
# alternating (a, b, a, b …), and REPEAT=N does that N times; the table then ends with the
# median of each (build, run) and the b/a ratios of those medians.
# CPU times come from /proc/PID/stat (utime+stime), peak RSS from VmHWM in /proc/PID/status.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN_A=${SMPPD:-target/release/smppd}
BIN_B=${SMPPD_B:-}
REPEAT=${REPEAT:-1}
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
    "$BIN_A" bench --target "$1" --system-id bench --password bench \
        --sessions "$SESSIONS" --window "$WINDOW" --messages "$MESSAGES" --rate "$RATE" \
        --text "$TEXT" --receipt-wait "$RECEIPT_WAIT" --json "$OUT/$2.json" 2>"$OUT/$2.bench.log"
    tail -n 7 "$OUT/$2.bench.log"
}

# one NAME RUN: one run with $BIN, its outputs named NAME.
one() {
    local name=$1 run=$2
    echo "== $name"
    start "$OUT/$name.sim.log" "$BIN" sim --config deploy/bench/sim.toml
    sim=$STARTED
    gw=""
    if [ "$run" != ceiling ]; then
        rm -f "target/bench-e2e/$run.db"*   # the store path in deploy/bench/smppd-$run.toml
        start "$OUT/$name.smppd.log" "$BIN" run --config "deploy/bench/smppd-$run.toml"
        gw=$STARTED
    fi
    sim0=$(cpu_seconds "$sim")
    gw0=0; rss0=0
    [ -z "$gw" ] || { gw0=$(cpu_seconds "$gw"); rss0=$(rss_kib "$gw"); }
    if [ -z "$gw" ]; then bench "$SIM_ADDR" "$name"; else bench "$GW_ADDR" "$name"; fi
    sim1=$(cpu_seconds "$sim")
    gw1=0; rss=0
    [ -z "$gw" ] || { gw1=$(cpu_seconds "$gw"); rss=$(peak_rss_kib "$gw"); }
    printf '{"sim_cpu_seconds": %s, "smppd_cpu_seconds": %s, "smppd_start_rss_kib": %s, "smppd_peak_rss_kib": %s}\n' \
        "$(awk "BEGIN{print $sim1 - $sim0}")" "$(awk "BEGIN{print $gw1 - $gw0}")" "$rss0" "$rss" \
        >"$OUT/$name.usage.json"
    [ -z "$gw" ] || stop "$gw"
    stop "$sim"
}

NAMES=()
for i in $(seq 1 "$REPEAT"); do
    for run in $RUNS; do
        for build in a b; do
            if [ "$build" = a ]; then BIN=$BIN_A; else BIN=$BIN_B; [ -n "$BIN" ] || continue; fi
            name=$run
            [ -z "$BIN_B" ] || name=$name-$build
            [ "$REPEAT" = 1 ] || name=$name.$i
            one "$name" "$run"
            NAMES+=("$name")
        done
    done
done

python3 - "$OUT" "${NAMES[@]}" <<'EOF'
import json, os, statistics, sys
out, runs = sys.argv[1], sys.argv[2:]
if not any(r.startswith("ceiling") for r in runs) and os.path.exists(f"{out}/ceiling.json"):
    runs = ["ceiling"] + runs   # compare against the last ceiling run in OUT
rows = {}
for r in runs:
    rows[r] = (json.load(open(f"{out}/{r}.json")), json.load(open(f"{out}/{r}.usage.json")))
def group(name):   # "durable-b.2" -> "durable-b"
    return name.split(".")[0]
def ceiling_for(name):   # the ceiling of the same build and repetition, else the first one
    same = name.replace(name.split("-")[0].split(".")[0], "ceiling", 1)
    for c in (same, *[r for r in rows if r.startswith("ceiling")]):
        if c in rows:
            return rows[c][0]
    return None
def per_msg(cpu, s): return cpu * 1e6 / s["submitted"] if s["submitted"] else 0.0
hdr = f"{'run':12} {'submits/s':>10} {'receipts/s':>10} {'vs ceil':>7} {'resp p50':>8} {'p99':>7} {'p99.9':>7} {'rcpt p50':>8} {'p99':>7} {'errors':>6} {'missing':>7} {'smppd µs/msg':>12} {'sim µs/msg':>10} {'cpu ratio':>9} {'RSS start':>10} {'RSS peak':>9}"
print(hdr)
medians = {}
for r, (s, u) in rows.items():
    ceiling = ceiling_for(r)
    vs = s["receipts_per_second"] / ceiling["receipts_per_second"] if ceiling and ceiling["receipts_per_second"] else float("nan")
    g = per_msg(u["smppd_cpu_seconds"], s); m = per_msg(u["sim_cpu_seconds"], s)
    ratio = g / m if m and g else float("nan")
    rl, dl = s["resp_latency_ms"], s["receipt_latency_ms"]
    print(f"{r:12} {s['submits_per_second']:10.0f} {s['receipts_per_second']:10.0f} {vs:7.2f} "
          f"{rl['p50']:8.3f} {rl['p99']:7.3f} {rl['p999']:7.3f} {dl['p50']:8.1f} {dl['p99']:7.1f} "
          f"{s['resp_error']:6d} {s['missing_receipts']:7d} {g:12.1f} {m:10.1f} {ratio:9.2f} "
          f"{u.get('smppd_start_rss_kib', 0) / 1024:8.1f}MB {u['smppd_peak_rss_kib'] / 1024:7.1f}MB")
    medians.setdefault(group(r), []).append((s["receipts_per_second"], g, rl["p99"]))
if any(len(v) > 1 for v in medians.values()) or any(k.endswith("-b") for k in medians):
    print("median of each: receipts/s, smppd µs/msg, resp p99 ms (and b/a ratios)")
    med = {k: [statistics.median(x[i] for x in v) for i in range(3)] for k, v in medians.items()}
    for k, (rps, g, p99) in med.items():
        line = f"  {k:12} {rps:10.0f} {g:8.1f} {p99:8.3f}"
        a = med.get(k[:-2] + "-a") if k.endswith("-b") else None
        if a and a[0] and a[1]:
            line += f"   b/a: receipts/s {rps / a[0]:.3f}, µs/msg {g / a[1]:.3f}"
        print(line)
print("(latencies in ms; cpu ratio = smppd CPU per message / simulator CPU per message, same run)")
EOF
