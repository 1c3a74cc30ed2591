"""Operations: /healthz, /readyz, /metrics (checked by promtool), graceful SIGTERM under
load, SIGHUP key rotation, the TLS webhook listener. Drives the real binary against the
real local RabbitMQ."""
from __future__ import annotations

import http.client
import json
import re
import shutil
import signal
import socket
import ssl
import subprocess
import threading
import time

import pytest

from conftest import (RawConn, Source, broker_stopped, http_request, key_plain, sample_event,
                      to_toml, unique, wait_until)
from outbound_support import TestCA

PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"


def one_source(tag: str | None = None) -> dict[str, Source]:
    k = key_plain()
    name = f"ops-{tag or unique('s')}"
    return {"ops": Source("ops", name, "aes-256-gcm", [k[0]], [k[1]], [unique("apikey")], "json",
                          "base64")}


def admin_get(g, path: str) :
    return http_request(g.admin_port, "GET", path, timeout=5)


def metrics(g) -> dict[str, float]:
    """Every sample of /metrics as {'name{labels}': value}."""
    r = admin_get(g, "/metrics")
    assert r.status == 200
    out = {}
    for line in r.raw.decode().splitlines():
        if line and not line.startswith("#"):
            series, _, value = line.rpartition(" ")
            out[series] = float(value)
    return out


def sample(m: dict[str, float], name: str, **labels: str) -> float:
    """The value of the series with exactly these labels (0 when absent)."""
    want = ",".join(f'{k}="{v}"' for k, v in labels.items())
    return m.get(f"{name}{{{want}}}" if labels else name, 0.0)


# --------------------------------------------------------------------------- endpoints


def test_healthz_and_readyz(gateway_factory):
    g = gateway_factory(one_source())
    r = admin_get(g, "/healthz")
    assert r.status == 200 and r.json == {"status": "ok"}
    r = admin_get(g, "/readyz")
    assert r.status == 200 and r.json["status"] == "ready"
    r = http_request(g.admin_port, "POST", "/readyz", b"{}")
    assert r.status == 405 and r.headers["allow"] == "GET, HEAD"
    r = http_request(g.admin_port, "HEAD", "/metrics")
    assert r.status == 200 and r.raw == b""


def test_metrics_pass_promtool_and_move_with_traffic(gateway_factory, reader):
    srcs = one_source()
    g = gateway_factory(srcs)
    src = srcs["ops"]
    q = reader(f"returning.{src.name}.#")
    before = metrics(g)
    ids = [unique("ev") for _ in range(3)]
    for i in ids:
        assert g.send("ops", sample_event("user-joined", i), "user-joined").status == 200
    assert g.send("ops", sample_event("user-joined", ids[0]), "user-joined").status == 200  # duplicate
    body, headers = src.build(sample_event("user-visited"), api_key="wrong")
    assert g.post(src.path("user-visited"), body, headers).status == 401
    assert g.post("/webhooks/no-such-source", b"{}").status == 404
    q.expect(3)

    r = admin_get(g, "/metrics")
    assert r.headers["content-type"].startswith("text/plain; version=0.0.4")
    check = subprocess.run([PROMTOOL, "check", "metrics"], input=r.raw, capture_output=True,
                           timeout=30)
    assert check.returncode == 0, check.stdout.decode() + check.stderr.decode()

    after = metrics(g)

    def delta(name, **labels):
        return sample(after, name, **labels) - sample(before, name, **labels)

    n = src.name
    assert delta("rai_gateway_inbound_requests_total", source=n, event="user-joined",
                 status="200") == 4
    assert delta("rai_gateway_inbound_requests_total", source=n, event="user-visited",
                 status="401") == 1
    assert delta("rai_gateway_inbound_requests_total", source="-", event="unknown",
                 status="404") == 1
    assert delta("rai_gateway_inbound_auth_failures_total", source=n, reason="bad_api_key") == 1
    assert delta("rai_gateway_inbound_duplicates_total", source=n) == 1
    assert delta("rai_gateway_inbound_request_duration_seconds_count", source=n) == 5
    assert delta("rai_gateway_publish_total", result="confirmed") == 3
    assert sample(after, "rai_gateway_broker_connected", connection="publisher") == 1
    assert sample(after, "rai_gateway_build_info", version=sample_version(after)) == 1
    assert sample(after, "rai_gateway_inbound_in_flight") == 0


def sample_version(m: dict[str, float]) -> str:
    for k in m:
        found = re.match(r'rai_gateway_build_info\{version="([^"]+)"\}', k)
        if found:
            return found.group(1)
    raise AssertionError("no rai_gateway_build_info")


