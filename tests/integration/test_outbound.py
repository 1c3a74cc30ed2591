"""Outbound commands end to end: RabbitMQ / admin API in, HTTP(S) to a fake
Returning.AI out (docs/wire-format.md §6-§7, docs/configuration.md [targets.*] / [outbound]).

Every test purges returning.outbound, returning.outbound.dead and the retry queues,
makes sure no other consumer is on returning.outbound, then starts its own gateway
with short retry schedules (retry_schedule_ms = [1000, 1000, 1000], ladder 1s 2s 5s 1m)
and stops it at the end."""

from __future__ import annotations

import base64
import email.utils
import json
import os
import re
import secrets
import socket
import ssl
import time

import pytest

from conftest import sign, unique, wait_until
from outbound_support import (
    ADMIN_TOKEN,
    ALL_RETRY_QUEUES,
    DEAD,
    OUTBOUND,
    TEST_LADDER_MS,
    Broker,
    FakeEndpoint,
    OutboundGateway,
    Recorded,
    Reply,
    TestCA,
    open_envelope,
    retry_queue,
)

UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
RETRY_1S, RETRY_2S, RETRY_5S, RETRY_1M = (retry_queue(ms) for ms in TEST_LADDER_MS)
TEST_QUEUES = (OUTBOUND, RETRY_1S, RETRY_2S, RETRY_5S, RETRY_1M)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def broker():
    """Command-side broker helper. Waits until nobody consumes returning.outbound (one
    gateway at a time), then purges the queues this suite uses."""
    b = Broker()
    deadline = time.monotonic() + 30
    while b.consumers(OUTBOUND) > 0 and time.monotonic() < deadline:
        b.conn.sleep(0.5)
    n = b.consumers(OUTBOUND)
    assert n == 0, f"{n} other consumer(s) on {OUTBOUND}; another gateway is running"
    b.purge(OUTBOUND, DEAD, *ALL_RETRY_QUEUES)
    yield b
    b.close()


@pytest.fixture
def endpoint():
    made: list[FakeEndpoint] = []

    def make(tls=None) -> FakeEndpoint:
        ep = FakeEndpoint(tls)
        made.append(ep)
        return ep

    yield make
    for ep in made:
        ep.close()


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    d = tmp_path_factory.mktemp("pki")
    return {"a": TestCA(d, "a"), "b": TestCA(d, "b")}


SHORT_OUTBOUND = {"retry_schedule_ms": [1000, 1000, 1000], "delay_ladder_ms": TEST_LADDER_MS,
                  "drain_timeout_ms": 2000, "connect_timeout_ms": 2000}


def start_consuming(g: OutboundGateway, b: Broker) -> OutboundGateway:
    g.start()
    deadline = time.monotonic() + 15
    while b.consumers(OUTBOUND) < 1:
        g.assert_alive()
        assert time.monotonic() < deadline, f"the gateway never consumed {OUTBOUND}\n{g.output()}"
        b.conn.sleep(0.1)
    return g


@pytest.fixture
def outbound_gateway(tmp_path_factory, broker):
    """outbound_gateway(targets, outbound=None, sources=None, start=True) -> a gateway
    consuming returning.outbound; stopped at teardown."""
    started: list[OutboundGateway] = []

    def make(targets: dict, outbound: dict | None = None, start: bool = True, **kw) -> OutboundGateway:
        ob = dict(SHORT_OUTBOUND)
        ob.update(outbound or {})
        g = OutboundGateway(tmp_path_factory.mktemp("obgw"), targets, ob, **kw)
        started.append(g)
        if start:
            start_consuming(g, broker)
        return g

    yield make
    for g in started:
        g.stop()


# --------------------------------------------------------------------------- helpers


def target(url: str, **kw) -> dict:
    t = {"url": url, "api_key": unique("apikey"), "timeout_ms": 5000}
    t.update(kw)
    return t


def whsec() -> tuple[bytes, str]:
    raw = os.urandom(32)
    return raw, "whsec_" + base64.b64encode(raw).decode()


def payload(kind: str, ref: str | None = None) -> bytes:
    """Irregular spacing, escapes, non-ASCII and a float with a trailing zero: any
    re-serialisation by the gateway shows up as a byte difference."""
    ref = ref or unique("ref")
    bodies = {
        "channel-message": '{ "ref":"%s",  "channelId":"c-42", "message":"h\u00e9llo \\"world\\"\\n \U0001f389", "n": 1.50 }',
        "user-fields": '{"ref" :"%s","userId":"u-7","fields":{ "vip":true,"score" :10.0,"nick":"Zo\u00eb"}}',
        "currency": '{"ref":"%s", "userId":"u-9","currency":"gold","amount":-25,"reason":"refund \u2713"}\n',
    }
    return (bodies.get(kind, '{"ref":"%s","event":"custom", "x": [1, 2 ,3]}') % ref).encode("utf-8")


def assert_signed(r: Recorded, secret: bytes, expected_id: str) -> None:
    h = r.headers
    assert h.get("webhook-id") == expected_id, h
    ts = h.get("webhook-timestamp", "")
    assert ts.isdigit() and abs(int(ts) - r.wall) < 60, f"webhook-timestamp {ts!r}"
    sigs = h.get("webhook-signature", "").split()
    assert sign(secret, expected_id, int(ts), r.body) in sigs, \
        f"no valid v1 signature over the body as sent: {h.get('webhook-signature')!r}"


def assert_common_headers(r: Recorded, idem: str) -> None:
    h = r.headers
    assert r.method == "POST"
    assert h.get("content-type") == "application/json", h
    assert h.get("idempotency-key") == idem, h
    assert r.count("idempotency-key") == 1
    assert h.get("user-agent", "").startswith("rai-gateway/"), h


def header_str(c, name: str) -> str:
    v = c.headers.get(name)
    return "" if v is None else str(v)


def assert_dead(c, reason: str, *, status: int | None = None, attempts: int | None = None,
                log: OutboundGateway | None = None) -> None:
    assert c is not None, "the command never reached returning.outbound.dead" + \
        (f"\n{log.output()}" if log is not None else "")
    h = c.headers
    assert header_str(c, "x-dead-reason") == reason, h
    assert "x-last-error" in h and "x-attempt" in h and "x-last-status" in h, h
    if status is not None:
        assert header_str(c, "x-last-status") == str(status), h
    if attempts is not None:
        assert header_str(c, "x-attempt") == str(attempts), h


def settle_and_stop(g: OutboundGateway, b: Broker, *queues: str) -> None:
    """Stops the gateway (the broker requeues anything left unacked) and requires every
    named queue to be empty."""
    g.stop()
    for q in queues or TEST_QUEUES:
        assert b.count(q) == 0, f"{q} holds {b.count(q)} message(s) after the run"


# --------------------------------------------------------------------------- trace context (docs/wire-format.md §8)

TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")


