"""Hostile connection load: 2,000 connections that send nothing or drip their headers
one byte at a time. The gateway keeps serving normal requests meanwhile and closes each
hostile connection at its deadline (idle timeout, header timeout) — not before, and not
much after."""
from __future__ import annotations

import resource
import selectors
import socket
import statistics
import time

from conftest import Source, key_plain, sample_event, unique

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
                        server={"idle_timeout_ms": int(IDLE_TIMEOUT_S * 1000),
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
