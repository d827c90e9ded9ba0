#!/usr/bin/env bash
# BGP withdrawal benchmark: how long the router keeps sending clients to a failed node, by
# cause, for kubegate with BFD, kubegate without BFD (`bfd: false`, hold time 9 s) and GoBGP
# configured as kube-vip documents its BGP mode (hold time 30 s, keepalive 10 s, no BFD, no
# check of the apiserver). Each round runs `kubegate lab --topology bgp --compare gobgp` and
# `kubegate lab --topology bgp --no-bfd` (FRR 8.4 with bfdd as the router, three nodes, a
# client behind the router) and reads the withdrawal times from their tables; prints a
# markdown table of min / median / max per cause and the ratio of the medians.
# Builds the release binary and installs FRR, GoBGP and the lab's tools when missing.
# Needs root: the lab builds network namespaces (addresses in 198.18.0.0/15 only).
# Usage: bench/bgp.sh [ROUNDS]   (default: 3)
set -euo pipefail
cd "$(dirname "$0")/.."

. bench/lib.sh
require_root bench/bgp.sh
install_missing frr gobgpd iproute2 nftables procps

rounds="${1:-3}"
cargo build --release --quiet
target_dir="${CARGO_TARGET_DIR:-target}"
kubegate="$target_dir/release/kubegate"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

# Appends "STACK<TAB>CAUSE<TAB>MS-or-never" for every fault row of a lab run's output.
collect() {
  awk -v OFS='\t' '
    /^kubegate \(BFD/          { stack = "kubegate-bfd"; next }
    /^kubegate \(no BFD/       { stack = "kubegate-nobfd"; next }
    /^GoBGP as kube-vip/       { stack = "gobgp"; next }
    /^side by side/            { stack = ""; next }
    stack == ""                { next }
    {
      cause = ""
      if ($0 ~ /loses its backends/) cause = "backend loss"
      else if ($0 ~ / SIGTERM /) cause = "SIGTERM"
      else if ($0 ~ / SIGKILL/) cause = "SIGKILL (crash)"
      else if ($0 ~ /link cut/) cause = "link loss (hang)"
      if (cause == "") next
      rest = substr($0, index($0, " -> ") + 4)
      split(rest, f, " ")
      print stack, cause, (f[2] == "never" ? "never" : f[2])
    }'
}

status=0
for i in $(seq 1 "$rounds"); do
  echo "round $i of $rounds" >&2
  "$kubegate" lab --topology bgp --compare gobgp >"$out/with-$i.txt" 2>&1 || status=$?
  "$kubegate" lab --topology bgp --no-bfd >"$out/without-$i.txt" 2>&1 || status=$?
  collect <"$out/with-$i.txt" >>"$out/times.tsv"
  collect <"$out/without-$i.txt" >>"$out/times.tsv"
done

# "min / median / max" of one stack's times for one cause; "never" sorts last.
stats() {
  awk -F'\t' -v s="$1" -v c="$2" '$1 == s && $2 == c { print ($3 == "never" ? 999999999 : $3) }' "$out/times.tsv" |
    sort -n | awk '
      function show(x) { return x == 999999999 ? "never" : x " ms" }
      { v[NR] = $1 }
      END {
        if (NR == 0) { print "-"; exit }
        m = v[int((NR + 1) / 2)]
        if (NR % 2 == 0) m = (v[NR / 2] + v[NR / 2 + 1]) / 2
        if (m > 99999999) m = 999999999
        printf "%s / %s / %s\n", show(v[1]), show(m), show(v[NR])
      }'
}

median() { stats "$1" "$2" | awk -F' / ' '{ sub(/ ms$/, "", $2); print $2 }'; }

ratio() {
  local a b
  a="$(median "$1" "$3")"
  b="$(median "$2" "$3")"
  case "$a$b" in
    *never* | *-*) if [ "$b" = never ] && [ "$a" != never ]; then echo "0 (never)"; else echo "-"; fi ;;
    *) awk -v a="$a" -v b="$b" 'BEGIN { if (b > 0) printf "%.3f\n", a / b; else print "-" }' ;;
  esac
}

echo "# kubegate BGP withdrawal benchmark"
echo
echo "- command: bench/bgp.sh $rounds"
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "- machine: $(nproc) cores, $(uname -sr), FRR $(dpkg-query -W -f='${Version}' frr), GoBGP $(dpkg-query -W -f='${Version}' gobgpd)"
echo "- rounds: $rounds; exit status of the kubegate runs: $status"
echo
echo "| cause | kubegate, BFD 300 ms × 3 (min / median / max) | kubegate, no BFD, hold 9 s | GoBGP as kube-vip, hold 30 s | ratio of medians, kubegate BFD / GoBGP |"
echo "|---|---|---|---|---|"
for cause in "backend loss" "SIGTERM" "SIGKILL (crash)" "link loss (hang)"; do
  echo "| $cause | $(stats kubegate-bfd "$cause") | $(stats kubegate-nobfd "$cause") | $(stats gobgp "$cause") | $(ratio kubegate-bfd gobgp "$cause") |"
done
echo
echo "Withdrawal: from the fault until the router's forwarding table no longer routes the VIP"
echo "to the node (read every 10 ms). never (N s): still routed when the run stopped watching."
exit "$status"