@pytest.mark.parametrize("given", [True, False], ids=["traceparent", "no_traceparent"])
def test_traceparent_reaches_the_endpoint_on_every_attempt(endpoint, outbound_gateway, broker, given):
    ep = endpoint()
    ep.script("/in", Reply(503, {}, b"busy"), Reply(500, {}, b"oops"))
    g = outbound_gateway({"currency": target(ep.url("/in"))})
    trace, parent = secrets.token_hex(16), secrets.token_hex(8)
    headers = {"traceparent": f"00-{trace}-{parent}-01", "tracestate": "rojo=1"} if given else None
    broker.publish("currency", payload("currency"), unique("traced"), headers=headers)
    got = ep.wait_for(3, "/in", timeout=15)
    assert len(got) == 3, f"{len(got)} attempt(s)\n{g.output()}"
    sent = [TRACEPARENT.match(r.headers.get("traceparent", "")) for r in got]
    assert all(sent), [r.headers.get("traceparent") for r in got]
    assert all(r.count("traceparent") == 1 for r in got)
    traces = {m.group(1) for m in sent}
    assert len(traces) == 1, f"the attempts of one command are in one trace: {traces}"
    spans = [m.group(2) for m in sent]
    assert len(set(spans)) == 3 and parent not in spans, f"a new span per attempt: {spans}"
    if given:
        assert traces == {trace}
        assert all(r.headers.get("tracestate") == "rojo=1" for r in got)
    else:
        assert all("tracestate" not in r.headers for r in got)
    (t,) = traces
    assert wait_until(lambda: f"delivered (attempt 3, http 200) trace_id={t}" in g.log_text(), 5), \
        g.output()
    settle_and_stop(g, broker)


# --------------------------------------------------------------------------- delivery


def test_three_kinds_delivered_decrypted_with_headers_and_signatures(endpoint, outbound_gateway, broker):
    ep = endpoint()
    k_cm = secrets.token_urlsafe(48)[:32]            # 32 characters: the default GCM / json / base64
    k_uf = os.urandom(32)                            # hex: key, CBC, header-iv, hex
    k_cu = os.urandom(32)                            # base64: key, GCM, compact, base64
    sec_cm, whsec_cm = whsec()
    sec_cu, whsec_cu = whsec()
    sec_reg, whsec_reg = whsec()
    targets = {
        "channel-message": target(ep.url("/in/channel-message"), key=k_cm, signing_secret=whsec_cm),
        "user-fields": target(ep.url("/in/user-fields"), key="hex:" + k_uf.hex(), mode="aes-256-cbc",
                              layout="header-iv", encoding="hex", iv_header="x-webhook-iv"),
        "currency": target(ep.url("/in/currency"), key="base64:" + base64.b64encode(k_cu).decode(),
                           layout="compact", signing_secret=whsec_cu),
        "registration": target(ep.url("/in/registration"), signing_secret=whsec_reg),  # no key: plain
    }
    g = outbound_gateway(targets)

    sent = {  # kind -> [(message_id, body)]
        "channel-message": [(unique("cm"), payload("channel-message")), (unique("cm"), payload("channel-message"))],
        "user-fields": [(unique("uf"), payload("user-fields"))],
        "currency": [(unique("cu"), payload("currency"))],
        "registration": [(None, payload("registration"))],
    }
    via = {"channel-message": "type", "user-fields": "header", "currency": "both", "registration": "type"}
    for kind, cmds in sent.items():
        for mid, body in cmds:
            broker.publish(kind, body, mid, via=via[kind])

    got = ep.wait_for(5, timeout=15)
    assert len(got) == 5, f"{len(got)} request(s) reached the endpoint: {[r.path for r in got]}\n{g.output()}"
    by_path: dict[str, list[Recorded]] = {}
    for r in got:
        by_path.setdefault(r.path, []).append(r)

    def check(kind: str, r: Recorded, plaintext: bytes, idem: str | None, key: bytes | None, **env) -> str:
        h = r.headers
        key_idem = h.get("idempotency-key", "")
        assert_common_headers(r, idem if idem is not None else key_idem)
        assert h.get("x-api-key") == targets[kind]["api_key"] and r.count("x-api-key") == 1, h
        assert "x-session-token" not in h, h
        if key is None:
            assert "x-encrypted" not in h, f"unencrypted target sent x-encrypted: {h}"
            assert r.body == plaintext, f"{kind}: body differs: {r.body!r} != {plaintext!r}"
        else:
            assert h.get("x-encrypted") == "true", h
            assert open_envelope(r.body, h, key, **env) == plaintext, f"{kind}: decrypted payload differs"
        return key_idem

    # channel-message: defaults (aes-256-gcm, json, base64), signed; two commands, two IVs
    cm = sorted(by_path.get("/in/channel-message", []), key=lambda r: r.headers.get("idempotency-key", ""))
    assert len(cm) == 2, by_path.keys()
    want = dict(sent["channel-message"])
    ivs = set()
    for r in cm:
        idem = r.headers.get("idempotency-key")
        assert idem in want, f"unexpected Idempotency-Key {idem!r}, sent {list(want)}"
        check("channel-message", r, want[idem], idem, k_cm.encode())
        assert_signed(r, sec_cm, idem)
        env = json.loads(r.body)
        assert set(env) == {"iv", "data", "tag"}, env
        ivs.add(env["iv"])
    assert len(ivs) == 2, "the same IV was used for two messages"

    (uf,) = by_path["/in/user-fields"]
    mid, body = sent["user-fields"][0]
    check("user-fields", uf, body, mid, k_uf, mode="aes-256-cbc", layout="header-iv", encoding="hex",
          iv_header="x-webhook-iv")
    assert "webhook-signature" not in uf.headers, "unsigned target sent a signature"

    (cu,) = by_path["/in/currency"]
    mid, body = sent["currency"][0]
    check("currency", cu, body, mid, k_cu, layout="compact")
    assert_signed(cu, sec_cu, mid)

    (reg,) = by_path["/in/registration"]
    _, body = sent["registration"][0]
    idem = check("registration", reg, body, None, None)
    assert UUID4.match(idem), f"a command without message_id got Idempotency-Key {idem!r}, not a UUID v4"
    assert_signed(reg, sec_reg, idem)

    time.sleep(0.5)
    assert len(ep.received()) == 5, "a command was sent twice"
    settle_and_stop(g, broker, OUTBOUND, DEAD, RETRY_1S)


def test_https_target_with_test_ca(endpoint, outbound_gateway, broker, pki):
    ep = endpoint(tls=pki["a"].server_context())
    key = os.urandom(32)
    t = target(ep.url("/secure", host="localhost"), key="hex:" + key.hex(), ca_file=str(pki["a"].ca_file))
    g = outbound_gateway({"currency": t})
    body, mid = payload("currency"), unique("tls")
    broker.publish("currency", body, mid)
    (r,) = ep.wait_for(1, "/secure", timeout=10) or [None]
    assert r is not None, f"nothing arrived over HTTPS; TLS failures {ep.tls_failures}\n{g.output()}"
    assert_common_headers(r, mid)
    assert open_envelope(r.body, r.headers, key) == body
    assert ep.plaintext_attempts == 0 and not ep.tls_failures, ep.tls_failures
    settle_and_stop(g, broker, OUTBOUND, DEAD, RETRY_1S)


