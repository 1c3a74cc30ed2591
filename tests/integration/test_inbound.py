"""Inbound webhooks end to end: HTTP in, RabbitMQ out (docs/wire-format.md §1-6, docs/configuration.md)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import re
import secrets
import socket
import subprocess
import time

import pytest

from conftest import (
    EVENT_KINDS,
    EVENTS_EXCHANGE,
    GATEWAY_BIN,
    REPO_ROOT,
    RFC3339,
    UNROUTED,
    Delivered,
    Gateway,
    RawConn,
    Response,
    Source,
    amqp_connect,
    bindings_matching,
    broker_stopped,
    declare_topology,
    encode,
    key_plain,
    reader_for,
    sample_event,
    sha256_hex,
    sign,
    to_toml,
    unique,
    wait_until,
)

# --------------------------------------------------------------------------- helpers


def assert_accepted(r: Response, event_id: str, event: str, duplicate: bool = False) -> None:
    assert r.status == 200, r
    j = r.json
    assert j.get("id") == event_id, r
    if duplicate:
        assert j.get("duplicate") is True, r
    else:
        assert j.get("status") == "accepted", r
        assert j.get("event") == event, r
        assert not j.get("duplicate"), r


def assert_rejected(r: Response, status: int, *must_not_contain: bytes | str) -> None:
    assert r.status == status, r
    j = r.json
    assert j.get("status") == "rejected", r
    assert isinstance(j.get("error"), str) and j["error"], r
    for secret in must_not_contain:
        s = secret.encode() if isinstance(secret, str) else secret
        assert s not in r.raw, f"error body leaks {s[:40]!r}: {r.raw!r}"


def assert_published(m: Delivered, src: Source, event: str, plaintext: bytes, event_id: str,
                     auth: set[str] = frozenset()) -> None:
    assert m.body == plaintext, "published body differs from the plaintext"
    assert m.exchange == EVENTS_EXCHANGE
    assert m.routing_key == src.routing_key(event)
    p = m.props
    assert p.delivery_mode == 2, "message is not persistent"
    assert p.content_type == "application/json"
    assert p.message_id == event_id
    assert p.type == event
    assert isinstance(p.timestamp, int) and abs(p.timestamp - time.time()) < 60, p.timestamp
    h = m.headers
    assert h.get("x-source") == src.name, h
    received = h.get("x-received-at")
    assert isinstance(received, str) and RFC3339.match(received), f"x-received-at {received!r}"
    when = dt.datetime.fromisoformat(received.replace("z", "Z").replace("Z", "+00:00"))
    assert abs(when.timestamp() - time.time()) < 60, received
    x_auth = h.get("x-auth")
    assert isinstance(x_auth, str) and x_auth, h
    tokens = {t.strip() for t in x_auth.split(",")}
    assert auth <= tokens, f"x-auth {x_auth!r} lacks {auth - tokens}"


def only_sentinel(gw: Gateway, q, logical: str) -> None:
    """Proves nothing else was published: post a valid event through `logical` and
    require it to be the only message on the test queue (one publisher channel keeps
    order, so anything published before it would come first)."""
    eid = unique("sentinel")
    r = gw.send(logical, sample_event("user-visited", eid), "user-visited", webhook_id=eid)
    assert_accepted(r, eid, "user-visited")
    msgs = []
    while not msgs or msgs[-1].props.message_id != eid:
        m = q.get(5)
        assert m is not None, f"sentinel never arrived; got {[m.props.message_id for m in msgs]}"
        msgs.append(m)
    assert [m.props.message_id for m in msgs] == [eid], \
        f"something besides the sentinel was published: {[(m.routing_key, m.props.message_id) for m in msgs]}"


def raw_request(method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None,
                content_length: bool = True) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    for k, v in (headers or {}).items():
        lines.append(f"{k}: {v}")
    if content_length:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


# --------------------------------------------------------------------------- accepted events


@pytest.mark.parametrize("kind", EVENT_KINDS)
def test_every_event_kind_on_path_route(gw, reader, kind):
    src = gw["gcm"]
    q = reader_for(reader, src)
    eid = unique("evt")
    pt = sample_event(kind, eid)
    r = gw.send("gcm", pt, kind)
    assert_accepted(r, eid, kind)
    [m] = q.expect(1)
    assert_published(m, src, kind, pt, eid, {"api-key", "gcm"})
    assert q.drain(0.2) == []


@pytest.mark.parametrize("field,value,expected", [
    ("event", "user-joined", "user-joined"),
    ("eventType", "USER_JOINED", "user-joined"),
    ("type", "user.joined", "user-joined"),
    ("event_type", "user_visited", "user-visited"),
    ("event", "MESSAGE_POSTED", "message-posted"),
    ("type", "channel.message.posted", "channel-message-posted"),
    ("eventType", "store_item_purchased", "store-item-purchased"),
    ("event", "userJoined", "user-joined"),
])
def test_generic_route_takes_event_from_payload(gw, reader, field, value, expected):
    src = gw["gcm"]
    q = reader_for(reader, src)
    eid = unique("evt")
    pt = sample_event(expected, eid, event_field=field, event_value=value)
    r = gw.send("gcm", pt)  # POST /webhooks/{source}
    assert_accepted(r, eid, expected)
    [m] = q.expect(1)
    assert_published(m, src, expected, pt, eid, {"api-key", "gcm"})


def test_path_event_wins_over_payload_field(gw, reader):
    src = gw["gcm"]
    q = reader_for(reader, src)
    eid = unique("evt")
    pt = sample_event("user-joined", eid, event_field="event", event_value="store-item-purchased")
    assert_accepted(gw.send("gcm", pt, "user-joined"), eid, "user-joined")
    [m] = q.expect(1)
    assert m.routing_key == src.routing_key("user-joined")


def test_duplicate_is_published_once(gw, reader):
    src = gw["gcm"]
    q = reader_for(reader, src, gw["auto"])
    eid = unique("dup")
    pt = sample_event("user-joined", eid)
    assert_accepted(gw.send("gcm", pt, "user-joined"), eid, "user-joined")
    # same event again (a fresh IV, as a retrying sender would produce)
    r2 = gw.send("gcm", pt, "user-joined")
    assert_accepted(r2, eid, "user-joined", duplicate=True)
    # and through the generic route
    pt3 = sample_event("user-joined", eid, event_field="event")
    assert_accepted(gw.send("gcm", pt3), eid, "user-joined", duplicate=True)
    [m] = q.expect(1)
    assert m.props.message_id == eid and m.routing_key == src.routing_key("user-joined")
    # dedupe is per source: the same id from another source is a new event
    assert_accepted(gw.send("auto", pt, "user-joined"), eid, "user-joined")
    [m2] = q.expect(1)
    assert m2.routing_key == gw["auto"].routing_key("user-joined")
    assert q.drain(0.3) == []


def test_duplicate_by_webhook_id_header(gw, reader):
    src = gw["signed"]
    q = reader_for(reader, src)
    wid = unique("wh")
    # two different payloads with the same webhook-id: the header is the event id
    r1 = gw.send("signed", sample_event("user-visited", unique("a")), "user-visited", webhook_id=wid)
    assert_accepted(r1, wid, "user-visited")
    r2 = gw.send("signed", sample_event("user-visited", unique("b")), "user-visited", webhook_id=wid)
    assert_accepted(r2, wid, "user-visited", duplicate=True)
    [m] = q.expect(1)
    assert m.props.message_id == wid
    assert q.drain(0.3) == []


def test_unbound_routing_key_lands_in_unrouted_queue(gw):
    src = gw["unbound"]
    rk = src.routing_key("store-item-purchased")
    taken = bindings_matching(rk)
    if taken:
        pytest.skip(f"a binding on {EVENTS_EXCHANGE} would route {rk}: {taken} (catch-all queue on this broker)")
    eid = unique("unrouted")
    pt = sample_event("store-item-purchased", eid)
    assert_accepted(gw.send("unbound", pt, "store-item-purchased"), eid, "store-item-purchased")

    conn = amqp_connect()
    try:
        ch = conn.channel()
        declare_topology(ch)
        found = None
        others = []
        deadline = time.monotonic() + 10
        while found is None and time.monotonic() < deadline:
            # walk the queue holding everything unacked, so each message is seen once
            for _ in range(10000):
                method, props, body = ch.basic_get(UNROUTED, auto_ack=False)
                if method is None:
                    break
                if props.message_id == eid and found is None:
                    found = (method, props, body)
                    break
                others.append(method.delivery_tag)
            for tag in others:
                ch.basic_nack(tag, requeue=True)
            others = []
            if found is None:
                conn.sleep(0.2)
        assert found is not None, f"message {eid} not found in {UNROUTED}"
        method, props, body = found
        ch.basic_ack(method.delivery_tag)
        assert body == pt
        assert method.routing_key == rk
        assert props.delivery_mode == 2 and props.type == "store-item-purchased"
    finally:
        conn.close()


# --------------------------------------------------------------------------- layouts, modes, keys


@pytest.mark.parametrize("layout,encoding,iv_len", [
    ("json", "base64", 12),
    ("json", "b64nopad", 12),
    ("json", "b64url", 12),
    ("json", "b64urlnopad", 12),
    ("json", "hex", 12),
    ("json", "base64", 16),
    ("compact", "base64", 12),
    ("compact", "hex", 12),
    ("raw", "base64", 12),
    ("raw", "hex", 12),
    ("raw", "HEX", 12),
    ("header-iv", "base64", 12),
    ("header-iv", "hex", 12),
])
def test_auto_layout_and_encoding(gw, reader, layout, encoding, iv_len):
    src = gw["auto"]
    q = reader_for(reader, src)
    eid = unique("evt")
    pt = sample_event("message-posted", eid)
    r = gw.send("auto", pt, "message-posted", layout=layout, encoding=encoding, iv_len=iv_len)
    assert_accepted(r, eid, "message-posted")
    [m] = q.expect(1)
    assert_published(m, src, "message-posted", pt, eid, {"api-key", "gcm"})


@pytest.mark.parametrize("data_field,tag_field", [
    ("data", "tag"),
    ("ciphertext", "authTag"),
    ("encryptedData", "auth_tag"),
    ("encrypted", "tag"),
    ("content", "authTag"),
])
def test_json_field_aliases(gw, reader, data_field, tag_field):
    src = gw["gcm"]
    q = reader_for(reader, src)
    eid = unique("evt")
    pt = sample_event("user-visited", eid)
    r = gw.send("gcm", pt, "user-visited", data_field=data_field, tag_field=tag_field)
    assert_accepted(r, eid, "user-visited")
    [m] = q.expect(1)
    assert m.body == pt


@pytest.mark.parametrize("alg_field,alg", [("alg", "aes-256-gcm"), ("mode", "AES_256_GCM"), ("alg", "Aes256Gcm")])
def test_json_alg_field_matching_mode(gw, reader, alg_field, alg):
    q = reader_for(reader, gw["gcm"])
    eid = unique("evt")
    r = gw.send("gcm", sample_event("user-joined", eid), "user-joined", json_extra={alg_field: alg})
    assert_accepted(r, eid, "user-joined")
    q.expect(1)


@pytest.mark.parametrize("encoding", ["base64", "b64nopad"])
def test_cbc_compact_source(gw, reader, encoding):
    src = gw["cbc"]
    q = reader_for(reader, src)
    for kind in ("user-joined", "store-item-purchased"):
        eid = unique("cbc")
        pt = sample_event(kind, eid)
        assert_accepted(gw.send("cbc", pt, kind, encoding=encoding), eid, kind)
        [m] = q.expect(1)
        assert_published(m, src, kind, pt, eid, {"api-key"})


@pytest.mark.parametrize("encoding", ["base64", "hex"])
def test_cbc_json_source_ignores_tag_and_accepts_alg(gw, reader, encoding):
    src = gw["cbcjson"]
    q = reader_for(reader, src)
    eid = unique("cbc")
    pt = sample_event("channel-message-posted", eid)
    extra = {"tag": encode(os.urandom(16), encoding), "alg": "AES-256-CBC"}
    r = gw.send("cbcjson", pt, "channel-message-posted", encoding=encoding, json_extra=extra)
    assert_accepted(r, eid, "channel-message-posted")
    [m] = q.expect(1)
    assert_published(m, src, "channel-message-posted", pt, eid, {"api-key"})


def test_header_iv_source(gw, reader):
    src = gw["hdr"]
    q = reader_for(reader, src)
    eid = unique("hdr")
    pt = sample_event("user-joined", eid)
    body, headers = src.build(pt)
    assert "x-webhook-iv" in headers
    assert_accepted(gw.post(src.path("user-joined"), body, headers), eid, "user-joined")
    [m] = q.expect(1)
    assert_published(m, src, "user-joined", pt, eid, {"api-key", "gcm"})
    # without its IV header the body cannot be taken apart
    body, headers = src.build(sample_event("user-joined"))
    del headers["x-webhook-iv"]
    assert_rejected(gw.post(src.path("user-joined"), body, headers), 400)
    only_sentinel(gw, q, "hdr")


def test_raw_hex_source(gw, reader):
    src = gw["rawhex"]
    q = reader_for(reader, src)
    eid = unique("raw")
    pt = sample_event("store-item-purchased", eid)
    body, headers = src.build(pt)
    assert all(c in b"0123456789abcdef" for c in body)
    assert_accepted(gw.post(src.path("store-item-purchased"), body, headers), eid, "store-item-purchased")
    [m] = q.expect(1)
    assert_published(m, src, "store-item-purchased", pt, eid, {"api-key", "gcm"})


def test_key_rotation(gw, reader):
    src = gw["rotate"]
    q = reader_for(reader, src)
    ids = []
    for key_index in (0, 1):
        for api_key in src.api_keys:
            eid = unique(f"rot{key_index}")
            ids.append(eid)
            r = gw.send("rotate", sample_event("user-visited", eid), "user-visited",
                        key_index=key_index, api_key=api_key)
            assert_accepted(r, eid, "user-visited")
    msgs = q.expect(len(ids))
    assert [m.props.message_id for m in msgs] == ids


def test_signed_source(gw, reader):
    src = gw["signed"]
    q = reader_for(reader, src)
    wid = unique("wh")
    pt = sample_event("message-posted", unique("payload-id"))
    r = gw.send("signed", pt, "message-posted", webhook_id=wid)
    assert_accepted(r, wid, "message-posted")  # webhook-id is the event id
    [m] = q.expect(1)
    assert_published(m, src, "message-posted", pt, wid, {"signature", "gcm"})
    # several signatures, one of them valid (secret rotation on the sender's side)
    wid2 = unique("wh")
    ts = int(time.time())
    body, headers = src.build(pt, webhook_id=wid2, timestamp=ts)
    good = sign(src.signing_secret, wid2, ts, body)
    bad = "v1," + base64.b64encode(os.urandom(32)).decode()
    headers["webhook-signature"] = f"{bad} {good}"
    assert_accepted(gw.post(src.path("message-posted"), body, headers), wid2, "message-posted")
    q.expect(1)


def test_unencrypted_source(gw, reader):
    src = gw["plain"]
    q = reader_for(reader, src)
    eid = unique("plain")
    pt = sample_event("user-joined", eid)
    body, headers = src.build(pt)
    assert body == pt and "x-encrypted" not in headers
    assert_accepted(gw.post(src.path("user-joined"), body, headers), eid, "user-joined")
    [m] = q.expect(1)
    assert_published(m, src, "user-joined", pt, eid, {"api-key"})


# --------------------------------------------------------------------------- trace context (docs/wire-format.md §8)

TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")


def post_traced(gw: Gateway, eid: str, trace_headers: dict[str, str]):
    """POSTs a plaintext event with the given trace headers; returns its published message."""
    src = gw["plain"]
    body, headers = src.build(sample_event("user-joined", eid))
    headers.update(trace_headers)
    assert_accepted(gw.post(src.path("user-joined"), body, headers), eid, "user-joined")
    return src, body


def test_traceparent_is_carried_to_the_published_message(gw, reader):
    src = gw["plain"]
    q = reader_for(reader, src)
    eid = unique("traced")
    trace, parent = secrets.token_hex(16), secrets.token_hex(8)
    post_traced(gw, eid, {"traceparent": f"00-{trace}-{parent}-01",
                          "tracestate": "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"})
    [m] = q.expect(1)
    assert m.props.message_id == eid
    got = TRACEPARENT.match(str(m.headers.get("traceparent")))
    assert got, m.headers
    # The same trace; the parent is now the gateway's own span.
    assert got.group(1) == trace and got.group(2) != parent and got.group(3) == "01", got.group(0)
    assert m.headers.get("tracestate") == "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE", m.headers
    # The access line names the trace.
    assert wait_until(lambda: f"id={eid} trace_id={trace}" in gw.stderr_path.read_text(errors="replace"),
                      5), gw.output()


def test_malformed_or_missing_traceparent_is_replaced_by_a_new_trace(gw, reader):
    src = gw["plain"]
    q = reader_for(reader, src)
    zero_trace = "00-" + "0" * 32 + "-00f067aa0ba902b7-01"
    upper = "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01"
    cases = [{"traceparent": zero_trace, "tracestate": "rojo=1"},
             {"traceparent": upper},
             {"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra"},
             {}]
    ids = []
    for i, case in enumerate(cases):
        eid = unique(f"badtrace{i}")
        ids.append(eid)
        post_traced(gw, eid, case)
    msgs = q.expect(len(cases))
    assert [m.props.message_id for m in msgs] == ids
    traces = set()
    for m, case in zip(msgs, cases):
        got = TRACEPARENT.match(str(m.headers.get("traceparent")))
        assert got, (case, m.headers)
        assert got.group(1) not in ("0" * 32, "4bf92f3577b34da6a3ce929d0e0e4736"), (case, got.group(0))
        assert got.group(3) == "01"
        assert "tracestate" not in m.headers, (case, m.headers)
        traces.add(got.group(1))
    assert len(traces) == len(cases), "a new trace per event"


# --------------------------------------------------------------------------- event ids


def test_event_id_sources(gw, reader):
    src = gw["gcm"]
    q = reader_for(reader, src)

    def check(pt: bytes, expected_id: str, **kw) -> None:
        r = gw.send("gcm", pt, "user-joined", **kw)
        assert_accepted(r, expected_id, "user-joined")
        [m] = q.expect(1)
        assert m.props.message_id == expected_id

    # unsigned headers never decide the id (docs/wire-format.md §4): x-event-id and a
    # webhook-id the source does not verify are ignored, the payload id wins
    fid = unique("field")
    check(sample_event("user-joined", fid), fid,
          headers={"x-event-id": unique("hdr-id"), "webhook-id": unique("wh")})
    # payload fields
    for name in ("id", "_id", "eventId", "event_id"):
        fid = unique(name)
        check(sample_event("user-joined", fid, id_field=name), fid)
    # a number written in decimal
    n = int.from_bytes(os.urandom(6), "big")
    pt = f'{{"id": {n}, "user": {{"id": "u"}}}}'.encode()
    check(pt, str(n))
    # no id at all: sha256 of the plaintext
    pt = sample_event("user-joined", id_field=None, extra=f', "nonce":"{unique("n")}"')
    check(pt, sha256_hex(pt))
    # an integer wider than 64 bits, as written (RFC 8259 sets no size)
    big = "1" + "".join(str(b % 10) for b in os.urandom(30))
    pt = f'{{"id": {big}, "score": 1.50e2, "n": -0, "user": {{"id": "u"}}}}'.encode()
    check(pt, big)
    # an id over 200 bytes
    long_id = "L" * 150 + unique("x") * 10
    assert len(long_id.encode()) > 200
    check(sample_event("user-joined", long_id), "sha256:" + sha256_hex(long_id.encode()))
    # an id that is not printable UTF-8 (an escaped C1 control) is hashed too
    odd = unique("c1") + "\u009b"
    pt = f'{{"id": "{odd}", "user": {{"id": "u"}}}}'.encode()
    check(pt, "sha256:" + sha256_hex(json.loads(pt)["id"].encode()))
    # a signed webhook-id decides
    sq = reader_for(reader, gw["signed"])
    wid = unique("wh")
    r = gw.send("signed", sample_event("user-joined", unique("field")), "user-joined", webhook_id=wid)
    assert_accepted(r, wid, "user-joined")
    [m] = sq.expect(1)
    assert m.props.message_id == wid


def test_replay_with_fresh_headers_is_a_duplicate(gw, reader):
    """A captured request re-sent with a fresh x-event-id / unsigned webhook-id
    is the same event: it is answered as a duplicate and not published again."""
    q = reader_for(reader, gw["gcm"], gw["plain"])
    for logical in ("gcm", "plain"):
        src = gw[logical]
        for pt in (sample_event("user-joined", unique("replay")),
                   sample_event("user-joined", id_field=None, extra=f', "nonce":"{unique("n")}"')):
            body, headers = src.build(pt)
            first = gw.post(src.path("user-joined"), body, headers)
            assert first.status == 200, first
            eid = first.json["id"]
            q.expect(1)
            for fresh in ({"x-event-id": unique("fresh")}, {"webhook-id": unique("fresh")},
                          {"x-event-id": unique("f"), "webhook-id": unique("f")}):
                replay = gw.post(src.path("user-joined"), body, {**headers, **fresh})
                assert_accepted(replay, eid, "user-joined", duplicate=True)
    assert q.drain(0.3) == []


# --------------------------------------------------------------------------- rejections


def _bad_json_envelope(gw):
    src = gw["gcm"]
    body = json.dumps({"iv": encode(os.urandom(12), "base64"), "tag": encode(os.urandom(16), "base64")}).encode()
    _, headers = src.build(b"{}")
    return gw.post(src.path("user-joined"), body, headers)


def _bad_encoding(gw):
    src = gw["gcm"]
    body = b'{"iv": "***not base64***", "data": "%%%%", "tag": "@@@@"}'
    _, headers = src.build(b"{}")
    return gw.post(src.path("user-joined"), body, headers)


def _too_short(gw):
    src = gw["rawhex"]
    _, headers = src.build(b"{}")
    return gw.post(src.path("user-joined"), os.urandom(10).hex().encode(), headers)


def _not_json_object(gw):
    return gw.send("gcm", b"[1, 2, 3]", "user-joined")


def _not_json_at_all(gw):
    return gw.send("gcm", b"hello, not json", "user-joined")


def _cbc_bad_length(gw):
    src = gw["cbc"]
    _, headers = src.build(b"{}")
    body = (encode(os.urandom(16), "base64") + ":" + encode(os.urandom(20), "base64")).encode()
    return gw.post(src.path("user-joined"), body, headers)


def _garbage_with(gw, logical: str, **kw):
    """An undecodable body with bad credentials: credentials are checked before any
    decryption, so this is 401, not 400."""
    src = gw[logical]
    _, headers = src.build(b"{}", **kw)
    return gw.post(src.path("user-joined"), b'{"iv": "%%%", "data": 7}', headers)


def _mode_mismatch(gw):
    return gw.send("gcm", sample_event("user-joined"), "user-joined", json_extra={"alg": "aes-256-cbc"})


def _raw_bytes(gw, path_suffix: str, method: str = "POST"):
    src = gw["gcm"]
    body, headers = src.build(sample_event("user-joined"))
    return gw.request(method, src.path() + path_suffix, body, headers)


REJECTIONS = {
    # name: (source whose queue must stay empty, request, status)
    "bad-api-key": ("gcm", lambda gw: gw.send("gcm", sample_event("user-joined"), "user-joined",
                                              api_key="not-the-key"), 401),
    "missing-api-key": ("gcm", lambda gw: gw.send("gcm", sample_event("user-joined"), "user-joined",
                                                  api_key=None), 401),
    "wrong-aes-key": ("gcm", lambda gw: gw.send("gcm", sample_event("user-joined"), "user-joined",
                                                key=os.urandom(32)), 401),
    "tampered-tag": ("gcm", lambda gw: gw.send("gcm", sample_event("user-joined"), "user-joined",
                                               tamper="tag"), 401),
    "tampered-ciphertext": ("gcm", lambda gw: gw.send("gcm", sample_event("user-joined"), "user-joined",
                                                      tamper="ciphertext"), 401),
    "tampered-iv": ("gcm", lambda gw: gw.send("gcm", sample_event("user-joined"), "user-joined",
                                              tamper="iv"), 401),
    "cbc-wrong-key": ("cbc", lambda gw: gw.send("cbc", sample_event("user-joined"), "user-joined",
                                                key=os.urandom(32)), 401),
    "api-key-checked-before-envelope": ("gcm", lambda gw: _garbage_with(gw, "gcm", api_key="nope"), 401),
    "signature-checked-before-envelope": ("signed", lambda gw: _garbage_with(
        gw, "signed", signature="v1," + base64.b64encode(os.urandom(32)).decode()), 401),
    "cbc-bad-api-key": ("cbc", lambda gw: gw.send("cbc", sample_event("user-joined"), "user-joined",
                                                  api_key="nope"), 401),
    "x-encrypted-missing": ("gcm", lambda gw: gw.send("gcm", sample_event("user-joined"), "user-joined",
                                                      encrypted_header=None), 401),
    "plaintext-to-encrypted-source": ("gcm", lambda gw: gw.send("gcm", sample_event("user-joined"),
                                                                "user-joined", encrypt=False), 401),
    "bad-envelope-missing-data": ("gcm", _bad_json_envelope, 400),
    "bad-envelope-encoding": ("gcm", _bad_encoding, 400),
    "envelope-too-short": ("rawhex", _too_short, 400),
    "gcm-plaintext-not-object": ("gcm", _not_json_object, 400),
    "gcm-plaintext-not-json": ("gcm", _not_json_at_all, 400),
    "alg-mode-mismatch": ("gcm", _mode_mismatch, 400),
    "gcm-plaintext-bad-utf8": ("gcm", lambda gw: gw.send("gcm", b'{"id":"x","name":"\xff\xfe"}', "user-joined"), 400),
    "gcm-iv-8-bytes": ("gcm", lambda gw: gw.send("gcm", sample_event("user-joined"), "user-joined", iv_len=8), 401),
    "cbc-length-not-block-multiple": ("cbc", _cbc_bad_length, 401),
    "cbc-plaintext-not-object": ("cbc", lambda gw: gw.send("cbc", b'["not", "an", "object"]', "user-joined"), 401),
    "unknown-event": ("gcm", lambda gw: _raw_bytes(gw, "/user-left"), 404),
    "extra-path-segment": ("gcm", lambda gw: _raw_bytes(gw, "/user-joined/more"), 404),
    "get-method": ("gcm", lambda gw: _raw_bytes(gw, "/user-joined", "GET"), 405),
    "put-method": ("gcm", lambda gw: _raw_bytes(gw, "/user-joined", "PUT"), 405),
    "missing-event-type": ("gcm", lambda gw: gw.send("gcm", sample_event("user-joined")), 422),
    "unknown-event-type": ("gcm", lambda gw: gw.send("gcm", sample_event("user-joined", event_field="event",
                                                                         event_value="user-left")), 422),
    "bad-signature": ("signed", lambda gw: gw.send("signed", sample_event("user-joined"), "user-joined",
                                                   signature="v1," + base64.b64encode(os.urandom(32)).decode()), 401),
    "signature-missing": ("signed", lambda gw: gw.send("signed", sample_event("user-joined"), "user-joined",
                                                       sign_body=False), 401),
    "stale-timestamp": ("signed", lambda gw: gw.send("signed", sample_event("user-joined"), "user-joined",
                                                     timestamp=int(time.time()) - 3600), 401),
    "future-timestamp": ("signed", lambda gw: gw.send("signed", sample_event("user-joined"), "user-joined",
                                                      timestamp=int(time.time()) + 3600), 401),
    "plain-source-bad-api-key": ("plain", lambda gw: gw.send("plain", sample_event("user-joined"), "user-joined",
                                                             api_key="nope"), 401),
}


@pytest.mark.parametrize("case", list(REJECTIONS))
def test_rejected_requests_publish_nothing(gw, reader, case):
    logical, do, status = REJECTIONS[case]
    src = gw[logical]
    q = reader_for(reader, src)
    r = do(gw)
    secrets_ = [k for k in src.key_strings] + list(src.api_keys) + ([src.whsec] if src.whsec else [])
    assert_rejected(r, status, *secrets_, b'"user":')
    only_sentinel(gw, q, logical)


def test_unknown_source_is_404(gw, reader):
    name = unique("nosuch")
    q = reader(f"returning.{name}.#", f"returning.{gw['gcm'].name}.#")
    body, headers = gw["gcm"].build(sample_event("user-joined"))
    assert_rejected(gw.post(f"/webhooks/{name}/user-joined", body, headers), 404)
    assert_rejected(gw.post(f"/webhooks/{name}", body, headers), 404)
    only_sentinel(gw, q, "gcm")


def test_oversize_body_with_declared_length_is_413(gw, reader):
    src = gw["gcm"]
    q = reader_for(reader, src)
    _, headers = src.build(b"{}")
    # the shared gateway has max_body_bytes = 65536: only the head is sent, the
    # declared length alone must be refused
    with RawConn(gw.port) as c:
        c.send(raw_request("POST", src.path("user-joined"), b"", {**headers, "Content-Length": "70000"},
                           content_length=False))
        r = c.read_response()
    assert r.status == 413, r
    # a whole oversize body sent in full (encrypted, otherwise valid)
    pt = sample_event("user-joined", extra=', "pad":"' + "x" * 70000 + '"')
    body, headers = src.build(pt)
    try:
        r = gw.post(src.path("user-joined"), body, headers)
        assert r.status == 413, r
    except (ConnectionResetError, BrokenPipeError):
        pass  # the gateway may close before reading it all; it must not publish it
    only_sentinel(gw, q, "gcm")


# --------------------------------------------------------------------------- hostile HTTP


def _valid_raw(gw, logical: str = "gcm", event: str = "user-joined", eid: str | None = None) -> tuple[bytes, str]:
    src = gw[logical]
    eid = eid or unique("raw")
    body, headers = src.build(sample_event(event, eid))
    return raw_request("POST", src.path(event), body, headers), eid


def _hostile(gw, head_lines: list[str], body: bytes) -> tuple[Response, bool]:
    src = gw["gcm"]
    enc_body, headers = src.build(sample_event("user-joined"))
    lines = [f"POST {src.path('user-joined')} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{k}: {v}" for k, v in headers.items()] + head_lines
    with RawConn(gw.port) as c:
        c.send(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        r = c.read_response()
        closed = c.closed_by_peer(5)
    return r, closed


def test_content_length_and_transfer_encoding_is_400_and_closes(gw, reader):
    q = reader_for(reader, gw["gcm"])
    r, closed = _hostile(gw, ["Content-Length: 5", "Transfer-Encoding: chunked"], b"0\r\n\r\n")
    assert r.status == 400, r
    assert closed, "connection left open after a CL+TE request"
    only_sentinel(gw, q, "gcm")


def test_two_different_content_lengths_is_400(gw):
    r, closed = _hostile(gw, ["Content-Length: 5", "Content-Length: 6"], b"{}{}{}")
    assert r.status == 400, r
    assert closed


@pytest.mark.parametrize("te", ["gzip", "chunked, gzip", "identity"])
def test_transfer_encoding_not_ending_in_chunked_is_400(gw, te):
    r, closed = _hostile(gw, [f"Transfer-Encoding: {te}"], b"{}")
    assert r.status == 400, r
    assert closed


def test_header_block_over_limit_is_431(gw):
    src = gw["gcm"]
    body, headers = src.build(sample_event("user-joined"))
    headers["X-Padding"] = "p" * 20000  # default max_header_bytes 16384
    with RawConn(gw.port) as c:
        c.send(raw_request("POST", src.path("user-joined"), body, headers))
        r = c.read_response()
    assert r.status == 431, r


def test_request_target_over_limit_is_414(gw):
    src = gw["gcm"]
    body, headers = src.build(sample_event("user-joined"))
    path = src.path("user-joined") + "?q=" + "a" * 5000  # default max_target_bytes 4096
    with RawConn(gw.port) as c:
        c.send(raw_request("POST", path, body, headers))
        r = c.read_response()
    assert r.status == 414, r


def test_pipelined_requests_answered_in_order(gw, reader):
    q = reader_for(reader, gw["gcm"])
    req1, id1 = _valid_raw(gw, event="user-joined")
    req2, id2 = _valid_raw(gw, event="user-visited")
    bad = b"THIS IS NOT HTTP\r\n\r\n"
    with RawConn(gw.port, timeout=10) as c:
        c.send(req1 + req2 + bad)
        r1, r2, r3 = c.read_response(), c.read_response(), c.read_response()
        closed = c.closed_by_peer(5)
    assert r1.status == 200 and r1.json["id"] == id1, r1
    assert r2.status == 200 and r2.json["id"] == id2, r2
    assert r3.status == 400, r3
    assert closed
    assert [m.props.message_id for m in q.expect(2)] == [id1, id2]


def test_keep_alive_serves_several_requests(gw, reader):
    q = reader_for(reader, gw["gcm"])
    ids = []
    with RawConn(gw.port) as c:
        for kind in EVENT_KINDS:
            req, eid = _valid_raw(gw, event=kind)
            ids.append(eid)
            c.send(req)
            r = c.read_response()
            assert_accepted(r, eid, kind)
            assert r.headers.get("connection", "").lower() != "close", r.headers
        assert not c.closed_by_peer(0.3)
    assert [m.props.message_id for m in q.expect(len(ids))] == ids


def test_chunked_request_body_accepted(gw, reader):
    src = gw["gcm"]
    q = reader_for(reader, src)
    eid = unique("chunked")
    pt = sample_event("store-item-purchased", eid)
    body, headers = src.build(pt)
    cuts = [0, 7, len(body) // 2, len(body)]
    chunked = b"".join(b"%x\r\n%s\r\n" % (b - a, body[a:b]) for a, b in zip(cuts, cuts[1:])) + b"0\r\n\r\n"
    with RawConn(gw.port) as c:
        c.send(raw_request("POST", src.path("store-item-purchased"), chunked,
                           {**headers, "Transfer-Encoding": "chunked"}, content_length=False))
        r = c.read_response()
    assert_accepted(r, eid, "store-item-purchased")
    [m] = q.expect(1)
    assert m.body == pt


def test_slowloris_closed_at_header_timeout(gateway_factory, reader):
    g = gateway_factory(server={"header_timeout_ms": 1000})
    q = reader_for(reader, g["gcm"])
    slow = socket.create_connection(("127.0.0.1", g.port), timeout=5)
    head = f"POST {g['gcm'].path('user-joined')} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ".encode()
    start = time.monotonic()
    closed_at = None
    served = None
    i = 0
    try:
        slow.sendall(head[:10])
        rest = head[10:] + b"a" * 10000
        while time.monotonic() - start < 6:
            if served is None and time.monotonic() - start > 0.4:
                # a normal client is served while the slow one dribbles
                eid = unique("normal")
                t0 = time.monotonic()
                r = g.send("gcm", sample_event("user-joined", eid), "user-joined")
                served = (r, eid, time.monotonic() - t0)
            try:
                slow.sendall(rest[i:i + 1])
                i += 1
            except (BrokenPipeError, ConnectionResetError):
                closed_at = time.monotonic() - start
                break
            slow.settimeout(0.1)
            try:
                data = slow.recv(4096)
                if not data:
                    closed_at = time.monotonic() - start
                    break
                # a 408 may come first; keep reading until the close
            except socket.timeout:
                pass
            except ConnectionResetError:
                closed_at = time.monotonic() - start
                break
    finally:
        slow.close()
    assert closed_at is not None, "slow header client still connected after 6 s (header_timeout_ms = 1000)"
    assert 0.8 <= closed_at <= 3.0, f"closed after {closed_at:.2f} s, expected about 1 s"
    assert served is not None
    r, eid, took = served
    assert_accepted(r, eid, "user-joined")
    assert took < 1.0, f"normal client took {took:.2f} s while a slowloris was connected"
    q.expect(1)


# --------------------------------------------------------------------------- --check-config


def _check_config(path, env=None) -> subprocess.CompletedProcess:
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([str(GATEWAY_BIN), "--check-config", "--config", str(path)],
                          capture_output=True, text=True, timeout=30, env=e)


def _minimal_config(tmp_path, source: dict) -> str:
    return to_toml({
        "server": {"listen": "127.0.0.1:1", "admin_listen": "127.0.0.1:2"},
        "amqp": {"url": "amqp://guest:guest@127.0.0.1:5672/"},
        "spool": {"dir": str(tmp_path / "spool")},
        "sources.s1": source,
    })


def test_check_config_example_file():
    example = REPO_ROOT / "deploy" / "gateway.example.toml"
    if not example.exists():
        pytest.skip(f"{example} does not exist yet")
    r = _check_config(example)
    assert r.returncode == 0, f"--check-config failed on {example}: {r.stderr}"


def test_check_config_accepts_generated_config(gw):
    r = _check_config(gw.config_path)
    assert r.returncode == 0, r.stderr
    out = r.stdout + r.stderr
    for s in gw.sources.values():
        for secret in s.key_strings + s.api_keys + ([s.whsec] if s.whsec else []):
            assert secret not in out


def test_check_config_secret_env_and_file_forms(tmp_path):
    k1, k1s = key_plain()
    k2, k2s = key_plain()
    (tmp_path / "keys").write_text(f"{k1s}\n{k2s}\n")
    (tmp_path / "api").write_text("api-key-from-file\n")
    for f in ("keys", "api"):
        (tmp_path / f).chmod(0o600)  # a secret file others may read is refused
    cfg = tmp_path / "c.toml"
    cfg.write_text(_minimal_config(tmp_path, {"mode": "aes-256-gcm", "keys_file": str(tmp_path / "keys"),
                                              "api_keys_env": "RAI_IT_API_KEYS"}))
    r = _check_config(cfg, {"RAI_IT_API_KEYS": "api-key-from-env"})
    assert r.returncode == 0, r.stderr
    cfg.write_text(_minimal_config(tmp_path, {"mode": "aes-256-cbc", "keys_env": "RAI_IT_KEY",
                                              "api_keys_file": str(tmp_path / "api")}))
    r = _check_config(cfg, {"RAI_IT_KEY": k1s})
    assert r.returncode == 0, r.stderr


def test_check_config_warns_about_weakly_authenticated_sources(tmp_path):
    """Valid but weak: a GCM source with neither api_keys nor signing_secret (the tag is
    its only authentication) and a CBC source without a signing secret are named by
    --check-config (exit 0) and logged as warnings at start."""
    _, k = key_plain()
    cfg = tmp_path / "c.toml"
    cfg.write_text(_minimal_config(tmp_path, {"mode": "aes-256-gcm", "keys": [k]}))
    r = _check_config(cfg)
    assert r.returncode == 0, r.stderr
    assert "warning: sources.s1: neither api_keys nor signing_secret: the AES-GCM tag is its only" in r.stderr
    cfg.write_text(_minimal_config(tmp_path, {"mode": "aes-256-cbc", "keys": [k], "api_keys": ["a"]}))
    r = _check_config(cfg)
    assert r.returncode == 0 and "warning: sources.s1: aes-256-cbc without signing_secret" in r.stderr, r.stderr
    assert k not in r.stderr
    cfg.write_text(_minimal_config(tmp_path, {"mode": "aes-256-gcm", "keys": [k], "api_keys": ["a"]}))
    r = _check_config(cfg)
    assert r.returncode == 0 and "warning" not in r.stderr, r.stderr


@pytest.mark.parametrize("case", ["short-key", "bad-hex", "bad-base64", "cbc-without-auth", "two-forms",
                                  "missing-env"])
def test_check_config_rejects(tmp_path, case):
    secret = "S3cr3t-" + unique("v")  # never to be echoed
    good_key = key_plain()[1]
    sources = {
        "short-key": ({"mode": "aes-256-gcm", "keys": [secret], "api_keys": ["a"]}, "keys"),
        "bad-hex": ({"mode": "aes-256-gcm", "keys": ["hex:" + "zz" * 32], "api_keys": ["a"]}, "keys"),
        "bad-base64": ({"mode": "aes-256-gcm", "keys": ["base64:" + base64.b64encode(b"x" * 20).decode()],
                        "api_keys": ["a"]}, "keys"),
        "cbc-without-auth": ({"mode": "aes-256-cbc", "keys": [good_key]}, "s1"),
        "two-forms": ({"mode": "aes-256-gcm", "keys": [good_key], "keys_env": "RAI_IT_NOPE", "api_keys": ["a"]},
                      "keys"),
        "missing-env": ({"mode": "aes-256-gcm", "keys_env": "RAI_IT_NOT_SET_" + secret.replace("-", "_"),
                         "api_keys": ["a"]}, "keys"),
    }
    source, must_name = sources[case]
    cfg = tmp_path / "bad.toml"
    cfg.write_text(_minimal_config(tmp_path, source))
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAI_IT_")}
    r = subprocess.run([str(GATEWAY_BIN), "--check-config", "--config", str(cfg)],
                       capture_output=True, text=True, timeout=30, env=env)
    assert r.returncode == 2, f"exit {r.returncode}, stderr: {r.stderr}"
    assert r.stderr.strip(), "no problem reported on stderr"
    assert must_name in r.stderr, f"stderr does not name {must_name!r}: {r.stderr}"
    if case not in ("missing-env",):
        assert secret not in r.stderr + r.stdout, "a secret was echoed"
    if case in ("short-key", "cbc-without-auth", "two-forms"):
        assert good_key not in r.stderr + r.stdout, "a secret was echoed"


@pytest.mark.parametrize("open_connection", [False, True])
def test_sigterm_exits_cleanly(gateway_factory, open_connection):
    for _ in range(3):
        g = gateway_factory()
        eid = unique("evt")
        idle = None
        if open_connection:
            # an idle keep-alive connection the gateway has to drain/close on shutdown
            idle = RawConn(g.port)
            req, eid = _valid_raw(g)
            idle.send(req)
            assert idle.read_response().status == 200
        else:
            assert_accepted(g.send("gcm", sample_event("user-joined", eid), "user-joined"), eid, "user-joined")
        try:
            t0 = time.monotonic()
            rc = g.stop()
            took = time.monotonic() - t0
        finally:
            if idle:
                idle.close()
        assert rc == 0, f"exit code {rc} after SIGTERM\n{g.output()}"
        assert took < 8, f"took {took:.1f} s to stop"


def test_config_error_stops_startup(tmp_path):
    cfg = tmp_path / "bad.toml"
    secret = "tooshort-" + unique("k")
    cfg.write_text(_minimal_config(tmp_path, {"mode": "aes-256-gcm", "keys": [secret], "api_keys": ["a"]}))
    r = subprocess.run([str(GATEWAY_BIN), "--config", str(cfg)], capture_output=True, text=True, timeout=30)
    assert r.returncode != 0
    assert secret not in r.stderr + r.stdout


# --------------------------------------------------------------------------- broker outage


def _durable_test_queue(pattern: str) -> str:
    """A durable queue (survives the broker app restart) that expires 5 min after its
    last use, so a crashed test leaves nothing behind for long."""
    name = unique("rai-it-durable")
    conn = amqp_connect(attempts=20)
    try:
        ch = conn.channel()
        declare_topology(ch)
        ch.queue_declare(name, durable=True, arguments={"x-expires": 300000})
        ch.queue_bind(name, EVENTS_EXCHANGE, routing_key=pattern)
    finally:
        conn.close()
    return name


def _take(queue: str, timeout: float) -> list[tuple[str, bytes]]:
    """Everything in `queue` within timeout, as (message_id, body)."""
    out = []
    conn = amqp_connect(attempts=20)
    try:
        ch = conn.channel()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            method, props, body = ch.basic_get(queue, auto_ack=True)
            if method is None:
                conn.sleep(0.1)
                continue
            out.append((props.message_id, body))
    finally:
        conn.close()
    return out


def _delete_queue(name: str) -> None:
    try:
        conn = amqp_connect(attempts=20)
        conn.channel().queue_delete(name)
        conn.close()
    except Exception:
        pass


def test_broker_outage_answers_503_then_recovers(gateway_factory):
    g = gateway_factory(server={"retry_after_seconds": 7}, amqp={"confirm_timeout_ms": 3000},
                        spool={"enabled": False})
    src = g["gcm"]
    queue = _durable_test_queue(f"returning.{src.name}.#")
    try:
        id0 = unique("before")
        assert_accepted(g.send("gcm", sample_event("user-joined", id0), "user-joined"), id0, "user-joined")
        refused = unique("refused")
        with broker_stopped():
            t0 = time.monotonic()
            r = g.send("gcm", sample_event("user-joined", refused), "user-joined")
            took = time.monotonic() - t0
            assert r.status == 503, f"{r} (spool disabled, broker stopped)"
            assert r.json.get("status") == "unavailable", r
            assert r.headers.get("retry-after") == "7", r.headers
            assert took < 12, f"503 took {took:.1f} s"
            r = g.send("gcm", sample_event("user-visited", unique("x")), "user-visited")
            assert r.status == 503, r
            assert g.alive()
        # broker is back: the gateway reconnects by itself
        deadline = time.monotonic() + 30
        accepted = None
        while time.monotonic() < deadline:
            eid = unique("after")
            r = g.send("gcm", sample_event("user-joined", eid), "user-joined")
            if r.status == 200:
                accepted = eid
                break
            assert r.status == 503, r
            time.sleep(0.5)
        assert accepted, f"gateway did not recover within 30 s of the broker's return\n{g.output()}"
        # the delivery refused with 503 is not remembered as seen: its retry is published
        r = g.send("gcm", sample_event("user-joined", refused), "user-joined")
        assert_accepted(r, refused, "user-joined")
        got = [mid for mid, _ in _take(queue, 2)]
        assert id0 in got and accepted in got and refused in got, got
        assert got.count(refused) == 1 and got.count(id0) == 1, got
    finally:
        _delete_queue(queue)
