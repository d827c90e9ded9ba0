#!/usr/bin/env bash
# TCP balancer benchmark: kubegate, haproxy 2.6 and nginx 1.22 (stream) side by side on
# loopback, each case measured round after round with the tools in a rotating order (A B C,
# B C A, ...) so that a load spike on the machine hits every tool alike. Prints a markdown
# table per case: median over the rounds, range, and kubegate's ratio to each of the others.
#
# Cases, for each worker count (default: 1, then one per core):
#   throughput       iperf3 through each proxy, 1 and 4 streams; iperf3 direct as reference
#   new connections  wrk -t1 -c50 -H 'Connection: close' against an nginx HTTP backend
#   keep-alive       wrk -t1 -c50 --latency: requests/s and p99
#   memory           resident memory of each proxy holding 9,000 idle proxied connections
#
# Public tools only: installs iperf3, wrk, haproxy, nginx (+ its stream module) and python3
# with apt-get when missing (needs root then), builds `cargo build --release`.
# Usage: bench/balancer.sh [--rounds R] [--workers "1 2"] [--cases LIST] [--duration S]
#                          [--idle N] [--port-base P] [--keep-results FILE]
#   --cases: comma-separated from throughput,connections,keepalive,memory (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."
args="$*"
here=bench/balancer
# shellcheck source=bench/balancer/configs.sh
source "$here/configs.sh"

rounds=3
workers_list="1 $(nproc)"
cases=throughput,connections,keepalive,memory
duration=5
idle_conns=9000
port_base=15200
keep_results=""
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --workers) workers_list=$2; shift 2 ;;
    --cases) cases=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --idle) idle_conns=$2; shift 2 ;;
    --port-base) port_base=$2; shift 2 ;;
    --keep-results) keep_results=$2; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "bench/balancer.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
# Ports: base+1..base+32 for the load cases; base+1000+i (idle backends) and base+3000+i
# (proxy listeners) for the i-th memory measurement.
memory_runs=$((3 * rounds * $(wc -w <<<"$workers_list")))
if [ "$port_base" -lt 1024 ] || [ "$memory_runs" -ge 2000 ] ||
  [ "$((port_base + 3000 + memory_runs))" -ge 32768 ]; then
  echo "bench/balancer.sh: --port-base must leave its ports between 1024 and 32767" >&2
  exit 2
fi

# ---- tools --------------------------------------------------------------------------------

packages=(iperf3 wrk haproxy nginx libnginx-mod-stream python3 procps iproute2)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "bench/balancer.sh: missing ${missing[*]}; run as root to install them" >&2
    exit 1
  fi
  echo "installing: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  timeout 300 apt-get update -qq
  timeout 600 apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

cargo build --release --quiet
kubegate="$(realpath "${CARGO_TARGET_DIR:-target}/release/kubegate")"

# Every process here may hold as many descriptors as the system lets it.
ulimit -n "$(ulimit -Hn)"

# ---- processes and clean-up ---------------------------------------------------------------

work=$(mktemp -d "${TMPDIR:-/tmp}/kubegate-balancer-bench.XXXXXX")
results="$work/results.tsv"
declare -A pid_of=()