def test_wrong_ca_fails_tls_and_is_retried(endpoint, outbound_gateway, broker, pki):
    ep = endpoint(tls=pki["b"].server_context())            # server cert from CA "b"
    t = target(ep.url("/secure"), key=os.urandom(16).hex(), ca_file=str(pki["a"].ca_file))  # trusts "a"
    g = outbound_gateway({"currency": t})
    body, mid = payload("currency"), unique("wrongca")
    tid = broker.publish("currency", body, mid)
    dead = broker.dead(tid, timeout=15)
    assert_dead(dead, "exhausted", status=0, attempts=4)
    err = header_str(dead, "x-last-error")
    assert re.search(r"tls|certificate", err, re.I), f"x-last-error {err!r} does not mention TLS / certificate"
    assert dead.body == body and dead.props.message_id == mid
    assert ep.received() == [], "the endpoint got an HTTP request through an unverified connection"
    assert ep.plaintext_attempts == 0, "the gateway fell back to plaintext"
    assert len(ep.tls_failures) >= 4, f"expected a failed handshake per attempt (4), saw {ep.tls_failures}"
    settle_and_stop(g, broker)


def test_certificate_for_another_name_is_refused(endpoint, outbound_gateway, broker, pki):
    """Trusted CA, but the certificate names another host: refused, never sent."""
    cert, key = pki["a"].issue_server(hosts=("not-this-host.example",), ips=())
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(cert), str(key))
    ep = endpoint(tls=ctx)
    t = target(ep.url("/secure", host="localhost"), ca_file=str(pki["a"].ca_file))
    g = outbound_gateway({"currency": t}, {"retry_schedule_ms": [1000]})
    tid = broker.publish("currency", payload("currency"), unique("name"))
    dead = broker.dead(tid, timeout=10)
    assert_dead(dead, "exhausted", status=0, attempts=2, log=g)
    err = header_str(dead, "x-last-error")
    assert re.search(r"tls|certificate", err, re.I), err
    assert ep.received() == [] and ep.plaintext_attempts == 0
    settle_and_stop(g, broker)


# --------------------------------------------------------------------------- workflow auth


def handshake_replies(form: str = "data", expires_in: int | None = None, delay: float = 0.0):
    def reply(rec: Recorded, n: int) -> Reply:
        tok = f"tok-{n}"
        if form == "data":
            data: dict = {"sessionToken": tok}
            if expires_in is not None:
                data["expiresIn"] = expires_in
            body = {"success": True, "data": data}
        else:
            body = {"sessionToken": tok}
            if expires_in is not None:
                body["expiresIn"] = expires_in
        return Reply(200, {}, json.dumps(body).encode(), delay)
    return reply


def workflow_target(ep: FakeEndpoint, kind: str, **kw) -> dict:
    return target(ep.url(f"/wf/{kind}"), auth="workflow", handshake_url=ep.url("/wf/handshake"), **kw)


def assert_workflow_main(r: Recorded, token: str) -> None:
    h = r.headers
    assert "x-api-key" not in h, f"the workflow API key went on the main request: {h}"
    assert h.get("x-session-token") == token, h


def test_workflow_one_handshake_for_many_sends(endpoint, outbound_gateway, broker):
    ep = endpoint()
    ep.script_default("/wf/handshake", handshake_replies("data", 300, delay=0.5))
    key = os.urandom(32)
    t = workflow_target(ep, "registration", key="hex:" + key.hex())
    g = outbound_gateway({"registration": t})
    sent = {unique("wf"): payload("registration") for _ in range(20)}
    for mid, body in sent.items():
        broker.publish("registration", body, mid)
    main = ep.wait_for(20, "/wf/registration", timeout=15)
    assert len(main) == 20, f"{len(main)} of 20 sends arrived\n{g.output()}"
    hs = ep.received("/wf/handshake")
    assert len(hs) == 1, f"{len(hs)} handshakes for 20 sends (expected one)"
    assert hs[0].headers.get("x-api-key") == t["api_key"], hs[0].headers
    assert "x-session-token" not in hs[0].headers
    for r in main:
        assert_workflow_main(r, "tok-1")
        mid = r.headers.get("idempotency-key")
        assert mid in sent
        assert open_envelope(r.body, r.headers, key) == sent[mid]
    assert {r.headers["idempotency-key"] for r in main} == set(sent)
    settle_and_stop(g, broker, OUTBOUND, DEAD, RETRY_1S)


@pytest.mark.parametrize("how", ["session_ttl_seconds", "expiresIn"])
def test_workflow_token_renewed_after_ttl(endpoint, outbound_gateway, broker, how):
    ep = endpoint()
    if how == "session_ttl_seconds":  # older response form, TTL from config: 3 s - 1 s early
        ep.script_default("/wf/handshake", handshake_replies("top", None))
        t = workflow_target(ep, "kyc", session_ttl_seconds=3, session_renew_before_seconds=1)
    else:  # data.expiresIn = 3 overrides the configured 300 s; renewed 1 s early
        ep.script_default("/wf/handshake", handshake_replies("data", 3))
        t = workflow_target(ep, "kyc", session_renew_before_seconds=1)
    g = outbound_gateway({"kyc": t})

    broker.publish("kyc", payload("kyc"), unique("a"))
    (a,) = ep.wait_for(1, "/wf/kyc", timeout=10) or [None]
    assert a is not None, g.output()
    assert_workflow_main(a, "tok-1")
    broker.publish("kyc", payload("kyc"), unique("b"))  # within the lifetime: same token
    assert len(ep.wait_for(2, "/wf/kyc", timeout=10)) == 2
    assert_workflow_main(ep.received("/wf/kyc")[1], "tok-1")
    assert len(ep.received("/wf/handshake")) == 1

    time.sleep(max(0.0, a.at + 2.6 - time.monotonic()))  # past the 2 s lifetime
    broker.publish("kyc", payload("kyc"), unique("c"))
    got = ep.wait_for(3, "/wf/kyc", timeout=10)
    assert len(got) == 3, g.output()
    assert len(ep.received("/wf/handshake")) == 2, "the token was not renewed after its TTL"
    assert_workflow_main(got[2], "tok-2")
    broker.publish("kyc", payload("kyc"), unique("d"))
    got = ep.wait_for(4, "/wf/kyc", timeout=10)
    assert len(got) == 4
    assert_workflow_main(got[3], "tok-2")
    assert len(ep.received("/wf/handshake")) == 2
    settle_and_stop(g, broker, OUTBOUND, DEAD, RETRY_1S)


