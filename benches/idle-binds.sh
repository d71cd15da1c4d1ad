#!/usr/bin/env bash
# Memory per idle bound session (issue 8: "10,000 concurrently bound idle sessions"):
# starts `smppd run` with deploy/bench/smppd-idle.toml, reads its RSS, binds SESSIONS
# transceivers with the load tool (`--messages 0 --hold HOLD`), reads its RSS again once
# every session is bound, and prints the difference per session.
#   SESSIONS=10000 HOLD=20s SMPPD=target/release/smppd TOOL=… SKIP_BUILD=1 OUT=target/bench-idle
set -euo pipefail
cd "$(dirname "$0")/.."

SESSIONS=${SESSIONS:-10000}
HOLD=${HOLD:-20s}
BIN=${SMPPD:-target/release/smppd}
TOOL_BIN=${TOOL:-$BIN}   # the load tool (needs --hold); may differ from the smppd measured
OUT=${OUT:-target/bench-idle}
mkdir -p "$OUT"
[ -n "${SKIP_BUILD:-}" ] || cargo build --release --bin smppd
# Each process (smppd, the tool) holds one socket per session.
want=$((SESSIONS + 1024)); hard=$(ulimit -Hn)
[ "$hard" = unlimited ] || [ "$want" -le "$hard" ] || { echo "idle-binds: needs ulimit -n $want, hard limit $hard"; exit 1; }
ulimit -n "$want"

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
sockets() { find "/proc/$1/fd" -lname 'socket:*' 2>/dev/null | wc -l; }

rm -f target/bench-e2e/idle.db*
"$BIN" run --config deploy/bench/smppd-idle.toml >"$OUT/smppd.log" 2>&1 &
GW=$!
trap 'kill -TERM $GW 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do grep -q "listening on" "$OUT/smppd.log" && break; sleep 0.1; done
sleep 1
base_sockets=$(sockets $GW)
rss0=$(rss_kib $GW)

"$TOOL_BIN" bench --target 127.0.0.1:2775 --system-id bench --password bench \
    --sessions "$SESSIONS" --messages 0 --hold "$HOLD" --connect-timeout 60s \
    --json "$OUT/idle.json" 2>"$OUT/bench.log" &
TOOL_PID=$!
# Wait until smppd holds a socket for every session, then let allocations settle.
for _ in $(seq 1 600); do
    [ $(($(sockets $GW) - base_sockets)) -ge "$SESSIONS" ] && break
    kill -0 $TOOL_PID 2>/dev/null || break
    sleep 0.1
done
bound=$(($(sockets $GW) - base_sockets))
sleep 2
rss1=$(rss_kib $GW)
wait $TOOL_PID || true
kill -TERM $GW; wait $GW 2>/dev/null || true
trap - EXIT

echo "sessions bound: $bound (of $SESSIONS)"
echo "smppd RSS: $rss0 KiB idle → $rss1 KiB with the sessions bound"
awk -v a="$rss0" -v b="$rss1" -v n="$bound" \
    'BEGIN { if (n > 0) printf "bytes per bound session: %.0f\n", (b - a) * 1024 / n }'
