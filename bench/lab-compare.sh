#!/usr/bin/env bash
# The lab scenario twice in one run: kubegate, then keepalived + haproxy configured as in the
# field (keepalived VRRPv2 with 1 s adverts and a vrrp_script check, haproxy in TCP mode with
# `check`, `option redispatch`, `retries 3`), in the same network-namespace topology, and the
# two tables side by side. Builds the release binary and installs keepalived, haproxy and the
# lab's tools when missing. Needs root: the lab builds network namespaces (198.18.0.0/15 only).
# Usage: bench/lab-compare.sh [TOPOLOGY...]   (default: lb-pair stacked)
set -euo pipefail
cd "$(dirname "$0")/.."

. bench/lib.sh
require_root bench/lab-compare.sh
install_missing keepalived haproxy iproute2 nftables procps

cargo build --release --quiet
target_dir="${CARGO_TARGET_DIR:-target}"
kubegate="$target_dir/release/kubegate"

topologies=("$@")
[ ${#topologies[@]} -gt 0 ] || topologies=(lb-pair stacked)

echo "# kubegate lab, side by side with keepalived + haproxy"
echo
echo "- command: bench/lab-compare.sh ${topologies[*]}"
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "- machine: $(nproc) cores, $(uname -sr), $(keepalived --version 2>&1 | head -n1), $(haproxy -v 2>&1 | head -n1)"
status=0
for t in "${topologies[@]}"; do
  echo
  echo "## $t"
  echo
  "$kubegate" lab --topology "$t" --compare keepalived-haproxy || status=$?
done
exit "$status"
