"""Several replicas, one dedupe window (wire-format.md §6a): two gateways share
a real Redis started by scripts/start-redis (127.0.0.1:6390; state under
$RAI_TEST_STATE or /tmp/rai-test-services), with dedupe.backend = "redis".

* the same events posted to both replicas at once are published exactly once;
* Redis stopped mid-run (scripts/stop-redis): both keep answering 200 and
  publishing with their own windows, count the errors, say store_up 0, and log
  the outage once;
* Redis started again: both go back to it by themselves and sharing resumes.

The Redis is started once for the module (and stopped at the end only when
this module started it); the two replicas are made once too.
"""

from __future__ import annotations

import os
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import (
    REPO_ROOT,
    Gateway,
    QueueReader,
    http_request,
    sample_event,
    standard_sources,
    unique,
    wait_until,
)

REDIS_PORT = 6390
REDIS_URL = f"redis://127.0.0.1:{REDIS_PORT}/0"
START_REDIS = REPO_ROOT / "scripts" / "start-redis"
STOP_REDIS = REPO_ROOT / "scripts" / "stop-redis"


def redis_answers() -> bool:
    r = subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(REDIS_PORT), "ping"],
                       capture_output=True, text=True, timeout=10)
    return r.stdout.strip() == "PONG"


def script(path) -> None:
    r = subprocess.run([str(path)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, f"{path.name}: {r.stdout}{r.stderr}"


@pytest.fixture(scope="module")
def redis_service():
    was_running = redis_answers()
    script(START_REDIS)
    yield
    if not was_running:
        script(STOP_REDIS)
    elif not redis_answers():
        script(START_REDIS)


def metrics(g: Gateway) -> dict[str, float]:
    r = http_request(g.admin_port, "GET", "/metrics", timeout=5)
    assert r.status == 200, r
    out = {}
    for line in r.raw.decode().splitlines():
        if line and not line.startswith("#"):
            series, _, value = line.rpartition(" ")
            out[series] = float(value)
    return out


def store_up(g: Gateway) -> float:
    return metrics(g).get("rai_gateway_dedupe_store_up", -1)


def store_errors(g: Gateway) -> float:
    return metrics(g)["rai_gateway_dedupe_store_errors_total"]


@pytest.fixture(scope="module")
def replicas(redis_service, tmp_path_factory):
    """Two replicas: the same source (name, keys, API key), the same Redis and prefix."""
    tag = unique("rep")[-6:]
    sources = {"gcm": standard_sources(tag)["gcm"]}
    # 250 ms per command: generous for a loaded CI machine, so a slow reply
    # does not count as an outage here (the unit tests cover timeouts).
    dedupe = {"backend": "redis", "redis_url": REDIS_URL, "redis_prefix": f"rai-it:{tag}:",
              "redis_timeout_ms": 250}
    made = [Gateway(tmp_path_factory.mktemp(name), sources, dedupe=dedupe) for name in ("a", "b")]
    try:
        for g in made:
            g.start()
        for g in made:
            assert wait_until(lambda: store_up(g) == 1, 10), f"Redis not in use\n{g.output()}"
        yield made
    finally:
        for g in made:
            g.stop()


def post(g: Gateway, event_id: str, until_decided: bool = True):
    """POSTs one event; a 503 (in flight at the other replica) is retried the way a
    sender retries, until a 200 decides it."""
    src = g["gcm"]
    for _ in range(100):
        body, headers = src.build(sample_event("user-joined", event_id))
        r = g.post(src.path("user-joined"), body, headers)
        if r.status != 503 or not until_decided:
            return r
        time.sleep(0.05)
    return r


def test_same_events_at_both_replicas_are_published_once(replicas):
    a, b = replicas
    reader = QueueReader([f"returning.{a['gcm'].name}.#"])
    try:
        n = 200
        ids = [unique("evt") for _ in range(n)]
        with ThreadPoolExecutor(max_workers=16) as pool:
            # Each event goes to both replicas at the same moment.
            futures = [(eid, pool.submit(post, a, eid), pool.submit(post, b, eid)) for eid in ids]
            results = [(eid, fa.result(), fb.result()) for eid, fa, fb in futures]
        for eid, ra, rb in results:
            assert ra.status == 200, ra
            assert rb.status == 200, rb
            # One of the two published it; the other said duplicate.
            dups = [bool(r.json.get("duplicate")) for r in (ra, rb)]
            assert sorted(dups) == [False, True], (eid, ra, rb)
        got = reader.drain(wait=1.0)
        published = [m.props.message_id for m in got]
        duplicates = len(published) - len(set(published))
        print(f"\n{n} events each posted to both replicas at once: {len(published)} published, "
              f"{duplicates} published twice")
        assert duplicates == 0
        assert sorted(published) == sorted(ids)
    finally:
        reader.close()
    assert store_errors(a) == 0 and store_errors(b) == 0


def test_redis_down_then_back(replicas):
    a, b = replicas
    reader = QueueReader([f"returning.{a['gcm'].name}.#"])
    try:
        script(STOP_REDIS)
        try:
            assert wait_until(lambda: store_up(a) == 0 and store_up(b) == 0, 10)
            # Both keep accepting and publishing, each with its own window.
            down_ids = [unique("down") for _ in range(20)]
            for i, eid in enumerate(down_ids):
                r = post(a if i % 2 else b, eid)
                assert r.status == 200 and not r.json.get("duplicate"), r
            repeat = post(a, down_ids[1])  # a replica still knows what it accepted itself
            assert repeat.status == 200 and repeat.json.get("duplicate") is True, repeat
            got = reader.expect(len(down_ids), timeout=10)
            assert sorted(m.props.message_id for m in got) == sorted(down_ids)
            assert reader.drain(wait=0.5) == []
            for g in (a, b):
                assert store_errors(g) > 0
                assert store_up(g) == 0
            # Requests while down do not wait for Redis: no timeout per request.
            t0 = time.monotonic()
            for _ in range(10):
                assert post(a, unique("fast")).status == 200
            assert (time.monotonic() - t0) / 10 < 0.25
            reader.drain(wait=0.3)
        finally:
            script(START_REDIS)
        for g in (a, b):
            assert wait_until(lambda: store_up(g) == 1, 15), f"not back on Redis\n{g.output()}"
        # Sharing resumes: accepted at A, a duplicate at B.
        eid = unique("back")
        ra = post(a, eid)
        assert ra.status == 200 and not ra.json.get("duplicate"), ra
        rb = post(b, eid)
        assert rb.status == 200 and rb.json.get("duplicate") is True, rb
        assert len(reader.expect(1, timeout=5)) == 1
        assert reader.drain(wait=0.5) == []
    finally:
        reader.close()
    # The outage was logged once per replica, and its end once.
    for g in (a, b):
        lines = [l for l in g.output(limit=10_000_000).splitlines() if "dedupe:" in l]
        assert sum("unavailable (" in l for l in lines) == 1, lines
        assert sum("shared again" in l for l in lines) == 1, lines


def test_refused_credentials_fall_back_and_never_log_the_password(redis_service, tmp_path):
    """AUTH refused (the test Redis has no such user): the replica accepts with its own
    window, says store_up 0, and its log names Redis without the password."""
    password = "pw-" + unique("secret")
    g = Gateway(tmp_path / "gw", {"gcm": standard_sources(unique("auth")[-6:])["gcm"]},
                dedupe={"backend": "redis", "redis_url": f"redis://nobody:{password}@127.0.0.1:{REDIS_PORT}/0"})
    try:
        g.start()
        assert wait_until(lambda: store_errors(g) > 0, 10), g.output()
        assert store_up(g) == 0
        eid = unique("evt")
        assert post(g, eid).status == 200
        r = post(g, eid)
        assert r.status == 200 and r.json.get("duplicate") is True, r
        text = g.output(limit=10_000_000)
        assert "redis://nobody:***@127.0.0.1:6390/0" in text, text[-2000:]
        assert password not in text
        assert "authentication refused" in text, text[-2000:]
    finally:
        g.stop()
