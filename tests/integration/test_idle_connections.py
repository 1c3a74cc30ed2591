"""Hostile connection load: connections that send nothing, drip their headers one byte
at a time, or sit idle at the connection cap. The gateway keeps serving normal requests
meanwhile and closes each hostile connection at its deadline (first-byte timeout,
header timeout) — not before, and not much after — and at max_connections it closes the
connection idle the longest to make room for a new one, on the admin listener too."""
from __future__ import annotations

import resource
import selectors
import socket
import statistics
import time

from conftest import Source, http_request, key_plain, sample_event, unique, wait_until

IDLE = 1000
DRIPPING = 1000
IDLE_TIMEOUT_S = 4.0
HEADER_TIMEOUT_S = 3.0
DRIP_EVERY_S = 0.25


def raise_fd_limit(need: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, need), hard))


def open_many(port: int, n: int) -> list[socket.socket]:
    out = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.setblocking(False)
        out.append(s)
    return out


def test_two_thousand_idle_and_dripping_connections(gateway_factory):
    raise_fd_limit(IDLE + DRIPPING + 512)
    k = key_plain()
    src = Source("idle", unique("idle"), "aes-256-gcm", [k[0]], [k[1]], [unique("apikey")],
                 "json", "base64")
    g = gateway_factory({"idle": src},
                        server={"first_byte_timeout_ms": int(IDLE_TIMEOUT_S * 1000),
                                "idle_timeout_ms": 60000,
                                "header_timeout_ms": int(HEADER_TIMEOUT_S * 1000),
                                "max_connections": 5000})
    idle = open_many(g.port, IDLE)
    opened_idle = time.monotonic()
    drip = open_many(g.port, DRIPPING)
    request = b"POST /webhooks/" + src.name.encode() + b"/user-joined HTTP/1.1\r\nHost: x\r\nX-Pad: "
    sent = {s.fileno(): 0 for s in drip}
    first_byte_at: dict[int, float] = {}

    sel = selectors.DefaultSelector()
    for s in idle + drip:
        sel.register(s, selectors.EVENT_READ)
    closed_at: dict[int, float] = {}
    is_idle = {s.fileno() for s in idle}

    latencies = []
    statuses = []
    next_drip = time.monotonic()
    next_request = time.monotonic()
    deadline = time.monotonic() + max(IDLE_TIMEOUT_S, HEADER_TIMEOUT_S) + 6
    while time.monotonic() < deadline and len(closed_at) < IDLE + DRIPPING:
        now = time.monotonic()
        if now >= next_drip:  # one more header byte on every dripping connection
            for s in drip:
                fd = s.fileno()
                if fd in closed_at or fd < 0:
                    continue
                try:
                    s.send(request[sent[fd] % len(request):][:1] or b"a")
                    sent[fd] += 1
                    first_byte_at.setdefault(fd, now)
                except (BlockingIOError, InterruptedError):
                    pass
                except OSError:
                    closed_at.setdefault(fd, now)
            next_drip = now + DRIP_EVERY_S
        if now >= next_request:  # a normal client keeps being served
            body, headers = src.build(sample_event("user-joined", unique("ok")))
            t0 = time.monotonic()
            r = g.post(src.path("user-joined"), body, headers, timeout=10)
            latencies.append(time.monotonic() - t0)
            statuses.append(r.status)
            next_request = time.monotonic() + 0.1
        for key, _ in sel.select(timeout=0.05):
            s = key.fileobj
            try:
                data = s.recv(4096)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                data = b""
            if not data:
                closed_at[s.fileno()] = time.monotonic()
                sel.unregister(s)

    for s in idle + drip:
        s.close()
    g.assert_alive()

    assert statuses and set(statuses) == {200}, statuses
    idle_closes = [closed_at[fd] - opened_idle for fd in is_idle if fd in closed_at]
    drip_closes = [closed_at[fd] - first_byte_at[fd] for fd in first_byte_at if fd in closed_at]
    assert len(idle_closes) == IDLE, f"{IDLE - len(idle_closes)} idle connections never closed"
    assert len(drip_closes) == DRIPPING, f"{DRIPPING - len(drip_closes)} dripping ones never closed"
    # Closed at their deadline: not early, and not long after (2 cores, 2,000 sockets).
    assert min(idle_closes) >= IDLE_TIMEOUT_S * 0.9, min(idle_closes)
    assert max(idle_closes) <= IDLE_TIMEOUT_S + 3, max(idle_closes)
    assert min(drip_closes) >= HEADER_TIMEOUT_S * 0.9, min(drip_closes)
    assert max(drip_closes) <= HEADER_TIMEOUT_S + 3, max(drip_closes)
    p50 = statistics.median(latencies)
    print(f"\n{IDLE} idle + {DRIPPING} dripping connections: {len(statuses)} normal requests, "
          f"all 200, p50 {p50 * 1000:.1f} ms, max {max(latencies) * 1000:.1f} ms; idle closed "
          f"after {min(idle_closes):.2f}-{max(idle_closes):.2f} s, dripping after "
          f"{min(drip_closes):.2f}-{max(drip_closes):.2f} s")


