"""Backpressure: under overload the gateway answers 503 + Retry-After at once instead of
queueing without bound — for request bodies held in memory and for publishes waiting for
the broker — and every event it did answer 200 is in the queue."""
from __future__ import annotations

import threading
import time

from conftest import RawConn, Source, key_plain, sample_event, unique


def one_source() -> dict[str, Source]:
    k = key_plain()
    return {"bp": Source("bp", unique("bp"), "aes-256-gcm", [k[0]], [k[1]], [unique("apikey")],
                         "json", "base64")}


def test_bodies_beyond_the_memory_budget_are_refused_at_once(gateway_factory):
    srcs = one_source()
    src = srcs["bp"]
    g = gateway_factory(srcs, server={"max_body_bytes": 65536, "max_buffered_body_bytes": 131072,
                                      "retry_after_seconds": 3})
    head = (f"POST {src.path('user-joined')} HTTP/1.1\r\nHost: x\r\n"
            f"Content-Length: 60000\r\n\r\n").encode()
    slow = [RawConn(g.port), RawConn(g.port)]
    for c in slow:  # two bodies of 60,000 bytes being uploaded slowly hold 120,000 bytes
        c.send(head + b"{")
    time.sleep(0.3)
    with RawConn(g.port) as third:
        t0 = time.monotonic()
        third.send(head)
        r = third.read_response()
        took = time.monotonic() - t0
        assert r.status == 503, r
        assert r.headers.get("retry-after") == "3"
        assert took < 1.0, f"refusal took {took:.2f} s"
        assert third.closed_by_peer(2)
    # A small body still fits next to them.
    body, headers = src.build(sample_event("user-joined"))
    assert g.post(src.path("user-joined"), body, headers).status == 200
    for c in slow:
        c.close()
    time.sleep(0.3)  # their reservations are given back when the connections end
    with RawConn(g.port) as again:
        again.send(head + b"x" * 60000)
        assert again.read_response().status in (400, 401)  # read and judged, not refused


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
