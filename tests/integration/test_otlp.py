"""Span export (OTLP/HTTP, JSON): a gateway with tracing.otlp_endpoint sends one server span
per webhook request to a small collector this module starts (http.server on a free port that
records every POSTed body), with the trace id of the published message's traceparent; with the
collector hanging or gone the gateway keeps answering 200 at normal latency and counts the
spans it drops (rai_gateway_spans_dropped_total). One gateway for the module."""
from __future__ import annotations

import json
import secrets
import statistics
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import _factory, free_port, http_request, reader_for, wait_until
from test_operations import metrics, one_source, sample


class Collector:
    """POST /v1/traces -> 200 {} and the JSON body recorded; mode 'hang' answers after 5 s
    (past the exporter's 2 s timeout); stop() closes the port (connection refused)."""

    def __init__(self, port: int):
        self.port = port
        self.bodies: list[dict] = []
        self.posts = 0
        self.mode = "ok"
        self.lock = threading.Lock()
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with collector.lock:
                    collector.posts += 1
                    mode = collector.mode
                if mode == "hang":
                    time.sleep(5)
                    return
                ok = self.path == "/v1/traces" and \
                    self.headers.get("Content-Type") == "application/json"
                if ok:
                    with collector.lock:
                        collector.bodies.append(json.loads(raw))
                self.send_response(200 if ok else 400)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def spans(self) -> list[tuple[dict, dict]]:
        """(resource, span) of every span received."""
        out = []
        with self.lock:
            for body in self.bodies:
                for rs in body["resourceSpans"]:
                    for ss in rs["scopeSpans"]:
                        out.extend((rs["resource"], s) for s in ss["spans"])
        return out

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def traced(tmp_path_factory):
    collector = Collector(free_port())
    started: list = []
    g = _factory(tmp_path_factory, started)(one_source(), start=False)
    with open(g.config_path, "a") as f:
        f.write(f'\n[tracing]\notlp_endpoint = "http://127.0.0.1:{collector.port}/v1/traces"\n')
    g.start()
    yield g, collector
    for x in started:
        x.stop()
    collector.stop()


def new_traceparent() -> tuple[str, str]:
    trace_id = secrets.token_hex(16)
    return f"00-{trace_id}-{secrets.token_hex(8)}-01", trace_id


def timed_send(g, plaintext: bytes, headers: dict[str, str] | None = None) -> float:
    src = g["ops"]
    body, h = src.build(plaintext)
    h.update(headers or {})
    t0 = time.monotonic()
    r = g.post(src.path("user-joined"), body, h)
    elapsed = time.monotonic() - t0
    assert r.status == 200, r
    return elapsed


def event(i: int) -> bytes:
    return json.dumps({"id": secrets.token_hex(8), "n": i}).encode()


def test_server_spans_carry_the_trace_id_of_the_published_message(traced, reader):
    g, collector = traced
    q = reader_for(reader, g["ops"])
    sent = []
    for i in range(3):
        traceparent, trace_id = new_traceparent()
        timed_send(g, event(i), {"traceparent": traceparent})
        sent.append(trace_id)
    timed_send(g, event(3))  # no traceparent: the gateway starts the trace
    published = [m.headers["traceparent"].split("-")[1] for m in q.expect(4)]
    assert published[:3] == sent

    def server_spans():
        return {s["traceId"]: (r, s) for r, s in collector.spans() if s["kind"] == 2}

    got = wait_until(lambda: all(t in server_spans() for t in published) and server_spans(), 5)
    assert got and all(t in got for t in published), (published, list(server_spans()))
    for t in published:
        resource, span = got[t]
        assert {"key": "service.name", "value": {"stringValue": "rai-gateway"}} in \
            resource["attributes"]
        assert len(span["spanId"]) == 16 and span["spanId"] != "0" * 16
        assert int(span["endTimeUnixNano"]) >= int(span["startTimeUnixNano"]) > 0
        assert "status" not in span or span["status"].get("code") != 2  # answered 200
    m = metrics(g)
    assert sample(m, "rai_gateway_spans_exported_total") >= 4
    assert sample(m, "rai_gateway_spans_dropped_total", reason="queue_full") == 0


def test_a_hanging_or_absent_collector_costs_no_latency_and_drops_are_counted(traced):
    g, collector = traced
    baseline = [timed_send(g, event(i)) for i in range(10)]
    failed_before = sample(metrics(g), "rai_gateway_spans_dropped_total", reason="export_failed")

    collector.mode = "hang"  # answers after the exporter's 2 s timeout
    posts = collector.posts
    hanging = [timed_send(g, event(i)) for i in range(10)]
    assert wait_until(lambda: collector.posts > posts, 5), "no export reached the collector"
    # the batch's 2 s timeout, after at most one 1 s interval; generous for a loaded CI box
    assert wait_until(lambda: sample(metrics(g), "rai_gateway_spans_dropped_total",
                                     reason="export_failed") > failed_before, 8)

    collector.stop()  # now the port refuses connections
    failed_before = sample(metrics(g), "rai_gateway_spans_dropped_total", reason="export_failed")
    gone = [timed_send(g, event(i)) for i in range(10)]
    assert wait_until(lambda: sample(metrics(g), "rai_gateway_spans_dropped_total",
                                     reason="export_failed") > failed_before, 8)

    # A request that waited for the exporter would take its 2 s timeout; the bounds leave
    # room for a loaded machine and still catch that.
    normal = statistics.median(baseline)
    for name, times in (("hanging", hanging), ("absent", gone)):
        assert statistics.median(times) < 5 * normal + 0.1, (name, times, baseline)
        assert max(times) < 1.0, (name, times)
    r = http_request(g.admin_port, "GET", "/readyz", timeout=5)
    assert r.status == 200  # span export is not a readiness check
