#!/usr/bin/env bash
# The lab scenario twice in one run: kubegate, then keepalived + haproxy configured as in the
# field (keepalived VRRPv2 with 1 s adverts and a vrrp_script check, haproxy in TCP mode with
# `check`, `option redispatch`, `retries 3`), in the same network-namespace topology, and the
# two tables side by side. Builds the release binary and installs keepalived, haproxy and the
# lab's tools when missing. Needs root: the lab builds network namespaces (198.18.0.0/15 only).
# Usage: bench/lab-compare.sh [TOPOLOGY...]   (default: lb-pair stacked)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  echo "bench/lab-compare.sh: run as root (the lab creates network namespaces)" >&2
  exit 1
fi

packages=(keepalived haproxy iproute2 nftables procps)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

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