def test_readyz_follows_the_broker(gateway_factory):
    g = gateway_factory(one_source())
    assert admin_get(g, "/readyz").status == 200
    with broker_stopped():
        assert wait_until(lambda: admin_get(g, "/readyz").status == 503, 30)
        r = admin_get(g, "/readyz")
        assert r.json == {"status": "not ready", "failing": ["broker"]}
        assert sample(metrics(g), "rai_gateway_broker_connected", connection="publisher") == 0
        assert admin_get(g, "/healthz").status == 200  # alive, just not ready
    assert wait_until(lambda: admin_get(g, "/readyz").status == 200, 60)
    assert sample(metrics(g), "rai_gateway_broker_reconnects_total", connection="publisher") >= 1
    g.wait_ready(30)


# --------------------------------------------------------------------------- SIGTERM


class Sender(threading.Thread):
    """Posts distinct events over one keep-alive connection at a time until the gateway
    stops answering. Records each request's fate and when it was fully written."""

    def __init__(self, g, src: Source, stop_at: list[float]):
        super().__init__(daemon=True)
        self.g, self.src, self.stop_at = g, src, stop_at
        self.accepted: list[str] = []
        self.other: list[int] = []
        self.cut_after_written: list[float] = []  # written, then no (complete) response
        self.refused = 0

    def run(self):
        conn = None
        while time.monotonic() < self.stop_at[0]:
            if conn is None:
                try:
                    conn = RawConn(self.g.port, timeout=10)
                except OSError:
                    self.refused += 1
                    time.sleep(0.01)
                    continue
            eid = unique("term")
            body, headers = self.src.build(sample_event("user-joined", eid))
            head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
            req = (f"POST {self.src.path('user-joined')} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n"
                   f"{head}\r\n").encode() + body
            try:
                conn.send(req)
            except OSError:
                conn.close()
                conn = None
                continue  # not written: it never reached the gateway
            written = time.monotonic()
            try:
                r = conn.read_response()
            except (OSError, ConnectionError):
                self.cut_after_written.append(written)
                conn.close()
                conn = None
                continue
            if r.status == 200:
                self.accepted.append(eid)
            else:
                self.other.append(r.status)
            if r.headers.get("connection", "").lower() == "close":
                conn.close()
                conn = None


def test_sigterm_under_load_loses_nothing(gateway_factory, reader):
    srcs = one_source()
    g = gateway_factory(srcs, server={"drain_timeout_ms": 5000})
    src = srcs["ops"]
    q = reader(f"returning.{src.name}.#")
    stop_at = [time.monotonic() + 30]
    senders = [Sender(g, src, stop_at) for _ in range(8)]
    for s in senders:
        s.start()
    time.sleep(1.5)
    signalled = time.monotonic()
    g.proc.send_signal(signal.SIGTERM)
    code = g.proc.wait(timeout=20)
    stop_at[0] = 0
    for s in senders:
        s.join(timeout=20)
    assert code == 0, g.output()

    accepted = [i for s in senders for i in s.accepted]
    others = [st for s in senders for st in s.other]
    cut = [t for s in senders for t in s.cut_after_written]
    assert len(accepted) > 50, "too little load to mean anything"
    assert others == [] or set(others) <= {503}, others
    # A request written before the signal is always answered; only one that reached an
    # idle connection after the drain began may find it closed.
    assert [t for t in cut if t < signalled] == [], "a request sent before SIGTERM was cut"
    got = {d.props.message_id for d in q.expect(len(accepted), timeout=30)}
    assert set(accepted) <= got
    print(f"\nSIGTERM under load: {len(accepted)} accepted and all queued, {len(cut)} cut after "
          f"the drain began, {sum(s.refused for s in senders)} connects refused")


