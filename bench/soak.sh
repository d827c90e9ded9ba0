#!/usr/bin/env bash
# The soak: `kubegate lab --chaos --soak` on an lb-pair for MINUTES (default 30) — the client
# requesting every 20 ms, a reload every minute, apiservers flapping every 20 s, the VIP moved
# by link loss and by SIGTERM every 3 minutes — with each daemon's resident memory, open files
# and threads sampled every 10 s. Prints the report: the table per fault kind and, per daemon
# process, its first and last values after its warm-up (flat lines are the result). Builds the
# release binary and installs the lab's tools when missing. Needs root (network namespaces,
# 198.18.0.0/15 only).
# Usage: bench/soak.sh [MINUTES] [TOPOLOGY]
set -euo pipefail
cd "$(dirname "$0")/.."

. bench/lib.sh
require_root bench/soak.sh
minutes="${1:-30}"
topology="${2:-lb-pair}"
install_missing iproute2 nftables procps

cargo build --release --quiet
kubegate="${CARGO_TARGET_DIR:-target}/release/kubegate"
log="$(mktemp /tmp/kubegate-soak.XXXXXX)"

echo "# kubegate soak"
echo
echo "- command: bench/soak.sh $minutes $topology"
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "- machine: $(nproc) cores, $(uname -sr)"
echo "- every fault as applied: $log"
echo
status=0
"$kubegate" lab --chaos --soak --topology "$topology" --minutes "$minutes" >"$log" 2>&1 || status=$?
sed -n '/^chaos: kubegate/,$p' "$log"
exit "$status"
