#!/usr/bin/env bash
# Runs each coverage-guided fuzz target of the project for a bounded time (SECONDS, default 60)
# with `cargo fuzz` on the nightly toolchain: the VRRP codec, the HTTP heads, the health
# check's answer reader and request builder, the YAML config, and the keepalived, haproxy and
# nginx readers of `kubegate import`. Installs cargo-fuzz when missing.
#
# Each target starts from its corpus in the repository (crates/CRATE/fuzz/corpus/TARGET), which
# the ordinary `cargo test` replays; what libFuzzer finds while running goes to a temporary
# directory, so the repository's corpus stays small. A fault (panic, hang over 10 s, more than
# 2 GiB) stops the script: the input is in crates/CRATE/fuzz/artifacts/TARGET/; fix the code
# and add the input to the corpus as its regression test.
#
# Usage: scripts/fuzz.sh [SECONDS] [TARGET…]   (targets: parse heads probe config keepalived
# haproxy nginx; default all)
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
shift || true
all=(vrrp:parse kubegate-http:heads kubegate-balancer:probe kubegate-config:config
  kubegate-import:keepalived kubegate-import:haproxy kubegate-import:nginx)

if ! cargo +nightly --version >/dev/null 2>&1; then
  echo "scripts/fuzz.sh: needs the nightly toolchain (rustup toolchain install nightly)" >&2
  exit 1
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  cargo install --locked cargo-fuzz
fi

# One build directory for every fuzz crate, so their shared dependencies build once.
export CARGO_TARGET_DIR="$PWD/target/fuzz"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for entry in "${all[@]}"; do
  crate=${entry%%:*}
  target=${entry##*:}
  if [ $# -gt 0 ] && [[ " $* " != *" $target "* ]]; then
    continue
  fi
  echo "== $target ($crate), ${seconds}s"
  mkdir -p "$work/$target"
  (cd "crates/$crate" && cargo +nightly fuzz run "$target" "$work/$target" "fuzz/corpus/$target" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1)
done
