"""The example CRM workers (examples/python, examples/node) against the real gateway."""

from __future__ import annotations

import json
import os
import queue as queue_mod
import re
import secrets
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import pika
import pytest

from conftest import AMQP_URL, REPO_ROOT, amqp_connect, sample_event, unique

PY_WORKER = REPO_ROOT / "examples" / "python" / "worker.py"
NODE_DIR = REPO_ROOT / "examples" / "node"


class Worker:
    def __init__(self, argv: list[str], queue: str, cwd: Path):
        self.queue = queue
        env = dict(os.environ, AMQP_URL=AMQP_URL, PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=cwd)
        self.lines: queue_mod.Queue = queue_mod.Queue()
        self.stderr: list[str] = []
        self.ready = threading.Event()
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read_stdout(self):
        for raw in self.proc.stdout:
            self.lines.put(raw.decode("utf-8", "replace").rstrip("\n"))

    def _read_stderr(self):
        for raw in self.proc.stderr:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.stderr.append(line)
            if line.startswith("ready"):
                self.ready.set()

    def diag(self) -> str:
        return "worker stderr:\n" + "\n".join(self.stderr[-40:])

    def wait_ready(self, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while not self.ready.wait(0.1):
            if self.proc.poll() is not None:
                time.sleep(0.2)
                pytest.fail(f"worker exited with {self.proc.returncode}\n{self.diag()}")
            if time.monotonic() > deadline:
                pytest.fail(f"worker not ready within {timeout} s\n{self.diag()}")

    def records(self, n: int, timeout: float = 10) -> list[dict]:
        out = []
        deadline = time.monotonic() + timeout
        while len(out) < n:
            try:
                line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue_mod.Empty:
                break
            try:
                out.append(json.loads(line))
            except ValueError:
                pytest.fail(f"worker printed a non-JSON line on stdout: {line!r}")
        assert len(out) == n, f"expected {n} lines from the worker, got {out}\n{self.diag()}"
        return out

    def no_more(self, wait: float = 0.5) -> None:
        try:
            line = self.lines.get(timeout=wait)
        except queue_mod.Empty:
            return
        pytest.fail(f"unexpected extra worker output: {line!r}\n{self.diag()}")

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def _delete_queue(name: str) -> None:
    try:
        conn = amqp_connect(attempts=5)
        conn.channel().queue_delete(name)
        conn.close()
    except Exception:
        pass


def _node_argv() -> list[str]:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed (Node.js 18+ is needed for examples/node)")
    if not (NODE_DIR / "node_modules" / "amqplib").is_dir():
        pytest.fail(f"{NODE_DIR}/node_modules is missing: run `npm ci --prefix examples/node` first")
    return [node, str(NODE_DIR / "worker.js")]


@pytest.fixture(params=["python", "node"])
def worker_argv(request) -> list[str]:
    if request.param == "python":
        return ["/usr/bin/python3", str(PY_WORKER)]
    return _node_argv()


@pytest.fixture
def start_worker():
    started: list[Worker] = []

    def start(argv: list[str], queue: str, patterns: list[str]) -> Worker:
        args = argv + ["--queue", queue, "--prefetch", "10"]
        for p in patterns:
            args += ["--pattern", p]
        w = Worker(args, queue, REPO_ROOT)
        started.append(w)
        w.wait_ready()
        return w

    yield start
    for w in started:
        w.stop()
        _delete_queue(w.queue)


def test_worker_processes_events_and_skips_redeliveries(gw, start_worker, worker_argv):
    src = gw["gcm"]
    other = gw["auto"]
    queue = unique("rai-it-worker")
    # two event kinds of one source, plus everything of another
    w = start_worker(worker_argv, queue, [f"returning.{src.name}.user-joined", f"returning.{src.name}.user-visited",
                                          f"returning.{other.name}.#"])

    sent = []
    # The first event carries a traceparent: the worker names its trace
    # (docs/wire-format.md §8); the others get a trace the gateway starts.
    trace = secrets.token_hex(16)
    for kind, extra in (("user-joined", {"traceparent": f"00-{trace}-{secrets.token_hex(8)}-01"}),
                        ("user-visited", None)):
        eid = unique("w")
        r = gw.send("gcm", sample_event(kind, eid), kind, headers=extra)
        assert r.status == 200, r
        sent.append((eid, src.routing_key(kind), kind, src.name))
    # not matched by the worker's patterns
    r = gw.send("gcm", sample_event("store-item-purchased"), "store-item-purchased")
    assert r.status == 200, r
    eid = unique("w")
    r = gw.send("auto", sample_event("store-item-purchased", eid), "store-item-purchased")
    assert r.status == 200, r
    sent.append((eid, other.routing_key("store-item-purchased"), "store-item-purchased", other.name))

    got = w.records(3)
    assert [(g["message_id"], g["routing_key"], g["type"]) for g in got] == [s[:3] for s in sent]
    assert [g["source"] for g in got] == [s[3] for s in sent]
    assert got[0]["trace_id"] == trace, got[0]
    assert all(re.fullmatch(r"[0-9a-f]{32}", g["trace_id"] or "") for g in got), got
    assert got[1]["trace_id"] != trace

    # An AMQP-level redelivery: a copy of the first message (same message_id, same
    # x-source) put straight into the worker's queue. It must be acked, not processed.
    dup_id = sent[0][0]
    conn = amqp_connect()
    try:
        ch = conn.channel()
        ch.confirm_delivery()
        ch.basic_publish("", queue, sample_event("user-joined", dup_id), pika.BasicProperties(
            message_id=dup_id, type="user-joined", delivery_mode=2, content_type="application/json",
            headers={"x-source": src.name}), mandatory=True)
        # the same message_id from another source is a different event
        ch.basic_publish("", queue, sample_event("user-joined", dup_id), pika.BasicProperties(
            message_id=dup_id, type="user-joined", delivery_mode=2, content_type="application/json",
            headers={"x-source": other.name}), mandatory=True)
    finally:
        conn.close()
    [g] = w.records(1)
    assert g["message_id"] == dup_id and g["source"] == other.name, g
    assert g["trace_id"] is None, g  # published without a traceparent

    # a last event through the gateway: it comes after the copies in the queue, so once
    # it is printed the copy of the first one has surely been seen and skipped
    last = unique("w")
    assert gw.send("gcm", sample_event("user-joined", last), "user-joined").status == 200
    [g] = w.records(1)
    assert g["message_id"] == last
    w.no_more(0.5)
    deadline = time.monotonic() + 3  # stderr is read by another thread
    while not any("duplicate" in line for line in w.stderr) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert any("duplicate" in line for line in w.stderr), w.diag()

    # everything was acked: the queue is empty once the worker stops
    rc = w.stop()
    assert rc == 0, f"worker exit code {rc} on SIGTERM\n{w.diag()}"
    conn = amqp_connect()
    try:
        ok = conn.channel().queue_declare(queue, passive=True)
        assert ok.method.message_count == 0, "worker left unacked messages"
    finally:
        conn.close()


def test_worker_resumes_from_its_durable_queue(gw, start_worker, worker_argv):
    """Events published while the worker is down wait in its durable queue."""
    src = gw["cbc"]
    queue = unique("rai-it-worker")
    w = start_worker(worker_argv, queue, [f"returning.{src.name}.#"])
    assert w.stop() == 0, w.diag()
    ids = []
    for kind in ("message-posted", "channel-message-posted"):
        eid = unique("w")
        ids.append(eid)
        assert gw.send("cbc", sample_event(kind, eid), kind).status == 200
    w2 = start_worker(worker_argv, queue, [f"returning.{src.name}.#"])
    got = w2.records(2)
    assert [g["message_id"] for g in got] == ids
