#!/usr/bin/env bash
# Two kubegate builds side by side (A/B), for checking a change to the balancer: both run as
# node-local balancers in front of one nginx HTTP backend on loopback, and wrk drives each in
# turn, alternating A B, B A, ... so that a load spike on the machine hits both alike. Per
# case it prints each build's median (range) and B's ratio to A, of the rate and of the
# proxy's CPU time per request (from /proc, which other load disturbs far less than rates).
#
# Cases: keep-alive (wrk -t1 -c50 --latency) and a new connection per request
# (wrk -t1 -c50 -H 'Connection: close'), each run --duration seconds.
# Public tools only: wrk and nginx (installed with apt-get when missing, needs root then).
# Usage: bench/balancer-ab.sh A_BINARY B_BINARY [--rounds R] [--workers N] [--duration S]
#                             [--port-base P]
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/balancer/configs.sh
source bench/balancer/configs.sh

[ $# -ge 2 ] || { sed -n '2,12p' "$0"; exit 2; }
a=$(realpath "$1")
b=$(realpath "$2")
shift 2
rounds=6
workers=1
duration=5
port_base=16200
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --workers) workers=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --port-base) port_base=$2; shift 2 ;;
    *) echo "bench/balancer-ab.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
if [ "$port_base" -lt 1024 ] || [ "$port_base" -gt 32000 ]; then
  echo "bench/balancer-ab.sh: --port-base must be between 1024 and 32000" >&2
  exit 2
fi
for tool in wrk nginx; do
  if ! command -v "$tool" >/dev/null; then
    [ "$(id -u)" -eq 0 ] || { echo "bench/balancer-ab.sh: install $tool (or run as root)" >&2; exit 1; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$tool" >/dev/null
  fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/kubegate-ab.XXXXXX")
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_port() {
  for _ in $(seq 100); do
    timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "bench/balancer-ab.sh: nothing listens on 127.0.0.1:$1" >&2
  exit 1
}

backend=$((port_base + 1))
nginx_backend_config "$work/backend.conf" "$backend"
nginx -e "$work/backend.err" -c "$work/backend.conf" >"$work/backend.log" 2>&1 &
pids+=($!)
wait_port "$backend"

declare -A pid_of port_of
for side in A B; do
  bin=$a
  [ "$side" = B ] && bin=$b
  port_of[$side]=$((port_base + 2))
  [ "$side" = B ] && port_of[$side]=$((port_base + 3))
  kubegate_config "$work/$side.yaml" "$workers" "${port_of[$side]}:$backend"
  "$bin" run --config "$work/$side.yaml" --workers "$workers" --log-format none \
    >"$work/$side.log" 2>&1 &
  pid_of[$side]=$!
  pids+=($!)
  wait_port "${port_of[$side]}"
  timeout 10 wrk -t1 -c50 -d1s "http://127.0.0.1:${port_of[$side]}/" >/dev/null 2>&1 || true
done

ticks() { awk '{ print $14 + $15 }' "/proc/${pid_of[$1]}/stat"; }
hz=$(getconf CLK_TCK)
results="$work/results.tsv"
for ((r = 1; r <= rounds; r++)); do
  order="A B"
  [ $((r % 2)) -eq 0 ] && order="B A"
  for side in $order; do
    for case in keepalive close; do
      extra=(--latency)
      [ "$case" = close ] && extra=(-H 'Connection: close')
      t0=$(ticks "$side")
      timeout $((duration + 20)) wrk -t1 -c50 -d"${duration}s" "${extra[@]}" \
        "http://127.0.0.1:${port_of[$side]}/" >"$work/wrk.out" 2>&1
      t1=$(ticks "$side")
      rate=$(awk '/^Requests\/sec:/ { print $2 }' "$work/wrk.out")
      count=$(awk '/ requests in / { print $1 }' "$work/wrk.out")
      cpu=$(awk -v a="$t0" -v b="$t1" -v n="$count" -v hz="$hz" \
        'BEGIN { printf "%.2f", (b - a) / hz * 1e6 / n }')
      printf '%s\t%s\t%s\t%s\n' "$case" "$side" "$rate" "$cpu" >>"$results"
      echo "round $r: $side $case $rate req/s, $cpu µs CPU per request" >&2
    done
  done
done

echo "# kubegate A/B: $rounds rounds of ${duration} s, $workers worker(s)"
echo
echo "- A: $a"
echo "- B: $b"
echo
echo "| case | measure | A | B | B / A |"
echo "|---|---|---:|---:|---:|"
python3 - "$results" <<'PY'
import statistics, sys
rows = [l.split("\t") for l in open(sys.argv[1]).read().splitlines()]
for case in ("keepalive", "close"):
    for i, measure in ((2, "req/s"), (3, "CPU µs per request")):
        v = {s: sorted(float(r[i]) for r in rows if r[0] == case and r[1] == s) for s in "AB"}
        m = {s: statistics.median(v[s]) for s in "AB"}
        cell = lambda s: f"{m[s]:,.2f} ({v[s][0]:,.2f}–{v[s][-1]:,.2f})"
        print(f"| {case} | {measure} | {cell('A')} | {cell('B')} | {m['B'] / m['A']:.2f} |")
PY
