"""History replay against the real broker: rai-gateway-tool history replay / show.

One gateway with history.enabled, in a vhost of this module's own (the stream
returning.events.history is declared there with the defaults and deleted with
the vhost). Events are sent in three batches seconds apart; the tests replay
the middle one by time range and event kind, count it with --dry-run, find an
event with show --id, and resume a replay interrupted by a broker restart.
"""

from __future__ import annotations

import datetime
import re
import secrets
import shlex
import subprocess
import time
import urllib.parse

import pika
import pytest

from conftest import (
    AMQP_URL,
    EVENTS_EXCHANGE,
    Gateway,
    broker_stopped,
    rabbitmqctl,
    sample_event,
    standard_sources,
    unique,
    wait_until,
)
from test_tool import TOOL

KINDS = ("user-joined", "message-posted", "user-visited")


def rfc3339(t: float) -> str:
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def url_for(vhost: str) -> str:
    u = urllib.parse.urlsplit(AMQP_URL)
    return urllib.parse.urlunsplit((u.scheme, u.netloc, "/" + urllib.parse.quote(vhost, safe=""), "", ""))


def ctl(*args: str) -> None:
    r = rabbitmqctl(*args)
    assert r.returncode == 0, f"rabbitmqctl {' '.join(args)}: {r.stdout}{r.stderr}"


