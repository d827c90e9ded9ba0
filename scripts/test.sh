#!/usr/bin/env bash
# Runs every test of the project: installs the Debian packages the tests use when missing
# (real keepalived and FRR as VRRP peers, FRR, BIRD 2 and GoBGP as BGP routers, iproute2 and
# nftables for the network-namespace lab, tcpdump, curl, headless chromium and its chromedriver for
# the status page, lintian, rpm, skopeo, qemu-user and libcap's tools for the packages) and
# cargo-deny, checks formatting, lints and the dependencies (deny.toml), builds the packages
# into dist/ (scripts/package.sh; the packaging tests check them), then runs `cargo test` for
# the whole workspace.
# Needs root: the lab tests create network namespaces.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  echo "scripts/test.sh: run as root (the tests create network namespaces and raw sockets)" >&2
  exit 1
fi

packages=(keepalived frr bird2 gobgpd iproute2 nftables tcpdump iputils-ping procps curl chromium
  chromium-driver lintian rpm skopeo qemu-user-static libcap2-bin file util-linux systemd)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The version is pinned so a run is repeatable; building it takes a few minutes, once.
if ! cargo deny --version >/dev/null 2>&1; then
  echo "installing cargo-deny"
  cargo install --locked cargo-deny@0.20.2
fi

cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
# Licenses, banned and duplicate crates, sources (deny.toml), without the network. The
# advisories check needs the advisory database, a download: run `cargo deny check` for it.
cargo deny --offline check licenses bans sources
./scripts/package.sh
cargo test --workspace --no-fail-fast "$@"
