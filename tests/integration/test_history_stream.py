"""The event history stream (docs/wire-format.md §6) as the gateway declares it:
with [history] enabled, returning.events.history is a durable stream with the
configured retention (x-max-age, x-max-length-bytes and the segment size the
gateway derives), bound to returning.events with "#", and every accepted event
lands in it as published (body, properties and headers). A gateway whose
[history] differs from the stream's arguments is refused by the broker and says
so. One gateway for the module, in its own vhost (the stream's arguments must
not clash with other tests' declarations on the shared broker).
"""

from __future__ import annotations

import json
import secrets
import signal
import subprocess
import time
import urllib.parse

import pika
import pytest

from conftest import (
    AMQP_URL,
    EVENTS_EXCHANGE,
    GATEWAY_BIN,
    Gateway,
    rabbitmqctl,
    sample_event,
    standard_sources,
    to_toml,
    unique,
    wait_until,
)

STREAM = "returning.events.history"
MAX_AGE = "36h"
MAX_BYTES = 50_000_000
SEGMENT = 5_000_000  # a tenth of MAX_BYTES (amqp::history_segment_bytes)


def ctl(*args: str) -> str:
    r = rabbitmqctl(*args)
    assert r.returncode == 0, f"rabbitmqctl {' '.join(args)}: {r.stdout}{r.stderr}"
    return r.stdout


def url_for(vhost: str) -> str:
    u = urllib.parse.urlsplit(AMQP_URL)
    return urllib.parse.urlunsplit((u.scheme, u.netloc, "/" + urllib.parse.quote(vhost, safe=""), "", ""))


def queue_arguments(vhost: str, name: str) -> dict:
    rows = json.loads(ctl("list_queues", "-p", vhost, "name", "type", "durable", "arguments",
                          "--formatter", "json"))
    [row] = [r for r in rows if r["name"] == name]
    args = row["arguments"]
    if isinstance(args, list):  # [[key, type, value], ...] or [[key, value], ...]
        args = {a[0]: a[-1] for a in args}
    return {"type": row["type"], "durable": row["durable"], "arguments": args}


@pytest.fixture(scope="module")
def vhost():
    name = unique("rai-it-history")
    user = urllib.parse.urlsplit(AMQP_URL).username or "guest"
    ctl("add_vhost", name)
    try:
        ctl("set_permissions", "-p", name, user, ".*", ".*", ".*")
        yield name
    finally:
        rabbitmqctl("delete_vhost", name)


def history_gateway(workdir, vhost: str, history: dict) -> Gateway:
    gw = Gateway(workdir, standard_sources(secrets.token_hex(3)), amqp={"url": url_for(vhost)})
    gw.config_path.write_text(gw.config_path.read_text() + "\n" + to_toml({"history": history}))
    return gw


@pytest.fixture(scope="module")
def gw(vhost, tmp_path_factory):
    g = history_gateway(tmp_path_factory.mktemp("gw-history"), vhost,
                        {"enabled": True, "max_age": MAX_AGE, "max_bytes": MAX_BYTES})
    g.start(timeout=30)
    yield g
    g.stop()


def test_stream_declared_with_the_configured_retention(gw, vhost):
    q = queue_arguments(vhost, STREAM)
    assert q["type"] == "stream" and q["durable"] in (True, "true")
    assert q["arguments"] == {"x-queue-type": "stream", "x-max-age": MAX_AGE,
                              "x-max-length-bytes": MAX_BYTES,
                              "x-stream-max-segment-size-bytes": SEGMENT}, q
    bindings = json.loads(ctl("list_bindings", "-p", vhost, "source_name", "destination_name",
                              "routing_key", "--formatter", "json"))
    assert [b["routing_key"] for b in bindings
            if b["source_name"] == EVENTS_EXCHANGE and b["destination_name"] == STREAM] == ["#"]


def read_stream(vhost: str, n: int, timeout: float = 10) -> list:
    """The stream's messages from its first offset (a stream needs a prefetch and
    manual acks)."""
    conn = pika.BlockingConnection(pika.URLParameters(url_for(vhost)))
    got: list = []
    try:
        ch = conn.channel()
        ch.basic_qos(prefetch_count=100)
        deadline = time.monotonic() + timeout
        for method, props, body in ch.consume(STREAM, arguments={"x-stream-offset": "first"},
                                              inactivity_timeout=0.5):
            if method is not None:
                got.append((method.routing_key, props, body))
                ch.basic_ack(method.delivery_tag)
            if len(got) >= n or time.monotonic() > deadline:
                break
        ch.cancel()
    finally:
        conn.close()
    return got


def test_every_event_lands_in_the_stream_as_published(gw, vhost):
    # A classic queue bound next to the stream gets the same publishes: what
    # the stream holds must be exactly that, message by message.
    conn = pika.BlockingConnection(pika.URLParameters(url_for(vhost)))
    witness = unique("rai-it-history-witness")
    ch = conn.channel()
    ch.queue_declare(witness, durable=False, auto_delete=False, exclusive=True)
    ch.queue_bind(witness, EVENTS_EXCHANGE, routing_key="#")
    sent = []
    for logical, kind in (("gcm", "user-joined"), ("signed", "store-item-purchased"),
                          ("cbc", "user-visited")):
        body = sample_event(kind, unique("hist"))
        r = gw.send(logical, body, kind)
        assert r.status == 200, r
        sent.append(body)
    published = []
    assert wait_until(lambda: published.extend(
        m for m in [ch.basic_get(witness, auto_ack=True)] if m[0] is not None) or len(published) >= 3, 10)
    conn.close()

    # The stream also holds the gateway's readiness probes, if any: match by body.
    streamed = {body: (rk, props) for rk, props, body in read_stream(vhost, 3)}
    for method, props, body in published:
        assert body in sent
        assert body in streamed, "an accepted event is missing from the stream"
        rk, sprops = streamed[body]
        assert rk == method.routing_key
        for attr in ("message_id", "content_type", "type", "timestamp", "delivery_mode", "app_id"):
            assert getattr(sprops, attr) == getattr(props, attr), attr
        # A stream adds its own x-stream-offset header on delivery; all else is the same.
        headers = dict(sprops.headers or {})
        headers.pop("x-stream-offset", None)
        assert headers == dict(props.headers or {})


def test_a_gateway_with_other_retention_is_refused_and_says_so(gw, vhost, tmp_path):
    other = history_gateway(tmp_path, vhost, {"enabled": True, "max_age": "7D",
                                              "max_bytes": MAX_BYTES})
    proc = subprocess.Popen([str(GATEWAY_BIN), "--config", str(other.config_path)],
                            stdout=open(other.stdout_path, "wb"), stderr=open(other.stderr_path, "wb"),
                            cwd=tmp_path)
    try:
        def refused() -> bool:
            text = "".join(p.read_text(errors="replace") for p in (other.stdout_path, other.stderr_path)
                           if p.exists())
            return "x-max-age" in text and ("PRECONDITION_FAILED" in text or "inequivalent" in text)
        assert wait_until(refused, 20, 0.2), other.output()
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    # The stream keeps the first declaration.
    assert queue_arguments(vhost, STREAM)["arguments"]["x-max-age"] == MAX_AGE
