#!/usr/bin/env bash
# Captures BGP messages from a real FRR bgpd as test vectors (frr-vectors.txt beside this
# script). Runs bgpd and a small scripted peer inside a network namespace of its own, on its
# loopback only (127.0.0.1 = bgpd, 127.0.0.2 = the scripted peer); removes everything on exit.
# Needs root and the Debian package frr. Usage: sudo ./capture-frr.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
ns="kgbgp-cap-$$"
work="$(mktemp -d "${TMPDIR:-/var/tmp}/kgbgp-cap.XXXXXX")"
cleanup() {
    if [[ -f "$work/bgpd.pid" ]]; then kill "$(cat "$work/bgpd.pid")" 2>/dev/null || true; fi
    ip netns del "$ns" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
ip netns add "$ns"
ip -n "$ns" link set lo up
chown frr:frr "$work"
cat >"$work/bgpd.conf" <<'CONF'
hostname kgcap
router bgp 64512
 bgp router-id 198.18.0.1
 no bgp ebgp-requires-policy
 no bgp network import-check
 bgp graceful-restart
 neighbor 127.0.0.2 remote-as 64500
 neighbor 127.0.0.2 passive
 neighbor 127.0.0.2 timers 3 9
 address-family ipv4 unicast
  network 198.18.10.50/32
  neighbor 127.0.0.2 route-map SET out
 exit-address-family
 address-family ipv6 unicast
  network 2001:db8::50/128
  neighbor 127.0.0.2 activate
  neighbor 127.0.0.2 route-map SET out
 exit-address-family
route-map SET permit 10
 set community 64512:100
 set large-community 64512:1:1
 set metric 50
CONF
chown frr:frr "$work/bgpd.conf"
ip netns exec "$ns" /usr/lib/frr/bgpd -d -Z -n -l 127.0.0.1 -f "$work/bgpd.conf" \
    -i "$work/bgpd.pid" --vty_socket "$work" -z "$work/zserv.api" -P 0 --log "file:$work/bgpd.log"
sleep 2
ip netns exec "$ns" python3 "$here/capture-peer.py" >"$here/frr-vectors.txt"
echo "bgpd: $(/usr/lib/frr/bgpd --version | head -1)" >&2