def test_workflow_short_expires_in_is_not_stale_on_arrival(endpoint, outbound_gateway, broker):
    """expiresIn = 1 with the default renew_before (30 s): the token must still serve
    the sends of the next moment (half its life), not force a handshake per send."""
    ep = endpoint()
    ep.script_default("/wf/handshake", handshake_replies("data", 1))
    g = outbound_gateway({"kyc": workflow_target(ep, "kyc")})
    broker.publish("kyc", payload("kyc"), unique("a"))
    assert len(ep.wait_for(1, "/wf/kyc", timeout=10)) == 1, g.output()
    broker.publish("kyc", payload("kyc"), unique("b"))
    got = ep.wait_for(2, "/wf/kyc", timeout=10)
    assert len(got) == 2
    assert got[1].at - got[0].at < 0.4, "too slow to tell"
    hs = len(ep.received("/wf/handshake"))
    assert hs == 1, f"{hs} handshakes for two sends {got[1].at - got[0].at:.3f} s apart (expiresIn: 1)"
    assert_workflow_main(got[1], "tok-1")
    settle_and_stop(g, broker)


def test_workflow_401_renews_once_and_retries_at_once(endpoint, outbound_gateway, broker):
    ep = endpoint()
    ep.script_default("/wf/handshake", handshake_replies("data", 300))
    ep.script_default("/wf/first-deposit", lambda rec, n: Reply(
        401 if rec.headers.get("x-session-token") == "tok-1" else 200, {}, b'{"error":"expired"}'))
    g = outbound_gateway({"first-deposit": workflow_target(ep, "first-deposit")})
    mid = unique("dep")
    tid = broker.publish("first-deposit", payload("first-deposit"), mid)
    got = ep.wait_for(2, "/wf/first-deposit", timeout=10)
    assert len(got) == 2, f"{len(got)} main request(s)\n{g.output()}"
    assert_workflow_main(got[0], "tok-1")
    assert_workflow_main(got[1], "tok-2")
    assert got[0].headers["idempotency-key"] == got[1].headers["idempotency-key"] == mid
    assert got[1].at - got[0].at < 0.9, \
        f"the retry after a 401 took {got[1].at - got[0].at:.2f} s (went through a delay queue?)"
    assert len(ep.received("/wf/handshake")) == 2
    # the renewed token is cached
    broker.publish("first-deposit", payload("first-deposit"), unique("dep"))
    got = ep.wait_for(3, "/wf/first-deposit", timeout=10)
    assert len(got) == 3
    assert_workflow_main(got[2], "tok-2")
    assert len(ep.received("/wf/handshake")) == 2
    assert broker.dead_for(tid, wait=0.3) == []
    settle_and_stop(g, broker)


def test_workflow_second_401_is_rejected_without_looping(endpoint, outbound_gateway, broker):
    ep = endpoint()
    ep.script_default("/wf/handshake", handshake_replies("data", 300))
    ep.script_default("/wf/kyc", Reply(401, {}, b'{"error":"nope"}'))
    g = outbound_gateway({"kyc": workflow_target(ep, "kyc")})
    tid = broker.publish("kyc", payload("kyc"), unique("kyc"))
    dead = broker.dead(tid, timeout=10)
    assert_dead(dead, "rejected", status=401, attempts=1)
    time.sleep(1.5)
    assert len(ep.received("/wf/kyc")) == 2, "a 401 must renew once and retry once"
    assert len(ep.received("/wf/handshake")) == 2
    settle_and_stop(g, broker)


def test_workflow_failed_handshake_is_retried(endpoint, outbound_gateway, broker):
    ep = endpoint()
    ep.script("/wf/handshake", Reply(503, {}, b"down"), Reply(200, {}, b'{"data":{}}'))  # then: no token
    ep.script_default("/wf/handshake", handshake_replies("data", 300))
    g = outbound_gateway({"kyc": workflow_target(ep, "kyc")})
    mid = unique("hsfail")
    tid = broker.publish("kyc", payload("kyc"), mid)
    got = ep.wait_for(1, "/wf/kyc", timeout=12)
    assert len(got) == 1, f"not delivered after the handshake recovered\n{g.output()}"
    assert len(ep.received("/wf/handshake")) == 3
    assert_workflow_main(got[0], "tok-3")
    assert got[0].headers.get("idempotency-key") == mid
    assert broker.dead_for(tid, wait=0.2) == []
    settle_and_stop(g, broker)


def test_workflow_refused_handshake_is_dead_rejected(endpoint, outbound_gateway, broker):
    ep = endpoint()
    ep.script_default("/wf/handshake", Reply(403, {}, b'{"error":"bad key"}'))
    g = outbound_gateway({"kyc": workflow_target(ep, "kyc")})
    tid = broker.publish("kyc", payload("kyc"), unique("hs403"))
    dead = broker.dead(tid, timeout=10)
    assert_dead(dead, "rejected", status=403, attempts=1, log=g)
    assert ep.received("/wf/kyc") == [], "sent without a session token"
    settle_and_stop(g, broker)


def test_workflow_many_401s_share_one_renewal(endpoint, outbound_gateway, broker):
    ep = endpoint()
    ep.script_default("/wf/handshake", handshake_replies("data", 300, delay=0.2))
    ep.script_default("/wf/kyc", lambda rec, n: Reply(401, {}, b"{}", 0.3)
                      if rec.headers.get("x-session-token") == "tok-1" else Reply(200))
    g = outbound_gateway({"kyc": workflow_target(ep, "kyc")})
    ids = [unique("m401") for _ in range(10)]
    for mid in ids:
        broker.publish("kyc", payload("kyc"), mid)
    ok = ep.wait_for(10, "/wf/kyc", timeout=10, where=lambda r: r.headers.get("x-session-token") != "tok-1")
    assert len(ok) == 10, g.output()
    assert {r.headers.get("idempotency-key") for r in ok} == set(ids)
    hs = ep.received("/wf/handshake")
    assert len(hs) == 2, f"{len(hs)} handshakes: one renewal should serve every send that got a 401"
    assert all(r.headers.get("x-session-token") == "tok-2" for r in ok)
    settle_and_stop(g, broker)


# --------------------------------------------------------------------------- retries


@pytest.mark.parametrize("reply", [Reply(204, {}, b""), Reply(200, {}, b"x" * 100_000)],
                         ids=["204 no content", "200 with a 100 KB body"])
def test_any_2xx_is_done(endpoint, outbound_gateway, broker, reply):
    ep = endpoint()
    ep.script_default("/in", reply)
    g = outbound_gateway({"currency": target(ep.url("/in"))})
    tid = broker.publish("currency", payload("currency"), unique("ok"))
    assert ep.wait_for(1, "/in", timeout=10), g.output()
    time.sleep(2.5)
    n = len(ep.received("/in"))
    assert n == 1, f"a {reply.status} answer was sent {n} times\n{g.output()}"
    assert broker.dead_for(tid, wait=0.2) == []
    settle_and_stop(g, broker)


