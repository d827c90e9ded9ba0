#!/usr/bin/env bash
# Captures BGP messages from a real GoBGP (gobgpd) as test vectors (gobgp-vectors.txt beside
# this script), with the same scripted peer as capture-frr.sh, inside a network namespace of
# its own on its loopback only; removes everything on exit.
# Needs root and the Debian package gobgpd. Usage: sudo ./capture-gobgp.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
ns="kgbgp-cap-$$"
work="$(mktemp -d "${TMPDIR:-/var/tmp}/kgbgp-cap.XXXXXX")"
pid=""
cleanup() {
    if [[ -n "$pid" ]]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
    ip netns del "$ns" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
ip netns add "$ns"
ip -n "$ns" link set lo up
cat >"$work/gobgpd.toml" <<'CONF'
[global.config]
  as = 64512
  router-id = "198.18.0.1"
  local-address-list = ["127.0.0.1"]
[[neighbors]]
  [neighbors.config]
    neighbor-address = "127.0.0.2"
    peer-as = 64500
  [neighbors.timers.config]
    hold-time = 9
    keepalive-interval = 3
  [neighbors.transport.config]
    passive-mode = true
  [neighbors.graceful-restart.config]
    enabled = true
    restart-time = 120
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv6-unicast"
CONF
ip netns exec "$ns" gobgpd -f "$work/gobgpd.toml" -t toml --api-hosts 127.0.0.1:50051 \
    >"$work/gobgpd.log" 2>&1 &
pid=$!
sleep 2
gobgp() { ip netns exec "$ns" /usr/bin/gobgp -u 127.0.0.1 -p 50051 "$@"; }
gobgp global rib -a ipv4 add 198.18.10.50/32 nexthop 127.0.0.1 med 50 \
    community 64512:100 large-community 64512:1:1
gobgp global rib -a ipv6 add 2001:db8::50/128 nexthop 2001:db8::1 med 50 \
    community 64512:100 large-community 64512:1:1
ip netns exec "$ns" python3 "$here/capture-peer.py" >"$here/gobgp-vectors.txt"
echo "gobgpd: $(gobgpd --version 2>&1 | head -1)" >&2