def history(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([str(TOOL), "history", *args], capture_output=True, text=True, timeout=timeout)


def ok(r: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert r.returncode == 0, f"exit {r.returncode}\nstdout: {r.stdout[-2000:]}\nstderr: {r.stderr[-2000:]}"
    return r


class Env:
    def __init__(self, vhost: str, gw: Gateway):
        self.vhost = vhost
        self.url = url_for(vhost)
        self.gw = gw
        self.batches: list[list[tuple[str, str, bytes]]] = []  # (id, kind, body)
        self.since = ""
        self.until = ""

    def connect(self) -> pika.BlockingConnection:
        return pika.BlockingConnection(pika.URLParameters(self.url))

    def drain(self, queue: str, expect: int, timeout: float = 10) -> list:
        """Every message in `queue` once at least `expect` are there (and a moment more)."""
        conn = self.connect()
        try:
            ch = conn.channel()
            got = []
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                method, props, body = ch.basic_get(queue, auto_ack=True)
                if method is None:
                    if len(got) >= expect:
                        break
                    time.sleep(0.1)
                    continue
                got.append((props, body))
            return got
        finally:
            conn.close()


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    vhost = unique("rai-history")
    ctl("add_vhost", vhost)
    gw = None
    try:
        ctl("set_permissions", "-p", vhost, urllib.parse.urlsplit(AMQP_URL).username or "guest", ".*", ".*", ".*")
        sources = {k: v for k, v in standard_sources(secrets.token_hex(3)).items() if k == "gcm"}
        gw = Gateway(tmp_path_factory.mktemp("gw-history"), sources, amqp={"url": url_for(vhost)})
        with open(gw.config_path, "a") as f:
            f.write("\n[history]\nenabled = true\n")
        gw.start()
        e = Env(vhost, gw)
        for n, batch in enumerate(((2, 1, 0), (3, 2, 1), (2, 1, 1))):
            if n > 0:
                time.sleep(1.2)
            if n == 1:
                e.since = rfc3339(time.time())
            sent = []
            for kind, count in zip(KINDS, batch):
                for _ in range(count):
                    eid = unique("evt")
                    body = sample_event(kind, eid)
                    r = gw.send("gcm", body, kind)
                    assert r.status == 200, r
                    sent.append((eid, kind, body))
            e.batches.append(sent)
            if n == 1:
                time.sleep(0.05)
                e.until = rfc3339(time.time())
        yield e
    finally:
        if gw is not None:
            gw.stop()
        rabbitmqctl("delete_vhost", vhost)


def test_replay_of_the_middle_range_and_one_kind_holds_exactly_those_once(env):
    queue = unique("rai-history-replayed")
    r = ok(history("replay", "--config", str(env.gw.config_path), "--since", env.since, "--until", env.until,
                   "--event", "user-joined", "--to-queue", queue, "--idle-ms", "500"))
    wanted = {eid: body for eid, kind, body in env.batches[1] if kind == "user-joined"}
    assert r.stdout.strip().splitlines()[-1] == f"replayed {len(wanted)} event(s) into queue {queue}"
    got = env.drain(queue, len(wanted))
    assert sorted(p.message_id for p, _ in got) == sorted(wanted)  # exactly those, once each
    for props, body in got:
        assert body == wanted[props.message_id]  # byte-identical
        assert props.type == "user-joined" and props.content_type == "application/json"
        assert props.delivery_mode == 2 and props.timestamp
        h = props.headers
        assert h["x-source"] == env.gw["gcm"].name
        assert env.since <= h["x-received-at"] < env.until
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", h["x-replayed-at"])


def test_dry_run_counts_the_range_per_kind_and_publishes_nothing(env):
    r = ok(history("replay", "--amqp-url", env.url, "--since", env.since, "--until", env.until,
                   "--to-exchange", EVENTS_EXCHANGE, "--dry-run", "--idle-ms", "500"))
    lines = r.stdout.strip().splitlines()
    counts = dict(line.split("\t") for line in lines[:-1])
    assert counts == {"message-posted": "2", "user-joined": "3", "user-visited": "1"}
    assert lines[-1] == "would replay 6 event(s) (dry run: nothing published)"
    # The whole history, by source, still holds all three batches and nothing more: the
    # dry run added nothing to the stream.
    whole = ok(history("replay", "--amqp-url", env.url, "--since", rfc3339(time.time() - 600),
                       "--source", env.gw["gcm"].name, "--to-queue", "unused", "--dry-run", "--idle-ms", "500"))
    total = sum(len(b) for b in env.batches)
    assert whole.stdout.strip().splitlines()[-1] == f"would replay {total} event(s) (dry run: nothing published)"


def test_replay_to_an_exchange_keeps_each_events_routing_key(env):
    queue = unique("rai-history-topic")
    conn = env.connect()
    try:
        ch = conn.channel()
        ch.queue_declare(queue, durable=True)
        ch.queue_bind(queue, "amq.topic", routing_key=f"returning.{env.gw['gcm'].name}.#")
    finally:
        conn.close()
    ok(history("replay", "--amqp-url", env.url, "--since", env.since, "--until", env.until,
               "--event", "message-posted", "--to-exchange", "amq.topic", "--idle-ms", "500"))
    wanted = {eid for eid, kind, _ in env.batches[1] if kind == "message-posted"}
    got = env.drain(queue, len(wanted))
    assert sorted(p.message_id for p, _ in got) == sorted(wanted)
    # An explicit key that routes nowhere is a failure, not a silent loss (mandatory).
    r = history("replay", "--amqp-url", env.url, "--since", env.since, "--until", env.until,
                "--to-exchange", "amq.topic", "--routing-key", "nowhere", "--idle-ms", "500")
    assert r.returncode == 1 and "replayed 0 event(s)" in r.stdout, (r.stdout, r.stderr)
    assert "returned" in r.stderr and "--from-offset" in r.stderr, r.stderr


def test_show_finds_one_event_by_id_without_its_body(env):
    eid, kind, body = env.batches[2][0]
    r = ok(history("show", "--amqp-url", env.url, "--id", eid, "--idle-ms", "500"))
    lines = r.stdout.strip().splitlines()
    assert lines[0].split("\t") == ["OFFSET", "RECEIVED_AT", "ID", "SOURCE", "EVENT", "BYTES", "REPLAYED_AT"]
    assert len(lines) == 2
    offset, received, shown_id, source, event, size, replayed = lines[1].split("\t")
    assert (shown_id, source, event, size, replayed) == (eid, env.gw["gcm"].name, kind, str(len(body)), "-")
    assert int(offset) >= 0 and received > env.until
    assert body.decode() not in r.stdout
    with_body = ok(history("show", "--amqp-url", env.url, "--id", eid, "--body", "--idle-ms", "500"))
    assert with_body.stdout.strip().splitlines()[1].endswith("\t" + body.decode().replace("\n", " "))
    missing = history("show", "--amqp-url", env.url, "--id", "no-such-event", "--idle-ms", "500")
    assert missing.returncode == 1 and "no-such-event" in missing.stderr


def test_bad_times_are_usage_errors(env):
    for since in ("2026-13-01T00:00:00Z", "yesterday", "2026-01-01T00:00:00"):
        r = history("replay", "--amqp-url", env.url, "--since", since, "--to-queue", "q")
        assert r.returncode == 2 and "--since" in r.stderr, r.stderr


def test_a_replay_interrupted_by_a_broker_restart_resumes_where_it_stopped(env):
    """300 events published straight to the exchange (as the gateway would, with
    x-received-at), replayed slowly; the broker restarts mid-way; the printed resume
    command completes the replay: every event at least once, and only the unconfirmed
    tail at most twice."""
    n = 300
    since = rfc3339(time.time())
    time.sleep(0.01)
    conn = env.connect()
    ch = conn.channel()
    ch.confirm_delivery()
    ids = []
    for i in range(n):
        eid = unique("rst")
        ids.append(eid)
        ch.basic_publish(EVENTS_EXCHANGE, "returning.restart.user-joined", sample_event("user-joined", eid),
                         pika.BasicProperties(message_id=eid, type="user-joined", delivery_mode=2,
                                              content_type="application/json", timestamp=int(time.time()),
                                              headers={"x-source": "restart",
                                                       "x-received-at": rfc3339(time.time())}))
    conn.close()
    time.sleep(0.01)
    until = rfc3339(time.time())
    queue = unique("rai-history-resumed")
    args = ["replay", "--config", str(env.gw.config_path), "--since", since, "--until", until,
            "--source", "restart", "--to-queue", queue, "--rate", "50", "--batch", "10", "--idle-ms", "500",
            "--timeout-ms", "3000"]
    p = subprocess.Popen([str(TOOL), "history", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(0.5)
    with broker_stopped():
        out, err = p.communicate(timeout=60)
    assert p.returncode == 1, (out, err)
    print(err)
    first = int(re.search(r"replayed (\d+) event", out).group(1))
    assert 0 < first < n, (out, err)
    resume = re.search(r"Resume with:\n\s+(.*)\n", err).group(1)
    words = shlex.split(resume)
    assert words[:3] == ["rai-gateway-tool", "history", "replay"] and "--from-offset" in words
    env.gw.wait_ready(30)
    second = ok(subprocess.run([str(TOOL), *words[1:], "--idle-ms", "500"], capture_output=True, text=True,
                               timeout=120))
    rest = int(re.search(r"replayed (\d+) event", second.stdout).group(1))
    got = env.drain(queue, n, timeout=20)
    got_ids = [p.message_id for p, _ in got]
    assert set(got_ids) == set(ids)
    # Counted = confirmed; an event published but unconfirmed when the broker went
    # away may be in the queue twice (at least once), at most the one window of 10.
    assert first + rest <= len(got_ids) <= first + rest + 10
    assert len(got_ids) - n <= 10