@pytest.mark.parametrize("with_id", [True, False], ids=["message_id", "no_message_id"])
def test_503_twice_then_200_delivered_once(endpoint, outbound_gateway, broker, with_id):
    ep = endpoint()
    ep.script("/in", Reply(503, {}, b"busy"), Reply(503, {}, b"busy"))
    g = outbound_gateway({"currency": target(ep.url("/in"))})
    body = payload("currency")
    mid = unique("r503") if with_id else None
    tid = broker.publish("currency", body, mid)
    got = ep.wait_for(3, "/in", timeout=15)
    assert len(got) == 3, f"{len(got)} attempt(s)\n{g.output()}"
    keys = {r.headers.get("idempotency-key") for r in got}
    assert len(keys) == 1, f"Idempotency-Key changed between attempts: {keys}"
    key = keys.pop()
    if with_id:
        assert key == mid
    else:
        assert UUID4.match(key or ""), key
    assert all(r.body == body for r in got)
    for a, b in zip(got, got[1:]):
        assert b.at - a.at >= 0.9, f"retried after {b.at - a.at:.2f} s; the 1 s delay queue was skipped"
    time.sleep(2.5)  # a fourth send would come within the 1 s rung
    assert len(ep.received("/in")) == 3, "the command was sent again after its 200"
    assert broker.dead_for(tid, wait=0.2) == []
    settle_and_stop(g, broker)


@pytest.mark.parametrize("failure", ["http 500", "connection refused"])
def test_retries_exhausted_go_dead(endpoint, outbound_gateway, broker, failure):
    ep = endpoint()
    ep.script_default("/in", Reply(500, {}, b'{"error":"boom"}'))
    if failure == "http 500":
        url, status, err = ep.url("/in"), 500, "500"
    else:
        closed = socket.socket()
        closed.bind(("127.0.0.1", 0))  # bound, never listening: connection refused
        url, status, err = f"http://127.0.0.1:{closed.getsockname()[1]}/in", 0, "refused"
    g = outbound_gateway({"currency": target(url)})
    body, mid = payload("currency"), unique("exh")
    tid = broker.publish("currency", body, mid)
    dead = broker.dead(tid, timeout=15)
    assert_dead(dead, "exhausted", status=status, attempts=4, log=g)
    assert err in header_str(dead, "x-last-error").lower(), dead.headers
    assert dead.body == body and dead.props.message_id == mid
    if failure == "http 500":
        assert len(ep.received("/in")) == 4
    else:
        closed.close()
    settle_and_stop(g, broker)


def test_response_timeout_is_retried(endpoint, outbound_gateway, broker):
    ep = endpoint()
    ep.script("/in", Reply(200, delay=3.0))  # first answer comes after the 1 s timeout
    g = outbound_gateway({"currency": target(ep.url("/in"), timeout_ms=1000)})
    mid = unique("slow")
    tid = broker.publish("currency", payload("currency"), mid)
    got = ep.wait_for(2, "/in", timeout=10)
    assert len(got) == 2, f"a timed-out send was not retried\n{g.output()}"
    assert got[1].at - got[0].at >= 1.9, "retried before the timeout + delay"
    assert got[1].headers.get("idempotency-key") == mid
    time.sleep(2.5)
    assert len(ep.received("/in")) == 2
    assert broker.dead_for(tid, wait=0.2) == []
    settle_and_stop(g, broker)


@pytest.mark.parametrize("form", ["seconds", "http-date"])
def test_429_retry_after_is_honoured(endpoint, outbound_gateway, broker, form):
    ep = endpoint()
    if form == "seconds":
        ep.script("/in", Reply(429, {"Retry-After": "2"}, b"slow down"))
        wanted = lambda first: 2.0  # noqa: E731
    else:  # an IMF-fixdate 3 s ahead of the answer (whole seconds: 2..3 s of wait)
        ep.script("/in", lambda rec, n: Reply(429, {"Retry-After": email.utils.formatdate(
            int(rec.wall) + 3, usegmt=True)}, b"slow down"))
        wanted = lambda first: int(first.wall) + 3 - first.wall - 0.05  # noqa: E731
    g = outbound_gateway({"currency": target(ep.url("/in"))})
    mid = unique("r429")
    broker.publish("currency", payload("currency"), mid)
    got = ep.wait_for(2, "/in", timeout=10)
    assert len(got) == 2, g.output()
    gap = got[1].at - got[0].at
    assert gap >= wanted(got[0]) - 0.05, f"retried {gap:.2f} s after a 429 with Retry-After ({form})"
    assert got[1].headers.get("idempotency-key") == mid
    settle_and_stop(g, broker)


def test_long_retry_after_does_not_hold_back_a_short_retry(endpoint, outbound_gateway, broker):
    ep = endpoint()
    ep.script("/slow", Reply(503, {"Retry-After": "60"}, b"come back later"))
    ep.script("/fast", Reply(503, {}, b"blip"))
    g = outbound_gateway({"currency": target(ep.url("/slow")), "user-fields": target(ep.url("/fast"))})
    slow_id, fast_id = unique("slow"), unique("fast")
    broker.publish("currency", payload("currency"), slow_id)
    assert ep.wait_for(1, "/slow", timeout=10), g.output()
    assert broker.wait_count(RETRY_1M, 1, 5) == 1, "the Retry-After: 60 command is not in the 1m delay queue"
    broker.publish("user-fields", payload("user-fields"), fast_id)
    fast = ep.wait_for(2, "/fast", timeout=8)
    assert len(fast) == 2, "the short retry was held back"
    assert 0.9 <= fast[1].at - fast[0].at <= 5.5, f"short retry after {fast[1].at - fast[0].at:.2f} s"
    assert len(ep.received("/slow")) == 1, "the Retry-After: 60 command was retried early"
    # the parked command carries its delivery state
    method, props, body = broker.ch.basic_get(RETRY_1M, auto_ack=True)
    assert method is not None
    h = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in (props.headers or {}).items()}
    assert props.message_id == slow_id
    assert str(h.get("x-attempt")) == "1" and str(h.get("x-last-status")) == "503", h
    assert h.get("x-last-error"), h
    assert props.delivery_mode == 2
    settle_and_stop(g, broker)


def test_400_is_dead_lettered_as_rejected(endpoint, outbound_gateway, broker):
    ep = endpoint()
    ep.script_default("/in", Reply(400, {}, b'{"error":"bad field"}'))
    g = outbound_gateway({"user-fields": target(ep.url("/in"))})
    body, mid = payload("user-fields"), unique("r400")
    tid = broker.publish("user-fields", body, mid, headers={"x-custom": "kept"})
    dead = broker.dead(tid, timeout=10)
    assert_dead(dead, "rejected", status=400, attempts=1)
    assert "400" in header_str(dead, "x-last-error")
    assert dead.body == body and dead.props.message_id == mid
    assert dead.headers.get("x-custom") == "kept"
    assert dead.props.delivery_mode == 2
    time.sleep(1.5)
    assert len(ep.received("/in")) == 1, "a 400 was retried"
    settle_and_stop(g, broker)


def test_retry_then_rejection_counts_attempts(endpoint, outbound_gateway, broker):
    ep = endpoint()
    ep.script("/in", Reply(503, {}, b"busy"), Reply(422, {}, b'{"error":"unknown user"}'))
    g = outbound_gateway({"user-fields": target(ep.url("/in"))})
    body, mid = payload("user-fields"), unique("r422")
    tid = broker.publish("user-fields", body, mid)
    dead = broker.dead(tid, timeout=10)
    assert_dead(dead, "rejected", status=422, attempts=2, log=g)
    assert "unknown user" in header_str(dead, "x-last-error")
    assert dead.body == body and dead.props.message_id == mid
    assert len(ep.received("/in")) == 2
    settle_and_stop(g, broker)


