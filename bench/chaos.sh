#!/usr/bin/env bash
# Fault campaigns across the lab's topologies: `kubegate lab --chaos` with seeds 1, 2, 3 … in
# turn on each topology until MINUTES (default 60) have been spent, every campaign's table and
# violations kept, then a summary: campaigns run, faults injected, violations, and the worst
# gap per fault kind over all of them. With --compare, each campaign also runs on keepalived +
# haproxy (no reloads, drains or handovers: the incumbent has none to drive).
# Builds the release binary and installs keepalived, haproxy and the lab's tools when missing.
# Needs root: the lab builds network namespaces (198.18.0.0/15 only).
# Usage: bench/chaos.sh [MINUTES] [--compare]
set -euo pipefail
cd "$(dirname "$0")/.."

. bench/lib.sh
require_root bench/chaos.sh
minutes="${1:-60}"
compare=()
[ "${2:-}" = "--compare" ] && compare=(--compare keepalived-haproxy)
install_missing keepalived haproxy iproute2 nftables procps

cargo build --release --quiet
target_dir="${CARGO_TARGET_DIR:-target}"
kubegate="$target_dir/release/kubegate"
out="$(mktemp -d /tmp/kubegate-chaos.XXXXXX)"

echo "# kubegate fault campaigns"
echo
echo "- command: bench/chaos.sh $*"
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "- machine: $(nproc) cores, $(uname -sr)"
echo "- each campaign: 3 minutes of faults, then the lab settles; reports in $out"
echo

topologies=(stacked lb-pair master-master node-local)
deadline=$(( $(date +%s) + minutes * 60 ))
seed=1
campaigns=0
failed=0
while [ "$(date +%s)" -lt "$deadline" ]; do
  topology="${topologies[$(( (seed - 1) % ${#topologies[@]} ))]}"
  report="$out/$topology-seed$seed.txt"
  if "$kubegate" lab --chaos --topology "$topology" --seed "$seed" --minutes 3 "${compare[@]}" >"$report" 2>&1; then
    result="0 violations"
  else
    result="VIOLATIONS (see $report)"
    failed=$((failed + 1))
  fi
  campaigns=$((campaigns + 1))
  faults=$(grep -m1 -o '[0-9]* faults over' "$report" | cut -d' ' -f1)
  echo "- $topology seed $seed: ${faults:-?} faults, $result"
  seed=$((seed + 1))
done

echo
echo "## Summary"
echo
echo "campaigns: $campaigns, with violations: $failed"
# Worst gap and totals per fault kind over every kubegate table (the first table of a report).
awk '
  /^chaos: kubegate/ { table = 1; next }
  /^chaos: keepalived/ { table = 0; next }
  /^violations:/ { table = 0 }
  table && $1 != "fault" && NF == 5 {
    count[$1] += $2; if ($3 > worst[$1]) worst[$1] = $3; failedreq[$1] += $4; viol[$1] += $5
  }
  END {
    printf "%-16s %8s %14s %8s %11s\n", "fault", "count", "worst gap ms", "failed", "violations"
    for (k in count) printf "%-16s %8d %14d %8d %11d\n", k, count[k], worst[k], failedreq[k], viol[k]
  }' "$out"/*.txt | sort
[ "$failed" -eq 0 ]