def test_second_signal_exits_at_once(gateway_factory):
    g = gateway_factory(one_source(), server={"drain_timeout_ms": 30000, "body_timeout_ms": 60000})
    with RawConn(g.port) as slow:
        # A request that never finishes keeps the drain waiting.
        slow.send(b"POST /webhooks/x HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
        time.sleep(0.2)
        g.proc.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        assert g.proc.poll() is None, "the first signal must wait for the request in flight"
        assert admin_get(g, "/readyz").status == 503  # draining: not ready
        started = time.monotonic()
        g.proc.send_signal(signal.SIGTERM)
        code = g.proc.wait(timeout=5)
    assert code == 128 + signal.SIGTERM
    assert time.monotonic() - started < 2


def test_idle_keepalive_connections_close_at_once_on_sigterm(gateway_factory):
    g = gateway_factory(one_source(), server={"drain_timeout_ms": 20000})
    conns = [RawConn(g.port) for _ in range(5)]
    started = time.monotonic()
    g.proc.send_signal(signal.SIGTERM)
    assert g.proc.wait(timeout=10) == 0
    assert time.monotonic() - started < 5, "idle connections held the drain"
    for c in conns:
        assert c.closed_by_peer(2)
        c.close()


def split_request(src: Source) -> tuple[str, bytes, bytes]:
    """A valid event as (id, its header and first body bytes, the rest of its body)."""
    eid = unique("drain")
    body, headers = src.build(sample_event("user-joined", eid))
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    start = (f"POST {src.path('user-joined')} HTTP/1.1\r\nHost: x\r\n"
             f"Content-Length: {len(body)}\r\n{head}\r\n").encode()
    return eid, start + body[:5], body[5:]


def test_drain_ends_as_soon_as_the_last_request_in_flight_is_answered(gateway_factory, reader):
    srcs = one_source()
    g = gateway_factory(srcs, server={"drain_timeout_ms": 20000, "body_timeout_ms": 60000})
    q = reader(f"returning.{srcs['ops'].name}.#")
    eid, start, rest = split_request(srcs["ops"])
    with RawConn(g.port, timeout=10) as c:
        c.send(start)
        time.sleep(0.2)
        g.proc.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        assert g.proc.poll() is None, "the drain must wait for the request in flight"
        c.send(rest)
        answered = time.monotonic()
        r = c.read_response()
        assert r.status == 200, g.output()
        assert r.headers.get("connection", "").lower() == "close"
        code = g.proc.wait(timeout=15)
    assert code == 0, g.output()
    assert time.monotonic() - answered < 5, "the stop waited on after its last request"
    assert [d.props.message_id for d in q.expect(1, timeout=10)] == [eid]


def test_drain_gives_up_at_its_timeout(gateway_factory):
    srcs = one_source()
    g = gateway_factory(srcs, server={"drain_timeout_ms": 1500, "body_timeout_ms": 60000})
    _, start, _ = split_request(srcs["ops"])
    with RawConn(g.port, timeout=10) as stuck:
        stuck.send(start)  # a body that never ends
        time.sleep(0.2)
        signalled = time.monotonic()
        g.proc.send_signal(signal.SIGTERM)
        code = g.proc.wait(timeout=15)
        took = time.monotonic() - signalled
    assert code == 0, g.output()
    assert 1.4 <= took < 6, f"stopped {took:.1f} s after SIGTERM with a 1.5 s drain timeout"
    assert "drain timeout: 1 webhook connection(s) still open" in g.output(100_000)


# --------------------------------------------------------------------------- SIGHUP


def rewrite_source(g, src: Source) -> None:
    text = g.config_path.read_text()
    table = to_toml({f"sources.{src.name}": src.config()})
    start = text.index(f"[sources.{src.name}]")
    g.config_path.write_text(text[:start] + table)


def reloads(g, result: str) -> float:
    return sample(metrics(g), "rai_gateway_config_reloads_total", result=result)


def test_sighup_rotates_the_key_without_dropping_connections(gateway_factory):
    srcs = one_source()
    g = gateway_factory(srcs)
    old = srcs["ops"]
    k = key_plain()
    new = Source("ops", old.name, old.mode, [k[0]], [k[1]], [unique("apikey")], "json", "base64")

    def post_on(conn: RawConn, src: Source) -> int:
        body, headers = src.build(sample_event("user-visited"))
        head = "".join(f"{a}: {b}\r\n" for a, b in headers.items())
        conn.send((f"POST {src.path('user-visited')} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n"
                   f"{head}\r\n").encode() + body)
        return conn.read_response().status

    def refused(src: Source) -> int:
        # A wrong API key is refused from the header, before the body is read,
        # and that connection closes: it goes on one of its own.
        with RawConn(g.port) as other:
            return post_on(other, src)

    with RawConn(g.port) as conn:
        assert post_on(conn, old) == 200
        assert refused(new) == 401
        rewrite_source(g, new)
        ok = reloads(g, "success")
        g.proc.send_signal(signal.SIGHUP)
        assert wait_until(lambda: reloads(g, "success") == ok + 1, 10)
        # The old key and API key are refused, the new ones accepted on the same connection.
        assert refused(old) == 401
        assert post_on(conn, new) == 200

        # An invalid config is refused and the running one stays.
        g.config_path.write_text(g.config_path.read_text() + "\n[server]\nthreads = 'many'\n")
        failed = reloads(g, "failure")
        g.proc.send_signal(signal.SIGHUP)
        assert wait_until(lambda: reloads(g, "failure") == failed + 1, 10)
        assert post_on(conn, new) == 200
        assert refused(old) == 401
    g.assert_alive()
    assert "reload rejected" in g.output()


def test_sighup_adds_a_source(gateway_factory):
    srcs = one_source()
    g = gateway_factory(srcs)
    k = key_plain()
    extra = Source("extra", unique("extra"), "aes-256-gcm", [k[0]], [k[1]], [unique("apikey")],
                   "json", "base64")
    assert g.post(extra.path(), b"{}").status == 404
    g.config_path.write_text(g.config_path.read_text() + "\n" +
                             to_toml({f"sources.{extra.name}": extra.config()}))
    ok = reloads(g, "success")
    g.proc.send_signal(signal.SIGHUP)
    assert wait_until(lambda: reloads(g, "success") == ok + 1, 10)
    body, headers = extra.build(sample_event("user-joined"))
    assert g.post(extra.path("user-joined"), body, headers).status == 200


# --------------------------------------------------------------------------- logs

# Raw bytes that must never reach a log line: C0 controls but the line feed, DEL,
# C1 controls (UTF-8 C2 80..C2 9F; U+009B is an 8-bit CSI) and the bidi overrides
# and isolates U+202A..U+202E, U+2066..U+2069.
RAW_CONTROL = re.compile(rb"[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]")


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_access_log_escapes_c1_and_bidi_in_the_path(gateway_factory, fmt):
    """A request-target with raw UTF-8 C1 (U+009B) and bidi (U+202E, U+2066) characters
    reaches the access log escaped, in both log formats."""
    g = gateway_factory(one_source(), log={"format": fmt})
    marker = unique("acc")
    target = f"/webhooks/{marker}\u009b31m\u202egnp.exe\u2066\u0085".encode()
    with RawConn(g.port) as raw:
        raw.send(b"POST " + target + b" HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
        assert raw.read_response().status == 404

    def line() -> bytes | None:
        for l in g.stderr_path.read_bytes().split(b"\n"):
            if marker.encode() in l:
                return l
        return None

    assert wait_until(lambda: line() is not None, 15), g.output()
    raw_log = g.stderr_path.read_bytes()
    assert not RAW_CONTROL.findall(raw_log), raw_log[-2000:]
    if fmt == "json":
        rec = json.loads(line())
        assert rec["path"] == target.decode() and rec["status"] == "404", rec
        assert re.fullmatch(r"[0-9a-f]{32}", rec["trace_id"]), rec  # a refusal is traced too
    else:
        assert f'path="/webhooks/{marker}\\u009b31m\\u202egnp.exe\\u2066\\u0085"'.encode() in line(), line()
        assert re.search(rb" trace_id=[0-9a-f]{32} ", line()), line()


# --------------------------------------------------------------------------- TLS


@pytest.fixture(scope="module")
def tls_ca(tmp_path_factory):
    return TestCA(tmp_path_factory.mktemp("ops-pki"), "ops")


def tls_gateway(gateway_factory, tls_ca, srcs):
    cert, key = tls_ca.issue_server()
    return gateway_factory(srcs, server={"tls_cert_file": str(cert), "tls_key_file": str(key)})


def test_tls_listener_serves_a_client_that_trusts_the_ca(gateway_factory, tls_ca, reader):
    srcs = one_source()
    g = tls_gateway(gateway_factory, tls_ca, srcs)
    src = srcs["ops"]
    q = reader(f"returning.{src.name}.#")
    ctx = ssl.create_default_context(cafile=str(tls_ca.ca_file))
    conn = http.client.HTTPSConnection("localhost", g.port, context=ctx, timeout=10)
    eid = unique("tls")
    for i in range(2):  # two requests on one TLS connection
        body, headers = src.build(sample_event("user-joined", f"{eid}-{i}"))
        conn.request("POST", src.path("user-joined"), body=body, headers=headers)
        r = conn.getresponse()
        assert r.status == 200, r.read()
        r.read()
    assert conn.sock.version() in ("TLSv1.2", "TLSv1.3")
    conn.close()
    assert {d.props.message_id for d in q.expect(2)} == {f"{eid}-0", f"{eid}-1"}

    # Without the CA the client refuses the certificate.
    with pytest.raises(ssl.SSLCertVerificationError):
        c = http.client.HTTPSConnection("localhost", g.port, context=ssl.create_default_context(),
                                        timeout=10)
        c.request("GET", "/")


@pytest.mark.filterwarnings("ignore:ssl.TLSVersion.TLSv1_1 is deprecated")
def test_plain_http_to_the_tls_port_fails_cleanly(gateway_factory, tls_ca):
    srcs = one_source()
    g = tls_gateway(gateway_factory, tls_ca, srcs)
    with RawConn(g.port) as raw:
        raw.send(b"POST /webhooks/x HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
        assert raw.closed_by_peer(10), "the gateway must drop a plaintext client"
        assert b"HTTP/1.1 200" not in raw.buf
    # Old TLS versions are refused too.
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(str(tls_ca.ca_file))
    ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_1
    with pytest.raises((ssl.SSLError, ConnectionError, OSError)):
        with socket.create_connection(("127.0.0.1", g.port), timeout=5) as s:
            ctx.wrap_socket(s, server_hostname="localhost")
    g.assert_alive()
    ctx = ssl.create_default_context(cafile=str(tls_ca.ca_file))
    conn = http.client.HTTPSConnection("localhost", g.port, context=ctx, timeout=10)
    conn.request("GET", "/webhooks/" + srcs["ops"].name)
    assert conn.getresponse().status == 405
    conn.close()


def tls12_handshake(port: int, ca_file, ciphers: str) -> str | None:
    """The suite a TLS 1.2 client offering only `ciphers` agrees on, or None when the
    handshake fails. @SECLEVEL=0: the client is willing; only the server may refuse."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(str(ca_file))
    ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_ciphers(ciphers + ":@SECLEVEL=0")
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            with ctx.wrap_socket(s, server_hostname="localhost") as t:
                return t.cipher()[0]
    except (ssl.SSLError, ConnectionError):
        return None


@pytest.mark.parametrize("key_type", ["rsa", "ec"])
def test_tls12_only_forward_secret_aead_suites(gateway_factory, tls_ca, key_type):
    """TLS 1.2 without forward secrecy (static-RSA key exchange) or with CBC suites is
    refused; ECDHE/DHE with AES-GCM or ChaCha20-Poly1305, and TLS 1.3, are served."""
    srcs = one_source()
    cert, key = tls_ca.issue_server(rsa_key=key_type == "rsa")
    g = gateway_factory(srcs, server={"tls_cert_file": str(cert), "tls_key_file": str(key)})
    if key_type == "rsa":
        refused = ["AES128-GCM-SHA256", "AES256-GCM-SHA384", "AES128-SHA", "AES256-SHA256",
                   "ECDHE-RSA-AES128-SHA", "ECDHE-RSA-AES256-SHA384", "DHE-RSA-AES128-SHA"]
        served = ["ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384",
                  "ECDHE-RSA-CHACHA20-POLY1305", "DHE-RSA-AES128-GCM-SHA256"]
    else:
        refused = ["ECDHE-ECDSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA", "ECDHE-ECDSA-AES128-SHA256"]
        served = ["ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305"]
    agreed = {c: tls12_handshake(g.port, tls_ca.ca_file, c) for c in refused + served}
    assert {c: agreed[c] for c in refused} == {c: None for c in refused}, agreed
    assert {c: agreed[c] for c in served} == {c: c for c in served}, agreed
    g.assert_alive()
    ctx = ssl.create_default_context(cafile=str(tls_ca.ca_file))
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    with socket.create_connection(("127.0.0.1", g.port), timeout=10) as s:
        with ctx.wrap_socket(s, server_hostname="localhost") as t:
            assert t.version() == "TLSv1.3"


def test_check_config_reports_unusable_tls_files(tmp_path):
    from conftest import GATEWAY_BIN
    cfg = tmp_path / "gw.toml"
    missing = tmp_path / "missing.pem"
    src = one_source()["ops"]
    source = {f"sources.{src.name}": src.config()}
    cfg.write_text(to_toml({"server": {"tls_cert_file": str(missing),
                                       "tls_key_file": str(missing)}, **source}))
    r = subprocess.run([str(GATEWAY_BIN), "--check-config", "--config", str(cfg)],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 2
    assert "server.tls_cert_file" in r.stderr and str(missing) in r.stderr
    cfg.write_text(to_toml({"server": {"tls_cert_file": str(missing)}, **source}))
    r = subprocess.run([str(GATEWAY_BIN), "--check-config", "--config", str(cfg)],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 2 and "set both or neither" in r.stderr