def test_redirect_is_not_followed(endpoint, outbound_gateway, broker):
    ep = endpoint()
    ep.script_default("/in", Reply(302, {"Location": ep.url("/elsewhere")}, b""))
    g = outbound_gateway({"channel-message": target(ep.url("/in"))})
    tid = broker.publish("channel-message", payload("channel-message"), unique("r302"))
    dead = broker.dead(tid, timeout=10)
    assert_dead(dead, "rejected", status=302, attempts=1)
    time.sleep(1.0)
    assert ep.received("/elsewhere") == [], "the redirect was followed"
    assert len(ep.received("/in")) == 1
    settle_and_stop(g, broker)


# --------------------------------------------------------------------------- refused commands


def test_kind_without_target_is_dead_no_target(endpoint, outbound_gateway, broker):
    ep = endpoint()
    g = outbound_gateway({"currency": target(ep.url("/in"))})
    body, mid = payload("user-fields"), unique("nt")
    tid = broker.publish("user-fields", body, mid)
    dead = broker.dead(tid, timeout=10)
    assert_dead(dead, "no-target")
    assert dead.body == body and dead.props.message_id == mid
    tid2 = broker.publish(None, payload("currency"), unique("nokind"))  # no kind at all
    assert_dead(broker.dead(tid2, timeout=10), "no-target", log=g)
    assert ep.received() == []
    settle_and_stop(g, broker)


def test_invalid_commands_are_dead_invalid(endpoint, outbound_gateway, broker):
    ep = endpoint()
    g = outbound_gateway({"currency": target(ep.url("/in"))})
    cases = {
        "array": (b"[1, 2, 3]", unique("inv")),
        "string": (b'"just a string"', unique("inv")),
        "not json": (b"not json at all", unique("inv")),
        "truncated": (b'{"amount": 1', unique("inv")),
        "empty": (b"", unique("inv")),
        "bad utf-8": (b'{"a":"\xff\xfe"}', unique("inv")),
        "trailing comma": (b'{"amount": 1,}', unique("inv")),
        "leading zero": (b'{"amount": 01}', unique("inv")),
        "big number, bad json": (b'{"amount": 123456789012345678901234567,}', unique("inv")),
        "lone surrogate": (b'{"a": "\\ud800", "n": 1e400}', unique("inv")),
        "id with space": (payload("currency"), "bad id " + secrets.token_hex(3)),
        "id too long": (payload("currency"), "x" * 201),
    }
    tids = {name: broker.publish("currency", body, mid) for name, (body, mid) in cases.items()}
    problems = []
    for name, tid in tids.items():
        dead = broker.dead(tid, timeout=10)
        if dead is None or header_str(dead, "x-dead-reason") != "invalid":
            problems.append(f"{name}: {None if dead is None else dead.headers}")
        elif dead.body != cases[name][0]:
            problems.append(f"{name}: body changed")
    assert not problems, f"{problems}\n{g.output()}"
    assert ep.received() == [], "an invalid command was sent"
    settle_and_stop(g, broker)


def test_any_rfc8259_command_body_is_delivered_unchanged(endpoint, outbound_gateway, broker):
    """Numbers wider than 64 bits, every number form, escapes and deep nesting
    are valid JSON (docs/wire-format.md §6): sent, byte for byte, never dead-lettered."""
    ep = endpoint()
    g = outbound_gateway({"currency": target(ep.url("/in"))})
    bodies = [
        b'{"userId": "u-1", "amount": 12345678901234567890123, "balance": -98765432109876543210}',
        b'{"amount": 1.50e2, "rate": 1E+400, "tiny": 1e-400, "zero": -0, "max": 18446744073709551616}',
        b' {"note": "caf\xc3\xa9 \\ud83d\\ude00 \\u0000", "z": 1, "a": 2}\n',
        b'{"deep": ' + b"[" * 200 + b"123456789012345678901234567890" + b"]" * 200 + b"}",
    ]
    tids = [broker.publish("currency", body, unique("big")) for body in bodies]
    got = ep.wait_for(len(bodies), "/in", timeout=15)
    assert sorted(r.body for r in got) == sorted(bodies), g.output()
    for tid in tids:
        assert broker.dead_for(tid, wait=0.2) == []
    settle_and_stop(g, broker)


# --------------------------------------------------------------------------- admin API


def test_admin_api_queues_commands(endpoint, outbound_gateway, broker):
    ep = endpoint()
    key = os.urandom(32)
    g = outbound_gateway({"currency": target(ep.url("/in"), key="hex:" + key.hex())})

    body = payload("currency")
    r = g.admin_post("/v1/outbound/currency", body)
    assert r.status == 202, r
    j = r.json
    assert j.get("status") == "queued" and isinstance(j.get("id"), str) and j["id"], j
    gen_id = j["id"]
    assert UUID4.match(gen_id), gen_id

    body2, ik = payload("currency"), unique("ik")
    r2 = g.admin_post("/v1/outbound/currency", body2, {"Idempotency-Key": ik})
    assert r2.status == 202 and r2.json.get("id") == ik, r2

    got = ep.wait_for(2, "/in", timeout=10)
    assert len(got) == 2, g.output()
    by_key = {x.headers.get("idempotency-key"): x for x in got}
    assert set(by_key) == {gen_id, ik}, by_key.keys()
    assert open_envelope(by_key[gen_id].body, by_key[gen_id].headers, key) == body
    assert open_envelope(by_key[ik].body, by_key[ik].headers, key) == body2

    r = g.admin_post("/v1/outbound/no-such-kind", body)
    assert r.status == 404, r
    for bad in (b"[1]", b"nope", b"", b'"s"'):
        r = g.admin_post("/v1/outbound/currency", bad)
        assert r.status == 400, (bad, r)
    r = g.admin_post("/v1/outbound/currency", body, {"Idempotency-Key": "has space"})
    assert r.status == 400, r
    from conftest import http_request
    r = http_request(g.admin_port, "GET", "/v1/outbound/currency", headers=g.admin_headers())
    assert r.status == 405, r
    time.sleep(0.5)
    assert len(ep.received("/in")) == 2, "a refused request was queued"
    assert broker.count(DEAD) == 0
    settle_and_stop(g, broker)


def test_admin_api_off_without_token(endpoint, outbound_gateway, broker):
    """No server.admin_token: POST /v1/outbound is off whatever the request carries,
    start-up says so, and the probes and /metrics still answer."""
    from conftest import http_request
    ep = endpoint()
    g = outbound_gateway({"currency": target(ep.url("/in"))}, admin_token=None)
    body = payload("currency")
    for auth in ({}, {"Authorization": "Bearer " + ADMIN_TOKEN}):
        r = http_request(g.admin_port, "POST", "/v1/outbound/currency", body,
                         {"Content-Type": "application/json", **auth})
        assert r.status == 403, r
        assert "server.admin_token" in r.json.get("error", ""), r
    for path in ("/healthz", "/readyz", "/metrics"):
        assert http_request(g.admin_port, "GET", path).status == 200, path
    assert wait_until(lambda: "POST /v1/outbound is off" in g.log_text(), 10), g.output()
    time.sleep(0.5)
    assert ep.received() == [] and broker.count(OUTBOUND) == 0, "a refused command was queued"
    settle_and_stop(g, broker)