def one_source() -> dict[str, Source]:
    k = key_plain()
    return {"cap": Source("cap", unique("cap"), "aes-256-gcm", [k[0]], [k[1]], [unique("apikey")],
                          "json", "base64")}


def open_connections(g, listener: str) -> int:
    r = http_request(g.admin_port, "GET", "/metrics", timeout=5)
    for line in r.raw.decode().splitlines():
        if line.startswith(f'rai_gateway_http_connections{{listener="{listener}"}}'):
            return int(float(line.rsplit(" ", 1)[1]))
    raise AssertionError("no rai_gateway_http_connections sample")


def closed(s: socket.socket) -> bool:
    """True when the gateway closed s (EOF or reset); never blocks."""
    s.setblocking(False)
    try:
        return s.recv(1, socket.MSG_DONTWAIT | socket.MSG_PEEK) == b""
    except (BlockingIOError, InterruptedError):
        return False
    except OSError:
        return True


def test_silent_connections_close_at_the_first_byte_deadline(gateway_factory):
    srcs = one_source()
    src = srcs["cap"]
    g = gateway_factory(srcs, server={"first_byte_timeout_ms": 1000, "idle_timeout_ms": 30000})
    silent = socket.create_connection(("127.0.0.1", g.port), timeout=10)
    opened = time.monotonic()
    kept = socket.create_connection(("127.0.0.1", g.port), timeout=10)
    body, headers = src.build(sample_event("user-joined"))
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    kept.sendall((f"POST {src.path('user-joined')} HTTP/1.1\r\nHost: x\r\n"
                  f"Content-Length: {len(body)}\r\n{head}\r\n").encode() + body)
    assert kept.recv(65536).startswith(b"HTTP/1.1 200"), "the first request is served"
    assert silent.recv(1) == b"", "the silent connection is closed"  # blocks until then
    took = time.monotonic() - opened
    assert 0.9 <= took < 5, f"a silent connection closed after {took:.2f} s (first_byte_timeout 1 s)"
    # A keep-alive connection between requests waits for idle_timeout, not the first-byte one.
    assert not closed(kept)
    silent.close()
    kept.close()


def test_idle_connections_make_room_at_the_cap_oldest_first(gateway_factory):
    """20 idle connections fill max_connections = 20 (all from one address, as behind a
    load balancer). Five more connections and a real webhook each close the connection
    idle the longest, so the six oldest go and the webhook is accepted."""
    srcs = one_source()
    src = srcs["cap"]
    g = gateway_factory(srcs, server={"max_connections": 20, "first_byte_timeout_ms": 60000,
                                      "idle_timeout_ms": 60000})
    older = [socket.create_connection(("127.0.0.1", g.port), timeout=10) for _ in range(10)]
    assert wait_until(lambda: open_connections(g, "webhook") == 10, 10)
    newer = [socket.create_connection(("127.0.0.1", g.port), timeout=10) for _ in range(10)]
    assert wait_until(lambda: open_connections(g, "webhook") == 20, 10)
    newest = [socket.create_connection(("127.0.0.1", g.port), timeout=10) for _ in range(5)]
    body, headers = src.build(sample_event("user-joined"))
    try:
        r = g.post(src.path("user-joined"), body, headers, timeout=10)
    except OSError as e:
        raise AssertionError(f"a webhook at the connection cap was refused: {e!r}")
    assert r.status == 200, r
    assert wait_until(lambda: sum(closed(s) for s in older) >= 6, 10), \
        [closed(s) for s in older]
    # Oldest first: the queue follows the accept order, which is the connect order.
    assert [closed(s) for s in older] == [True] * 6 + [False] * 4
    assert not any(closed(s) for s in newer + newest), "a newer idle connection was closed"
    for s in older + newer + newest:
        s.close()
    g.assert_alive()


def test_idle_sockets_cannot_take_the_admin_listener_down(gateway_factory):
    """The admin listener (cap 256) makes room the same way: /healthz answers with 300
    idle sockets open on it."""
    raise_fd_limit(1024)
    g = gateway_factory(one_source(), server={"first_byte_timeout_ms": 60000})
    idle = [socket.create_connection(("127.0.0.1", g.admin_port), timeout=10) for _ in range(300)]
    try:
        r = http_request(g.admin_port, "GET", "/healthz", timeout=10)
    except OSError as e:
        raise AssertionError(f"/healthz failed with 300 idle admin sockets: {e!r}")
    assert r.status == 200, r
    assert wait_until(lambda: sum(closed(s) for s in idle) >= 300 - 256, 10)
    for s in idle:
        s.close()