# Stop one process started by `start` (TERM, then KILL after 5 s).
stop() {
  local name=$1 pid
  pid=${pid_of[$name]:-}
  [ -n "$pid" ] || return 0
  unset "pid_of[$name]"
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local name
  for name in "${!pid_of[@]}"; do stop "$name"; done
  if [ -n "$keep_results" ] && [ -f "$results" ]; then cp "$results" "$keep_results"; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Start a long-running process in the background: start NAME COMMAND...
start() {
  local name=$1
  shift
  "$@" >"$work/$name.log" 2>&1 &
  pid_of[$name]=$!
}

# Wait until 127.0.0.1:PORT accepts a connection (at most 10 s).
wait_port() {
  local port=$1
  for _ in $(seq 100); do
    if timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "bench/balancer.sh: nothing listens on 127.0.0.1:$port after 10 s" >&2
  tail -n 20 "$work"/*.log >&2 || true
  exit 1
}

ports_free() {
  local p
  for p in "$@"; do
    if [ -n "$(ss -Htln "sport = :$p")" ]; then
      echo "bench/balancer.sh: port $p is in use; choose another --port-base" >&2
      exit 1
    fi
  done
}

record() { printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$results"; }

rotate() { # rotate K WORDS...: the words starting at index K mod count
  local k=$1
  shift
  local n=$# i
  local a=("$@")
  for ((i = 0; i < n; i++)); do echo "${a[$(((k + i) % n))]}"; done
}

# ---- the proxies --------------------------------------------------------------------------

# start_proxy TOOL WORKERS LISTEN:BACKEND...
start_proxy() {
  local tool=$1 workers=$2
  shift 2
  case "$tool" in
    kubegate)
      kubegate_config "$work/kubegate.yaml" "$workers" "$@"
      "$kubegate" check --config "$work/kubegate.yaml" >"$work/kubegate-check.log" 2>&1 || {
        cat "$work/kubegate-check.log" >&2
        exit 1
      }
      start kubegate "$kubegate" run --config "$work/kubegate.yaml" --workers "$workers" \
        --log-format none
      ;;
    haproxy)
      haproxy_config "$work/haproxy.cfg" "$workers" "$@"
      start haproxy haproxy -db -f "$work/haproxy.cfg"
      ;;
    nginx)
      nginx_stream_config "$work/nginx-stream.conf" "$workers" "$@"
      start nginx nginx -e "$work/nginx-stream.err" -c "$work/nginx-stream.conf"
      ;;
  esac
  local pair
  for pair in "$@"; do wait_port "${pair%%:*}"; done
}

# PIDs of TOOL's processes: which hold the connections (`workers`) or all of them (`all`).
proxy_pids() {
  local tool=$1 which=$2 pid=${pid_of[$1]}
  if [ "$tool" = nginx ]; then
    [ "$which" = all ] && echo "$pid"
    pgrep -P "$pid"
  else
    echo "$pid"
  fi
}

# CPU time (user + system, in clock ticks) used so far by all of TOOL's processes; 0 for
# `direct`. Sampled around each run, it gives the proxy's CPU cost per unit of work, which
# other load on the machine disturbs far less than the rates.
cpu_ticks() {
  local tool=$1 total=0 pid t
  [ "$tool" = direct ] && { echo 0; return; }
  for pid in $(proxy_pids "$tool" all); do
    t=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
    total=$((total + t))
  done
  echo "$total"
}
clk_tck=$(getconf CLK_TCK)

# per_unit TICKS_BEFORE TICKS_AFTER UNITS SCALE: CPU microseconds per unit times SCALE.
per_unit() {
  awk -v a="$1" -v b="$2" -v n="$3" -v s="$4" -v hz="$clk_tck" \
    'BEGIN { if (n > 0) printf "%.2f", (b - a) / hz * 1e6 / n * s; else print "nan" }'
}

# Sum of a /proc field in kB over PIDs, in MiB: mem_sum FILE FIELD PID...
mem_sum() {
  local file=$1 field=$2
  shift 2
  local total=0 pid kb
  for pid in "$@"; do
    kb=$(awk -v f="$field:" '$1 == f { print $2 }' "/proc/$pid/$file")
    total=$((total + kb))
  done
  awk -v kb="$total" 'BEGIN { printf "%.2f", kb / 1024 }'
}

# ---- measurements -------------------------------------------------------------------------

# iperf3 PORT STREAMS: received Gbit/s.
iperf() {
  local out="$work/iperf.json"
  if ! timeout $((duration + 20)) iperf3 -c 127.0.0.1 -p "$1" -t "$duration" -P "$2" -J \
    >"$out" 2>&1; then
    echo "iperf3 through port $1 failed: $(head -c 300 "$out")" >&2
    return 1
  fi
  python3 -c 'import json,sys; r = json.load(open(sys.argv[1]))["end"]["sum_received"]; print("%.2f %d" % (r["bits_per_second"] / 1e9, r["bytes"]))' "$out"
}

# wrk PORT ARGS...: leaves wrk's output in $work/wrk.out.
wrk_run() {
  local port=$1
  shift
  timeout $((duration + 20)) wrk -t1 -c50 -d"${duration}s" "$@" "http://127.0.0.1:$port/" \
    >"$work/wrk.out" 2>&1
}
wrk_rate() { awk '/^Requests\/sec:/ { print $2 }' "$work/wrk.out"; }
wrk_count() { awk '/ requests in / { print $1 }' "$work/wrk.out"; }
wrk_p99() { # in ms
  awk '$1 == "99%" {
    v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
    f = (u == "us") ? 0.001 : (u == "s") ? 1000 : 1
    printf "%.3f", v * f }' "$work/wrk.out"
}
wrk_errors() {
  awk '/Socket errors/ { gsub(",", ""); e += $4 + $6 + $8 + $10 }
       /Non-2xx/ { e += $NF } END { print e + 0 }' "$work/wrk.out"
}

port_of() { # port_of TOOL SERVICE -> the proxy's (or the backend's, for direct) port
  local base
  case "$1" in
    direct) base=0 ;; kubegate) base=10 ;; haproxy) base=20 ;; nginx) base=30 ;;
  esac
  case "$2" in
    iperf) echo $((port_base + base + 1)) ;;
    http) echo $((port_base + base + 2)) ;;
  esac
}

has_case() { [[ ",$cases," == *",$1,"* ]]; }

# Throughput, new connections, keep-alive: all three proxies run side by side (idle when not
# measured), in front of one iperf3 server and one nginx HTTP backend.
load_cases() {
  local w=$1 tool r p s t0 t1
  local tools=(direct kubegate haproxy nginx)
  for tool in kubegate haproxy nginx; do
    start_proxy "$tool" "$w" \
      "$(port_of "$tool" iperf):$(port_of direct iperf)" \
      "$(port_of "$tool" http):$(port_of direct http)"
  done
  # Warm-up: one short run through each (first connections, lazy allocations).
  for tool in "${tools[@]}"; do
    timeout 10 wrk -t1 -c50 -d1s "http://127.0.0.1:$(port_of "$tool" http)/" >/dev/null 2>&1 || true
  done
  for ((r = 1; r <= rounds; r++)); do
    echo "workers $w, round $r of $rounds" >&2
    for tool in $(rotate $((r - 1)) "${tools[@]}"); do
      if has_case throughput; then
        for s in 1 4; do
          t0=$(cpu_ticks "$tool")
          if p=$(iperf "$(port_of "$tool" iperf)" "$s"); then
            t1=$(cpu_ticks "$tool")
            record "$w" "tput$s" "$tool" "$r" "${p% *}"
            # CPU ms per GB moved
            [ "$tool" = direct ] || record "$w" "tput${s}_cpu" "$tool" "$r" \
              "$(per_unit "$t0" "$t1" "${p#* }" 1e6)"
          fi
        done
      fi
      t0=$(cpu_ticks "$tool")
      if has_case connections && wrk_run "$(port_of "$tool" http)" -H 'Connection: close'; then
        t1=$(cpu_ticks "$tool")
        record "$w" cps "$tool" "$r" "$(wrk_rate)"
        record "$w" cps_errors "$tool" "$r" "$(wrk_errors)"
        [ "$tool" = direct ] || record "$w" cps_cpu "$tool" "$r" "$(per_unit "$t0" "$t1" "$(wrk_count)" 1)"
      fi
      t0=$(cpu_ticks "$tool")
      if has_case keepalive && wrk_run "$(port_of "$tool" http)" --latency; then
        t1=$(cpu_ticks "$tool")
        record "$w" ka_rate "$tool" "$r" "$(wrk_rate)"
        record "$w" ka_p99 "$tool" "$r" "$(wrk_p99)"
        record "$w" ka_errors "$tool" "$r" "$(wrk_errors)"
        [ "$tool" = direct ] || record "$w" ka_cpu "$tool" "$r" "$(per_unit "$t0" "$t1" "$(wrk_count)" 1)"
      fi
    done
  done
  for tool in kubegate haproxy nginx; do stop "$tool"; done
}

# Wait until FILE holds a number >= WANT (at most SECS s).
wait_count() {
  local file=$1 want=$2 secs=$3 have=0
  for _ in $(seq $((secs * 10))); do
    if [ -f "$file" ]; then
      have=$(cat "$file")
      [ "${have:-0}" -ge "$want" ] && return 0
    fi
    sleep 0.1
  done
  echo "bench/balancer.sh: $file reached $have, not $want, in $secs s" >&2
  return 1
}

# Memory: each proxy freshly started in front of a fresh idle backend, then 9,000 idle
# connections through it; fresh ports every time (no TIME_WAIT left from a previous round).
memory_case() {
  local w=$1 r tool idx=0 base held rss pss base_rss
  for ((r = 1; r <= rounds; r++)); do
    echo "workers $w, memory round $r of $rounds" >&2
    for tool in $(rotate $((r - 1)) kubegate haproxy nginx); do
      idx=$((idx + 1))
      local bport=$((port_base + 1000 + idx)) lport=$((port_base + 3000 + idx))
      ports_free "$bport" "$lport"
      rm -f "$work/idle.count" "$work/hold.ready"
      start idle-backend python3 "$here/idle.py" serve "$bport" "$work/idle.count"
      wait_count "$work/idle.count" 0 10
      start_proxy "$tool" "$w" "$lport:$bport"
      sleep 2
      base_rss=$(mem_sum status VmRSS $(proxy_pids "$tool" workers))
      base=$(cat "$work/idle.count")
      start idle-client python3 "$here/idle.py" hold "$lport" "$idle_conns" "$work/hold.ready"
      if wait_count "$work/hold.ready" "$idle_conns" 120 &&
        wait_count "$work/idle.count" $((base + idle_conns)) 60; then
        sleep 2
        rss=$(mem_sum status VmRSS $(proxy_pids "$tool" workers))
        pss=$(mem_sum smaps_rollup Pss $(proxy_pids "$tool" all))
        record "$w" mem_rss "$tool" "$r" "$rss"
        record "$w" mem_pss "$tool" "$r" "$pss"
        record "$w" mem_base "$tool" "$r" "$base_rss"
        record "$w" mem_per_conn "$tool" "$r" \
          "$(awk -v a="$rss" -v b="$base_rss" -v n="$idle_conns" 'BEGIN { printf "%.3f", (a - b) * 1024 / n }')"
      else
        echo "bench/balancer.sh: $tool did not carry $idle_conns idle connections" >&2
      fi
      stop idle-client
      stop "$tool"
      stop idle-backend
    done
  done
}

# ---- run ----------------------------------------------------------------------------------

ports=()
for tool in direct kubegate haproxy nginx; do ports+=("$(port_of $tool iperf)" "$(port_of $tool http)"); done
ports_free "${ports[@]}"
start iperf3-server iperf3 -s -p "$(port_of direct iperf)"
nginx_backend_config "$work/nginx-backend.conf" "$(port_of direct http)"
start nginx-backend nginx -e "$work/nginx-backend.err" -c "$work/nginx-backend.conf"
wait_port "$(port_of direct iperf)"
wait_port "$(port_of direct http)"

started=$(date -u '+%Y-%m-%d %H:%M UTC')
for w in $workers_list; do
  if has_case throughput || has_case connections || has_case keepalive; then load_cases "$w"; fi
  if has_case memory; then memory_case "$w"; fi
done

echo "# TCP balancer benchmark: kubegate vs haproxy vs nginx"
echo
echo "- command: bench/balancer.sh${args:+ $args}"
echo "- date: $started"
echo "- machine: $(nproc) cores ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), $(uname -sr)"
echo "- tools: $(haproxy -v | head -n1 | cut -d' ' -f1-3), $(nginx -v 2>&1 | cut -d' ' -f3), $(iperf3 -v | head -n1 | cut -d' ' -f1-2), wrk $(dpkg-query -W -f='${Version}' wrk), kubegate release build $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "- rounds: $rounds, $duration s per run, $idle_conns idle connections; cells: median (min–max); ratios: kubegate's median over the other's (range of the per-round ratios)"
echo
IDLE_CONNS=$idle_conns python3 "$here/report.py" "$results"
errors=$(awk '$2 ~ /_errors$|^cps_errors$/ && $5 > 0 { print $3 " " $2 " round " $4 ": " $5 }' "$results")
if [ -n "$errors" ]; then
  echo "wrk reported errors:"
  echo "$errors" | sed 's/^/- /'
fi
