"""The scripted peer of capture-frr.sh: speaks just enough BGP to 127.0.0.1:179 to make bgpd
send its OPEN, KEEPALIVE, UPDATEs (IPv4 and IPv6 unicast with communities), End-of-RIB
markers, the answer to a ROUTE-REFRESH, and two NOTIFICATIONs; prints each message it
receives as `name hex` on one line."""
import socket, struct, time

def msg(kind, body):
    return b"\xff" * 16 + struct.pack("!HB", 19 + len(body), kind) + body

def cap(code, value):
    return bytes([code, len(value)]) + value

def open_msg(asn, hold=9):
    caps = (cap(1, b"\x00\x01\x00\x01") + cap(1, b"\x00\x02\x00\x01") + cap(2, b"")
            + cap(64, struct.pack("!H", 120)) + cap(65, struct.pack("!I", asn)))
    params = bytes([2, len(caps)]) + caps
    body = struct.pack("!BHH4sB", 4, asn, hold, socket.inet_aton("198.18.0.2"), len(params))
    return msg(1, body + params)

def read_msgs(sock, seconds):
    sock.settimeout(0.2)
    buf, out, end = b"", [], time.time() + seconds
    while time.time() < end:
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            continue
        except ConnectionResetError:
            break
        if not chunk:
            break
        buf += chunk
        while len(buf) >= 19:
            n = struct.unpack("!H", buf[16:18])[0]
            if len(buf) < n:
                break
            out.append(buf[:n])
            buf = buf[n:]
    return out

def connect():
    s = socket.socket()
    s.bind(("127.0.0.2", 0))
    s.connect(("127.0.0.1", 179))
    return s

NAMES = {1: "open", 2: "update", 3: "notification", 4: "keepalive", 5: "route-refresh"}
seen = {}

def record(m):
    kind = NAMES.get(m[18], "type%d" % m[18])
    seen[kind] = seen.get(kind, 0) + 1
    print("%s-%d %s" % (kind, seen[kind], m.hex()))

s = connect()
s.sendall(open_msg(64500))
for m in read_msgs(s, 1.5):
    record(m)
s.sendall(msg(4, b""))
for m in read_msgs(s, 3):
    record(m)
s.sendall(msg(5, b"\x00\x01\x00\x01"))  # ROUTE-REFRESH IPv4 unicast
for m in read_msgs(s, 2):
    record(m)
s.sendall(msg(3, b"\x06\x02"))  # Cease / Administrative Shutdown
s.close()
time.sleep(1)
s = connect()
s.sendall(open_msg(64999))  # not the AS bgpd expects: 2/2
for m in read_msgs(s, 2):
    record(m)
s.close()
time.sleep(1)
s = connect()
s.sendall(open_msg(64500) + b"\x00" * 19)  # then a bad marker: 1/1
for m in read_msgs(s, 2):
    record(m)
s.close()
