#!/bin/sh
# Capture real BFD control packets for the byte-exact vectors in tests/codec_vectors.rs and
# tests/session_interop.rs. Needs root, FRR (bfdd) and BIRD 2. Everything happens in two network
# namespaces created here (kgbfd-<pid>-a/b, joined by one veth pair, 198.18.0.1/24 and
# 198.18.0.2/24); they, the daemons and the temp dir are removed on exit.
#
# usage: capture-peers.sh frr-bird | bird-auth simple|md5|sha1|meticulous-md5|meticulous-sha1
#   frr-bird: FRR bfdd on .1 and BIRD on .2 (300 ms, multiplier 3) come Up; after 4 s BIRD's
#             BFD protocol is disabled, after 6 s the capture ends.
#   bird-auth: BIRD alone on .2 with that authentication; its first packets are kept.
# prints one line per captured packet: t=SECONDS ttl=N src=ADDR:PORT dst=ADDR:PORT payload=HEX
set -eu

MODE=${1:?usage: $0 frr-bird | bird-auth TYPE}
AUTH=${2:-}
TMP=$(mktemp -d)
chmod 1777 "$TMP" # bfdd drops to the frr user and writes its pid and sockets here
NS_A=kgbfd-$$-a
NS_B=kgbfd-$$-b
PIDS=

cleanup() {
	for pid in $PIDS; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in $PIDS; do
		wait "$pid" 2>/dev/null || true
	done
	for f in "$TMP"/*.pid; do
		[ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
	done
	sleep 0.2
	ip netns del "$NS_A" 2>/dev/null || true
	ip netns del "$NS_B" 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

ip netns add "$NS_A"
ip netns add "$NS_B"
ip link add kgbfd0 netns "$NS_A" type veth peer name kgbfd1 netns "$NS_B"
ip -n "$NS_A" link set lo up
ip -n "$NS_B" link set lo up
ip -n "$NS_A" addr add 198.18.0.1/24 dev kgbfd0
ip -n "$NS_B" addr add 198.18.0.2/24 dev kgbfd1
ip -n "$NS_A" link set kgbfd0 up
ip -n "$NS_B" link set kgbfd1 up
sleep 1

case "$MODE" in
frr-bird) BIRD_AUTH="" COUNT=200 ;;
bird-auth)
	case "$AUTH" in
	simple) KIND="simple" ;;
	md5) KIND="keyed md5" ;;
	sha1) KIND="keyed sha1" ;;
	meticulous-md5) KIND="meticulous keyed md5" ;;
	meticulous-sha1) KIND="meticulous keyed sha1" ;;
	*) echo "unknown auth $AUTH" >&2; exit 2 ;;
	esac
	BIRD_AUTH="authentication $KIND; password \"kgsecret\" { id 5; };"
	COUNT=2
	;;
*) echo "unknown mode $MODE" >&2; exit 2 ;;
esac

cat >"$TMP/bird.conf" <<CONF
router id 198.18.0.2;
protocol device {}
protocol bfd kgbfd {
    interface "kgbfd1" {
        interval 300 ms;
        multiplier 3;
        $BIRD_AUTH
    };
    neighbor 198.18.0.1 dev "kgbfd1";
}
CONF

cat >"$TMP/bfdd.conf" <<CONF
bfd
 peer 198.18.0.2 local-address 198.18.0.1
  receive-interval 300
  transmit-interval 300
  detect-multiplier 3
 !
!
CONF

# Capture on BIRD's end of the veth: both directions, as they went over the wire.
ip netns exec "$NS_B" timeout 8 tcpdump -i kgbfd1 -s 0 -U -c "$COUNT" -w "$TMP/cap.pcap" \
	"udp dst port 3784" 2>"$TMP/tcpdump.log" &
TPID=$!
PIDS="$TPID"
sleep 1

if [ "$MODE" = frr-bird ]; then
	ip netns exec "$NS_A" /usr/lib/frr/bfdd -u frr -g frr -f "$TMP/bfdd.conf" \
		-i "$TMP/bfdd.pid" --vty_socket "$TMP" -z "$TMP/zserv.api" --bfdctl "$TMP/bfdd.sock" \
		-A 127.0.0.1 -P 0 --log stdout >"$TMP/bfdd.out" 2>&1 &
	PIDS="$PIDS $!"
fi
ip netns exec "$NS_B" bird -f -c "$TMP/bird.conf" -s "$TMP/bird.ctl" -P "$TMP/bird.pid" \
	>"$TMP/bird.log" 2>&1 &
PIDS="$PIDS $!"

if [ "$MODE" = frr-bird ]; then
	sleep 4
	ip netns exec "$NS_B" birdc -s "$TMP/bird.ctl" show bfd sessions >&2 || true
	ip netns exec "$NS_B" birdc -s "$TMP/bird.ctl" disable kgbfd >&2 || true
fi
wait "$TPID" || true
[ -s "$TMP/cap.pcap" ] || { cat "$TMP"/*.log "$TMP"/*.out >&2; exit 1; }
/usr/lib/frr/bfdd --version 2>&1 | head -1 >&2
bird --version >&2 2>&1 || true

python3 - "$TMP/cap.pcap" <<'PY'
import ipaddress, struct, sys
data = open(sys.argv[1], "rb").read()
assert struct.unpack("<I", data[:4])[0] == 0xA1B2C3D4, "expect little-endian usec pcap"
assert struct.unpack("<I", data[20:24])[0] == 1, "expect Ethernet link type"
off, t0 = 24, None
while off + 16 <= len(data):
    sec, usec, incl = struct.unpack("<III", data[off:off + 12])
    frame = data[off + 16:off + 16 + incl]
    off += 16 + incl
    if struct.unpack(">H", frame[12:14])[0] != 0x0800:
        continue
    ip = frame[14:]
    ihl = (ip[0] & 0x0F) * 4
    total = struct.unpack(">H", ip[2:4])[0]
    ttl, proto = ip[8], ip[9]
    src, dst = ipaddress.IPv4Address(ip[12:16]), ipaddress.IPv4Address(ip[16:20])
    assert proto == 17
    udp = ip[ihl:total]
    sport, dport = struct.unpack(">HH", udp[:4])
    t = sec + usec / 1e6
    t0 = t if t0 is None else t0
    print(f"t={t - t0:.3f} ttl={ttl} src={src}:{sport} dst={dst}:{dport} payload={udp[8:].hex()}")
PY