def test_admin_api_requires_token_json_and_no_origin(endpoint, outbound_gateway, broker):
    from conftest import http_request
    ep = endpoint()
    g = outbound_gateway({"currency": target(ep.url("/in"))})
    body = payload("currency")
    json_type = {"Content-Type": "application/json"}
    bearer = {"Authorization": "Bearer " + ADMIN_TOKEN}

    r = http_request(g.admin_port, "POST", "/v1/outbound/currency", body, json_type)
    assert r.status == 401 and r.headers.get("www-authenticate", "").startswith("Bearer"), r
    for wrong in ("Bearer " + ADMIN_TOKEN[:-1], "Bearer " + ADMIN_TOKEN + "0", "Bearer nope",
                  "Basic " + ADMIN_TOKEN, ADMIN_TOKEN):
        r = http_request(g.admin_port, "POST", "/v1/outbound/currency", body,
                         {**json_type, "Authorization": wrong})
        assert r.status == 401 and r.headers.get("www-authenticate", "").startswith("Bearer"), (wrong, r)
    # Unknown kinds are not told to a caller without the token.
    r = http_request(g.admin_port, "POST", "/v1/outbound/no-such-kind", body, json_type)
    assert r.status == 401, r

    # What a web page can send cross-site without a preflight: refused.
    for ctype in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=b"):
        r = http_request(g.admin_port, "POST", "/v1/outbound/currency", body,
                         {**bearer, "Content-Type": ctype})
        assert r.status == 415, (ctype, r)
    r = http_request(g.admin_port, "POST", "/v1/outbound/currency", body, bearer)
    assert r.status == 415, r
    for origin in ("https://attacker.example", "null", f"http://127.0.0.1:{g.admin_port}"):
        r = http_request(g.admin_port, "POST", "/v1/outbound/currency", body,
                         {**bearer, **json_type, "Origin": origin})
        assert r.status == 403, (origin, r)

    # The probes and /metrics need no token.
    for path in ("/healthz", "/readyz", "/metrics"):
        assert http_request(g.admin_port, "GET", path).status == 200, path

    # Parameters and case of the media type are fine; the scheme is case-insensitive.
    r = http_request(g.admin_port, "POST", "/v1/outbound/currency", body,
                     {"Content-Type": "Application/JSON; charset=utf-8",
                      "Authorization": "bearer " + ADMIN_TOKEN})
    assert r.status == 202, r
    got = ep.wait_for(1, "/in", timeout=10)
    assert len(got) == 1, g.output()
    time.sleep(0.5)
    assert len(ep.received("/in")) == 1, "a refused request was queued"
    assert "reachable beyond loopback" not in g.log_text()
    settle_and_stop(g, broker)


def test_metrics_listener(endpoint, outbound_gateway, broker):
    """server.metrics_listen serves the probes and /metrics, and never the command endpoint."""
    from conftest import free_port, http_request
    ep = endpoint()
    metrics_port = free_port()
    g = outbound_gateway({"currency": target(ep.url("/in"))},
                         server={"metrics_listen": f"127.0.0.1:{metrics_port}"})
    for path in ("/healthz", "/readyz", "/metrics"):
        r = http_request(metrics_port, "GET", path)
        assert r.status == 200, (path, r)
    assert 'rai_gateway_http_connections{listener="metrics"}' in http_request(
        metrics_port, "GET", "/metrics").raw.decode()
    r = http_request(metrics_port, "POST", "/v1/outbound/currency", payload("currency"),
                     g.admin_headers())
    assert r.status == 404, r
    r = http_request(metrics_port, "POST", "/readyz", b"{}")
    assert r.status == 405, r
    # The admin listener still serves both.
    assert http_request(g.admin_port, "GET", "/healthz").status == 200
    assert g.admin_post("/v1/outbound/currency", payload("currency")).status == 202
    assert len(ep.wait_for(1, "/in", timeout=10)) == 1, g.output()
    settle_and_stop(g, broker)


def test_command_endpoint_beyond_loopback_is_warned(endpoint, outbound_gateway, broker):
    ep = endpoint()
    g = outbound_gateway({"currency": target(ep.url("/in"))}, start=False)
    text = g.config_path.read_text()
    g.config_path.write_text(text.replace(f'admin_listen = "127.0.0.1:{g.admin_port}"',
                                          f'admin_listen = "0.0.0.0:{g.admin_port}"'))
    assert f'"0.0.0.0:{g.admin_port}"' in g.config_path.read_text()
    start_consuming(g, broker)
    assert wait_until(lambda: f"0.0.0.0:{g.admin_port} is reachable beyond loopback" in g.log_text(), 10), \
        g.output()
    settle_and_stop(g, broker)


# --------------------------------------------------------------------------- limits


def test_rate_limit_and_max_in_flight(endpoint, outbound_gateway, broker):
    ep = endpoint()
    ep.script_default("/rl", Reply(200))
    ep.script_default("/one", Reply(200, delay=0.3))
    g = outbound_gateway({"currency": target(ep.url("/rl"), rate_limit=4),
                          "user-fields": target(ep.url("/one"), max_in_flight=1)})
    for _ in range(8):
        broker.publish("currency", payload("currency"), unique("rl"))
    got = ep.wait_for(8, "/rl", timeout=10)
    assert len(got) == 8
    span = got[-1].at - got[0].at
    assert span >= 7 / 4 - 0.15, f"8 requests at rate_limit = 4/s took only {span:.2f} s"

    ep.max_active = 0
    for _ in range(4):
        broker.publish("user-fields", payload("user-fields"), unique("one"))
    assert len(ep.wait_for(4, "/one", timeout=10)) == 4
    time.sleep(0.4)
    assert ep.max_active == 1, f"{ep.max_active} requests in flight with max_in_flight = 1"
    settle_and_stop(g, broker)


# --------------------------------------------------------------------------- durability


