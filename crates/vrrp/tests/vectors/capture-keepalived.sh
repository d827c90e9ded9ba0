#!/bin/sh
# Capture real VRRP advertisements from the distribution's keepalived, for the byte-exact
# vectors in tests/codec_vectors.rs. Needs root. Everything happens in two network namespaces
# created here (named kgcap-<pid>-a/b, joined by one veth pair, addresses in 198.18.0.0/15 and
# IPv6 link-local only); they, the keepalived process and the temp dir are removed on exit.
#
# usage: capture-keepalived.sh v2|v3|v3-ipv6
# prints one line per captured packet: ttl=N src=ADDR dst=ADDR payload=HEX
set -eu

MODE=${1:?usage: $0 v2|v3|v3-ipv6}
TMP=$(mktemp -d)
NS_A=kgcap-$$-a
NS_B=kgcap-$$-b
KPID=

cleanup() {
	if [ -n "$KPID" ]; then
		kill "$KPID" 2>/dev/null || true
		wait "$KPID" 2>/dev/null || true
	fi
	ip netns del "$NS_A" 2>/dev/null || true
	ip netns del "$NS_B" 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

ip netns add "$NS_A"
ip netns add "$NS_B"
ip link add kgcap0 netns "$NS_A" type veth peer name kgcap1 netns "$NS_B"
for ns in "$NS_A" "$NS_B"; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
	ip -n "$ns" link set lo up
done
ip -n "$NS_A" addr add 198.18.0.1/24 dev kgcap0
ip -n "$NS_B" addr add 198.18.0.2/24 dev kgcap1
ip -n "$NS_A" link set kgcap0 up
ip -n "$NS_B" link set kgcap1 up

case "$MODE" in
v2)
	GLOBAL=""
	INSTANCE="virtual_router_id 51
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass kgpass1
    }
    virtual_ipaddress {
        198.18.0.100/24
        198.18.0.101/24
    }"
	FILTER="ip proto 112"
	;;
v3)
	GLOBAL="vrrp_version 3"
	INSTANCE="virtual_router_id 52
    advert_int 0.1
    virtual_ipaddress {
        198.18.0.100/24
    }"
	FILTER="ip proto 112"
	;;
v3-ipv6)
	GLOBAL="vrrp_version 3"
	INSTANCE="virtual_router_id 53
    advert_int 0.5
    virtual_ipaddress {
        fe80::5300:1/64
        fe80::5300:2/64
    }"
	FILTER="ip6 proto 112"
	;;
*)
	echo "unknown mode $MODE" >&2
	exit 2
	;;
esac

cat >"$TMP/keepalived.conf" <<CONF
global_defs {
    router_id kgcap
    $GLOBAL
}
vrrp_instance KGCAP {
    state MASTER
    interface kgcap0
    priority 150
    $INSTANCE
}
CONF

# Capture on the peer end, so what we record is what went over the wire.
ip netns exec "$NS_B" timeout 30 tcpdump -i kgcap1 -s 0 -U -c 3 -w "$TMP/cap.pcap" "$FILTER" \
	2>"$TMP/tcpdump.log" &
TPID=$!
sleep 1
ip netns exec "$NS_A" keepalived -n -l -D -G -P -f "$TMP/keepalived.conf" \
	-p "$TMP/keepalived.pid" -r "$TMP/vrrp.pid" >"$TMP/keepalived.log" 2>&1 &
KPID=$!
wait "$TPID" || { cat "$TMP/tcpdump.log" "$TMP/keepalived.log" >&2; exit 1; }
keepalived --version 2>&1 | head -1 >&2

python3 - "$TMP/cap.pcap" <<'PY'
import ipaddress, struct, sys
data = open(sys.argv[1], "rb").read()
assert struct.unpack("<I", data[:4])[0] == 0xA1B2C3D4, "expect little-endian usec pcap"
assert struct.unpack("<I", data[20:24])[0] == 1, "expect Ethernet link type"
off = 24
while off + 16 <= len(data):
    incl = struct.unpack("<I", data[off + 8:off + 12])[0]
    frame = data[off + 16:off + 16 + incl]
    off += 16 + incl
    ethertype = struct.unpack(">H", frame[12:14])[0]
    ip = frame[14:]
    if ethertype == 0x0800:
        ihl = (ip[0] & 0x0F) * 4
        total = struct.unpack(">H", ip[2:4])[0]
        ttl, proto = ip[8], ip[9]
        src, dst = ipaddress.IPv4Address(ip[12:16]), ipaddress.IPv4Address(ip[16:20])
        payload = ip[ihl:total]
    elif ethertype == 0x86DD:
        plen = struct.unpack(">H", ip[4:6])[0]
        proto, ttl = ip[6], ip[7]
        src, dst = ipaddress.IPv6Address(ip[8:24]), ipaddress.IPv6Address(ip[24:40])
        payload = ip[40:40 + plen]
    else:
        continue
    assert proto == 112
    print(f"ttl={ttl} src={src} dst={dst} payload={payload.hex()}")
PY
