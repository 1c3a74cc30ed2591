"""Backpressure: under overload the gateway answers 503 + Retry-After at once instead of
queueing without bound — for request bodies held in memory and for publishes waiting for
the broker — and every event it did answer 200 is in the queue."""
from __future__ import annotations

import resource
import selectors
import socket
import threading
import time

from conftest import RawConn, Source, key_plain, sample_event, unique, wait_until


def raise_fd_limit(need: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, need), hard))


def one_source() -> dict[str, Source]:
    k = key_plain()
    return {"bp": Source("bp", unique("bp"), "aes-256-gcm", [k[0]], [k[1]], [unique("apikey")],
                         "json", "base64")}


def test_bodies_beyond_the_memory_budget_are_refused_at_once(gateway_factory):
    """Bodies take from server.max_buffered_body_bytes as their bytes arrive: two
    bodies of 60,000 bytes that have sent all but their last byte hold about 120,000
    of 131,072 bytes, and a third body that does not fit is answered 503 + Retry-After
    as soon as its bytes exceed what is left."""
    srcs = one_source()
    src = srcs["bp"]
    g = gateway_factory(srcs, server={"max_body_bytes": 65536, "max_buffered_body_bytes": 131072,
                                      "retry_after_seconds": 3})
    _, headers = src.build(sample_event("user-joined"))
    head = (f"POST {src.path('user-joined')} HTTP/1.1\r\nHost: x\r\n"
            f"x-api-key: {headers['x-api-key']}\r\nx-encrypted: true\r\n"
            f"Content-Length: 60000\r\n\r\n").encode()
    def holder() -> RawConn:
        c = RawConn(g.port)
        c.send(head + b"{" * 59999)  # all but the last byte: held until the body ends or times out
        return c

    def answered(c: RawConn) -> bool:
        """The gateway answered or closed c (never waits)."""
        c.sock.setblocking(False)
        try:
            c.sock.recv(1, socket.MSG_PEEK)
            return True
        except (BlockingIOError, InterruptedError):
            return False
        except OSError:
            return True
        finally:
            c.sock.settimeout(5)

    slow = [holder(), holder()]

    def third_is_refused():
        # The gateway reads the two bodies as they come; once it holds them, a
        # third one meets the exhausted budget. A holder read while a third body
        # held the budget was refused in its place: it is replaced.
        for i, c in enumerate(slow):
            if answered(c):
                c.close()
                slow[i] = holder()
        with RawConn(g.port) as third:
            t0 = time.monotonic()
            third.send(head + b"x" * 60000)
            r = third.read_response()
            took = time.monotonic() - t0
            if r.status != 503:
                return None
            assert r.headers.get("retry-after") == "3"
            assert took < 1.0, f"refusal took {took:.2f} s"
            assert third.closed_by_peer(2)
            return r

    assert wait_until(third_is_refused, 10, interval=0.05), "no 503 with the budget held"
    # A small body still fits next to them.
    body, headers = src.build(sample_event("user-joined"))
    assert g.post(src.path("user-joined"), body, headers).status == 200
    for c in slow:
        c.close()

    def read_and_judged():
        with RawConn(g.port) as again:
            again.send(head + b"x" * 60000)
            return again.read_response().status in (400, 401)  # read and judged, not refused

    # Their share is given back when the connections end.
    assert wait_until(read_and_judged, 10, interval=0.05)


def hostile_heads(src: Source, n: int) -> list[bytes]:
    """Requests that announce a 1 MiB body: unknown sources, a wrong API key, none."""
    out = []
    for i in range(n):
        if i % 3 == 0:
            path, key = f"/webhooks/{unique('nosuch')}/user-joined", "whatever"
        elif i % 3 == 1:
            path, key = src.path("user-joined"), "wrong-key"
        else:
            path, key = src.path("user-joined"), None
        lines = [f"POST {path} HTTP/1.1", "Host: x", f"Content-Length: {1 << 20}",
                 "x-encrypted: true"] + ([f"x-api-key: {key}"] if key else [])
        out.append(("\r\n".join(lines) + "\r\n\r\n").encode())
    return out


def test_unauthenticated_bodies_hold_no_budget(gateway_factory):
    """300 connections that each announce a 1 MiB body to an unknown source or with a
    wrong or missing API key, and send one byte of it, are answered 404/401 from their
    header alone, before any of the body is read or budgeted: a real webhook is still
    accepted (before, they held 300 MiB of the 256 MiB budget for body_timeout)."""
    raise_fd_limit(2048)
    srcs = one_source()
    src = srcs["bp"]
    g = gateway_factory(srcs, server={"max_body_bytes": 1 << 20, "body_timeout_ms": 60000})
    hostile = []
    for head in hostile_heads(src, 300):
        c = RawConn(g.port, timeout=10)
        c.send(head + b"{")
        hostile.append(c)
    body, headers = src.build(sample_event("user-joined"))
    r = g.post(src.path("user-joined"), body, headers)
    assert r.status == 200, r
    statuses = [c.read_response().status for c in hostile]
    assert statuses == [404 if i % 3 == 0 else 401 for i in range(300)], statuses
    for c in hostile:
        assert c.closed_by_peer(10)
        c.close()