def test_sigkill_while_waiting_in_retry_queue_loses_nothing(endpoint, outbound_gateway, broker):
    ep = endpoint()
    ep.script("/in", Reply(503, {"Retry-After": "5"}, b"later"))
    t = {"currency": target(ep.url("/in"))}
    g1 = outbound_gateway(t)
    body, mid = payload("currency"), unique("kill")
    tid = broker.publish("currency", body, mid)
    assert ep.wait_for(1, "/in", timeout=10), g1.output()
    parked_at = time.monotonic()
    assert broker.wait_count(RETRY_5S, 1, 5) == 1, "the command is not in the 5s delay queue"
    time.sleep(0.3)  # let the ack of the original delivery reach the broker
    g1.kill()
    assert broker.count(OUTBOUND) == 0, "the original delivery was never acked (it came back on kill)"
    # wait out the delay with no gateway: the broker moves it back to returning.outbound
    time.sleep(max(0.0, parked_at + 5.5 - time.monotonic()))
    assert broker.wait_count(OUTBOUND, 1, 3) == 1, "the command did not come back from the delay queue"
    assert broker.count(RETRY_5S) == 0

    g2 = outbound_gateway(t)
    got = ep.wait_for(2, "/in", timeout=10)
    assert len(got) == 2, f"not delivered after the restart\n{g2.output()}"
    assert got[1].body == body and got[1].headers.get("idempotency-key") == mid
    time.sleep(2.0)
    assert len(ep.received("/in")) == 2, "delivered more than once"
    assert broker.dead_for(tid, wait=0.2) == []
    settle_and_stop(g2, broker)


def test_sigkill_then_restart_before_the_delay_expires(endpoint, outbound_gateway, broker):
    ep = endpoint()
    ep.script("/in", Reply(503, {"Retry-After": "5"}, b"later"))
    t = {"currency": target(ep.url("/in"))}
    g1 = outbound_gateway(t)
    body, mid = payload("currency"), unique("kill2")
    broker.publish("currency", body, mid)
    assert ep.wait_for(1, "/in", timeout=10), g1.output()
    assert broker.wait_count(RETRY_5S, 1, 5) == 1
    time.sleep(0.3)
    g1.kill()
    g2 = outbound_gateway(t)  # restarts while the command still waits
    got = ep.wait_for(2, "/in", timeout=12)
    assert len(got) == 2, f"not delivered after the restart\n{g2.output()}"
    assert got[1].at - got[0].at >= 4.9, "the delay was not kept across the restart"
    time.sleep(2.0)
    assert len(ep.received("/in")) == 2, "delivered more than once"
    settle_and_stop(g2, broker)


def test_sigterm_with_a_send_in_flight_exits_cleanly_and_loses_nothing(endpoint, outbound_gateway, broker):
    ep = endpoint()
    ep.script("/in", Reply(200, delay=4.0))  # outlives the 2 s drain
    t = {"currency": target(ep.url("/in"))}
    g1 = outbound_gateway(t)
    body, mid = payload("currency"), unique("term")
    broker.publish("currency", body, mid)
    assert ep.wait_for(1, "/in", timeout=10), g1.output()
    rc = g1.stop()
    assert rc == 0, f"SIGTERM with a send in flight: exit code {rc}\n{g1.output()}"
    assert broker.wait_count(OUTBOUND, 1, 5) == 1, "the unsettled command was not given back"
    g2 = outbound_gateway(t)
    got = ep.wait_for(2, "/in", timeout=10)
    assert len(got) == 2 and got[1].headers.get("idempotency-key") == mid, g2.output()
    settle_and_stop(g2, broker)


# --------------------------------------------------------------------------- config


def test_outbound_only_gateway_starts_and_delivers(endpoint, outbound_gateway, broker):
    """docs/configuration.md: a gateway may have only [targets.KIND] tables (outbound-only)."""
    ep = endpoint()
    g = outbound_gateway({"currency": target(ep.url("/in"))}, sources={}, start=False)
    start_consuming(g, broker)  # fails here when the config is refused
    body, mid = payload("currency"), unique("only")
    broker.publish("currency", body, mid)
    (r,) = ep.wait_for(1, "/in", timeout=10) or [None]
    assert r is not None and r.body == body
    settle_and_stop(g, broker)


# --------------------------------------------------------------------------- logs


FORGED_TS = "2026-01-01T00:00:00.000Z"
# Raw bytes that must never reach a log line: C0 controls but the line feed, DEL,
# C1 controls (UTF-8 C2 80..C2 9F, U+009B is an 8-bit CSI) and the bidi overrides
# and isolates U+202A..U+202E, U+2066..U+2069.
RAW_CONTROL = re.compile(rb"[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]")


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_hostile_command_kind_cannot_forge_or_colour_log_lines(endpoint, outbound_gateway, broker, fmt):
    """The AMQP `type` / `x-kind` of a command is a value from outside: a newline in it
    must not start a forged "delivered" line, and ESC, C1 (U+009B) and bidi (U+202E)
    characters must reach the log escaped, in both log formats."""
    ep = endpoint()
    g = outbound_gateway({"currency": target(ep.url("/in"))}, log={"format": fmt})
    tag = secrets.token_hex(4)
    forged = (f"x-{tag}\n{FORGED_TS} info outbound: command forged-{tag} kind=currency "
              "delivered (attempt 1, http 200)")
    kinds = [forged, f"esc-{tag}\x1b[2J\x1b[31m", f"csi-{tag}\u009b31m\u0085",
             f"bidi-{tag}\u202egnp.exe\u2066\u202a", f"del-{tag}\x7f\r\x00"]
    tids = []
    for i, kind in enumerate(kinds):
        tids.append(broker.publish(kind, payload("currency"), unique("log"),
                                   via="type" if i % 2 == 0 else "header"))
    for tid in tids:
        assert_dead(broker.dead(tid, timeout=15), "no-target", log=g)

    def mentions() -> list[bytes]:
        raw = g.stderr_path.read_bytes() if g.stderr_path.exists() else b""
        return [line for line in raw.split(b"\n") if tag.encode() in line]

    # The dead-letter lines are logged before the command is parked (async logger).
    assert wait_until(lambda: len(mentions()) >= len(kinds), 15), g.output()
    raw = g.stderr_path.read_bytes()
    bad = RAW_CONTROL.findall(raw)
    assert not bad, f"raw control/bidi bytes in the log: {bad[:10]}\n{raw[-3000:]!r}"
    lines = raw.split(b"\n")
    assert not [l for l in lines if l.startswith(FORGED_TS.encode())], f"a forged line:\n{raw[-3000:]!r}"
    # One record per command, each the dead-letter warning, none a "delivered" record.
    assert len(mentions()) == len(kinds), mentions()
    for line in mentions():
        if fmt == "json":
            rec = json.loads(line)
            assert rec["level"] == "warning" or rec["level"] == "warn", rec
            assert "dead-lettered" in rec["msg"], rec
        else:
            assert b" warning outbound: command " in line or b" warn outbound: command " in line, line
            assert b"dead-lettered (no-target)" in line, line
    text = raw.decode("utf-8")
    if fmt == "text":
        assert f"kind=x-{tag}\\n{FORGED_TS} info" in text  # the newline, escaped
        assert f"esc-{tag}\\u001b[2J" in text and f"csi-{tag}\\u009b31m\\u0085" in text
        assert f"bidi-{tag}\\u202egnp.exe\\u2066\\u202a" in text
    else:  # the escapes decode back to the original kind
        msgs = [json.loads(l)["msg"] for l in mentions()]
        for kind in kinds:
            assert any(f"kind={kind} dead-lettered" in m for m in msgs), (kind, msgs)
    settle_and_stop(g, broker)
