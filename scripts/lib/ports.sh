# free_port: a port on 127.0.0.1 that nothing listens on, for a server started next. Taken below the kernel's
# ephemeral range: a port from that range (what binding port 0 gives) can be taken by any outgoing connection in
# the moment before the server binds it, and on a busy test machine it was (etcd: "bind: address already in use").
free_port() {
  python3 - <<'PY'
import random, socket
low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
candidates = [random.randrange(10000, low) for _ in range(200)] if low > 11000 else []
for port in candidates + [0]:
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
        print(s.getsockname()[1])
        break
    except OSError:
        continue
    finally:
        s.close()
PY
}
