#!/usr/bin/env python3
"""Idle connections for the balancer benchmark's memory case (standard library only).

  idle.py serve PORT COUNT_FILE
      An idle backend on 127.0.0.1:PORT: accepts connections, never reads or writes, holds them
      until killed. Writes how many it holds to COUNT_FILE every 100 ms.
  idle.py hold PORT N READY_FILE
      Opens N connections to 127.0.0.1:PORT, one after the other, writes N to READY_FILE once
      all are established, then holds them idle until killed. The sockets close with a reset
      (SO_LINGER 0), so no TIME_WAIT is left on this side.

Both raise their open-file limit to the hard limit first (a proxy in between holds two
descriptors per connection, each end here one).
"""
import os
import resource
import socket
import struct
import sys
import threading
import time


def raise_nofile():
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def write_atomic(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def serve(port, count_file):
    raise_nofile()
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(4096)
    held = []

    def report():
        last = -1
        while True:
            n = len(held)
            if n != last:
                write_atomic(count_file, str(n))
                last = n
            time.sleep(0.1)

    threading.Thread(target=report, daemon=True).start()
    while True:
        conn, _ = listener.accept()
        held.append(conn)


def hold(port, n, ready_file):
    raise_nofile()
    linger = struct.pack("ii", 1, 0)
    held = []
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
        s.settimeout(10)
        s.connect(("127.0.0.1", port))
        held.append(s)
    write_atomic(ready_file, str(len(held)))
    while True:
        time.sleep(3600)


def main(argv):
    if len(argv) == 4 and argv[1] == "serve":
        serve(int(argv[2]), argv[3])
    elif len(argv) == 5 and argv[1] == "hold":
        hold(int(argv[2]), int(argv[3]), argv[4])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