def test_trickling_bodies_below_the_minimum_rate_are_closed(gateway_factory):
    """300 connections with a valid API key that announce a 1 MiB body and trickle it
    at 2 bytes/s hold only what they sent, so real senders are served meanwhile; and
    each is closed once it falls behind server.min_body_bytes_per_second after the
    grace period, long before body_timeout."""
    raise_fd_limit(2048)
    srcs = one_source()
    src = srcs["bp"]
    grace_s, body_timeout_s = 1.0, 60.0
    g = gateway_factory(srcs, server={"max_body_bytes": 1 << 20, "min_body_bytes_per_second": 1000,
                                      "body_rate_grace_ms": int(grace_s * 1000),
                                      "body_timeout_ms": int(body_timeout_s * 1000)})
    _, headers = src.build(sample_event("user-joined"))
    head = (f"POST {src.path('user-joined')} HTTP/1.1\r\nHost: x\r\nx-api-key: {headers['x-api-key']}"
            f"\r\nx-encrypted: true\r\nContent-Length: {1 << 20}\r\n\r\n").encode()
    socks = []
    started: dict[int, float] = {}
    for _ in range(300):
        s = socket.create_connection(("127.0.0.1", g.port), timeout=5)
        s.sendall(head + b"{")
        started[s.fileno()] = time.monotonic()
        s.setblocking(False)
        socks.append(s)
    sel = selectors.DefaultSelector()
    for s in socks:
        sel.register(s, selectors.EVENT_READ)
    closed_after: dict[int, float] = {}
    statuses = []
    next_drip = next_post = time.monotonic()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and len(closed_after) < len(socks):
        now = time.monotonic()
        if now >= next_drip:
            for s in socks:
                if s.fileno() in closed_after:
                    continue
                try:
                    s.send(b"x")
                except (BlockingIOError, InterruptedError):
                    pass
                except OSError:
                    closed_after[s.fileno()] = now - started[s.fileno()]
            next_drip = now + 0.5
        if now >= next_post:  # a real sender is served meanwhile
            body, hdrs = src.build(sample_event("user-joined"))
            statuses.append(g.post(src.path("user-joined"), body, hdrs, timeout=10).status)
            next_post = time.monotonic() + 0.5
        for key, _ in sel.select(timeout=0.05):
            s = key.fileobj
            try:
                data = s.recv(4096)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                data = b""
            if not data:
                closed_after.setdefault(s.fileno(), time.monotonic() - started[s.fileno()])
                sel.unregister(s)
    for s in socks:
        s.close()
    g.assert_alive()
    assert statuses and set(statuses) == {200}, statuses
    assert len(closed_after) == len(socks), f"{len(socks) - len(closed_after)} tricklers still open"
    times = sorted(closed_after.values())
    assert times[0] >= grace_s * 0.9, times[0]
    assert times[-1] < body_timeout_s / 3, times[-1]
    print(f"\n300 tricklers closed after {times[0]:.2f}-{times[-1]:.2f} s; "
          f"{len(statuses)} real webhooks meanwhile, all 200")


def test_publish_overload_is_a_quick_503_and_loses_nothing(gateway_factory, reader):
    srcs = one_source()
    src = srcs["bp"]
    g = gateway_factory(srcs, amqp={"max_in_flight": 2})
    q = reader(f"returning.{src.name}.#")
    results: list[tuple[int, float, str]] = []
    lock = threading.Lock()

    def blast():
        for _ in range(40):
            eid = unique("bp")
            body, headers = src.build(sample_event("user-joined", eid))
            t0 = time.monotonic()
            r = g.post(src.path("user-joined"), body, headers)
            with lock:
                results.append((r.status, time.monotonic() - t0, eid))

    threads = [threading.Thread(target=blast) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    statuses = {s for s, _, _ in results}
    assert statuses <= {200, 503}, statuses
    refused = [took for s, took, _ in results if s == 503]
    accepted = {eid for s, _, eid in results if s == 200}
    assert refused, "16 senders against 2 publishes in flight should meet backpressure"
    assert max(refused) < 1.0, f"a 503 took {max(refused):.2f} s"
    got = {d.props.message_id for d in q.expect(len(accepted), timeout=30)}
    assert got == accepted
    print(f"\noverload: {len(accepted)} accepted and queued, {len(refused)} refused at once "
          f"(slowest refusal {max(refused) * 1000:.1f} ms)")
