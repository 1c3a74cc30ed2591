"""amqps:// end to end: the real gateway against the TLS-only node of
scripts/start-rabbitmq-tls (rai-tls, localhost:5691, client certificate required;
the module starts it once, idempotently). With the right CA and client certificate the
gateway is ready and an event reaches a queue on that node; with an unrelated CA it is
never connected (/readyz fails), events are answered 200 from the spool, and the log
names the cause; --check-config refuses a CA file that is not there."""
from __future__ import annotations

import os
import ssl
import subprocess
from pathlib import Path

import pika
import pytest

from conftest import (EVENTS_EXCHANGE, GATEWAY_BIN, REPO_ROOT, Source, declare_topology,
                      http_request, key_plain, sample_event, to_toml, unique, wait_until)

TLS_PORT = 5691
TLS_URL = f"amqps://guest:guest@localhost:{TLS_PORT}/"


@pytest.fixture(scope="module")
def certs() -> Path:
    r = subprocess.run([str(REPO_ROOT / "scripts" / "start-rabbitmq-tls")], capture_output=True,
                       text=True, timeout=180)
    assert r.returncode == 0, r.stdout + r.stderr
    state = Path(os.environ.get("RAI_TEST_STATE") or "/tmp/rai-test-services") / "tls"
    assert (state / "client.key").exists(), r.stdout
    return state


def one_source() -> dict[str, Source]:
    k = key_plain()
    return {"tls": Source("tls", unique("amqps"), "aes-256-gcm", [k[0]], [k[1]],
                          [unique("apikey")], "json", "base64")}


def tls_amqp(certs: Path, ca: str = "ca.pem") -> dict:
    return {"url": TLS_URL, "tls_ca_file": str(certs / ca),
            "tls_cert_file": str(certs / "client.pem"), "tls_key_file": str(certs / "client.key")}


def tls_node(certs: Path) -> pika.BlockingConnection:
    """pika to the TLS node, verified the same way the gateway verifies it."""
    ctx = ssl.create_default_context(cafile=str(certs / "ca.pem"))
    ctx.load_cert_chain(str(certs / "client.pem"), str(certs / "client.key"))
    params = pika.ConnectionParameters(host="localhost", port=TLS_PORT,
                                       credentials=pika.PlainCredentials("guest", "guest"),
                                       ssl_options=pika.SSLOptions(ctx, "localhost"),
                                       socket_timeout=5)
    return pika.BlockingConnection(params)


def test_event_reaches_a_queue_on_the_tls_node(gateway_factory, certs):
    srcs = one_source()
    src = srcs["tls"]
    g = gateway_factory(srcs, amqp=tls_amqp(certs))  # start() waits for /readyz 200
    r = http_request(g.admin_port, "GET", "/readyz", timeout=5)
    assert r.status == 200 and r.json["status"] == "ready", r
    conn = tls_node(certs)
    try:
        ch = conn.channel()
        declare_topology(ch)
        queue = ch.queue_declare("", exclusive=True, auto_delete=True).method.queue
        ch.queue_bind(queue, EVENTS_EXCHANGE, routing_key=f"returning.{src.name}.#")
        event_id = unique("ev")
        assert g.send("tls", sample_event("user-joined", event_id), "user-joined").status == 200

        def got():
            method, props, _ = ch.basic_get(queue, auto_ack=True)
            return props.message_id if method is not None else None
        assert wait_until(got, 10) == event_id, g.output()
    finally:
        conn.close()
    assert "connected to amqps://guest@localhost:5691/" in g.output()


def test_unrelated_ca_never_connects_and_the_spool_takes_the_events(gateway_factory, certs):
    srcs = one_source()
    g = gateway_factory(srcs, start=False, amqp=tls_amqp(certs, ca="other-ca.pem"))
    g.wait_ready = lambda timeout: None  # it must not become ready
    g.start()
    cause = ("TLS handshake with localhost:5691: certificate verify failed: self-signed "
             "certificate in certificate chain (is amqp.tls_ca_file the CA that signed the "
             "broker's certificate?)")
    assert wait_until(lambda: cause in g.output(20000), 15), g.output()
    r = http_request(g.admin_port, "GET", "/readyz", timeout=5)
    assert r.status == 503, r
    r = g.send("tls", sample_event("user-joined", unique("ev")), "user-joined")
    assert r.status == 200, r  # durable in the spool
    m = http_request(g.admin_port, "GET", "/metrics", timeout=5).raw.decode()
    assert 'rai_gateway_broker_connected{connection="publisher"} 0' in m
    spooled = [line for line in m.splitlines()
               if line.startswith('rai_gateway_spool_appends_total{result="durable"}')]
    assert spooled and float(spooled[0].rsplit(" ", 1)[1]) >= 1, spooled
    assert "guest:guest" not in g.output(20000)


def test_check_config_names_a_missing_ca_file(tmp_path, certs):
    missing = tmp_path / "missing-ca.pem"
    amqp = tls_amqp(certs)
    amqp["tls_ca_file"] = str(missing)
    src = one_source()["tls"]
    cfg = tmp_path / "gw.toml"
    cfg.write_text(to_toml({"amqp": amqp, f"sources.{src.name}": src.config()}))
    r = subprocess.run([str(GATEWAY_BIN), "--check-config", "--config", str(cfg)],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 2, r.stdout + r.stderr
    assert (f"rai-gateway: config: amqp.tls_ca_file: {missing}: cannot read it "
            "(No such file or directory)") in r.stderr, r.stderr
    # The right files pass; TLS files with a plain amqp:// URL are a warning only.
    cfg.write_text(to_toml({"amqp": tls_amqp(certs), f"sources.{src.name}": src.config()}))
    r = subprocess.run([str(GATEWAY_BIN), "--check-config", "--config", str(cfg)],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stdout + r.stderr
    plain = dict(tls_amqp(certs), url="amqp://guest:guest@127.0.0.1:5672/")
    cfg.write_text(to_toml({"amqp": plain, f"sources.{src.name}": src.config()}))
    r = subprocess.run([str(GATEWAY_BIN), "--check-config", "--config", str(cfg)],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "warning: amqp.tls_*: TLS files are set but no broker URL is amqps://" in r.stderr


def test_tool_dlq_list_over_amqps_with_flags_or_config(tmp_path, certs):
    tool = Path(os.environ.get("RAI_GATEWAY_TOOL",
                               GATEWAY_BIN.parent.parent / "tools" / "rai-gateway-tool"))
    if not tool.exists():
        pytest.fail(f"{tool} does not exist (build rai-gateway-tool or set RAI_GATEWAY_TOOL)")
    flags = ["--tls-ca-file", str(certs / "ca.pem"), "--tls-cert-file", str(certs / "client.pem"),
             "--tls-key-file", str(certs / "client.key")]
    r = subprocess.run([str(tool), "dlq", "list", "--amqp-url", TLS_URL, *flags],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "dead command(s) listed" in r.stderr
    r = subprocess.run([str(tool), "dlq", "list", "--amqp-url", TLS_URL, *flags[:2]],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "the broker requires a client certificate" in r.stderr, r.stderr
    src = one_source()["tls"]
    cfg = tmp_path / "gw.toml"
    cfg.write_text(to_toml({"amqp": tls_amqp(certs), f"sources.{src.name}": src.config()}))
    r = subprocess.run([str(tool), "dlq", "list", "--config", str(cfg)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
