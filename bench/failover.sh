#!/usr/bin/env bash
# VIP failover benchmark: kubegate and the distribution's keepalived side by side in one run.
# Builds the release binary, installs keepalived (and the lab's tools) when missing, then runs
# `kubegate lab-bench failover` and prints a markdown table of medians, maxima and ratios.
# Needs root: the lab builds network namespaces (addresses in 198.18.0.0/15 only).
# Usage: bench/failover.sh [--runs N] [--attempt-timeout-ms MS] [--only TEXT]
#        (defaults: 5 runs, attempts bounded by 50 ms, every setup)
set -euo pipefail
cd "$(dirname "$0")/.."

. bench/lib.sh
require_root bench/failover.sh
install_missing keepalived iproute2 nftables procps

cargo build --release --quiet
target_dir="${CARGO_TARGET_DIR:-target}"
kubegate="$target_dir/release/kubegate"

echo "# kubegate failover benchmark"
echo
echo "- command: bench/failover.sh $*"
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "- machine: $(nproc) cores, $(uname -sr), $(keepalived --version 2>&1 | head -n1)"
echo
"$kubegate" lab-bench failover --markdown "$@"
