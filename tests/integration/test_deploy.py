"""deploy/: the files an operator runs the gateway with, checked against the real
binary and the real broker.

* the systemd unit passes `systemd-analyze verify` and carries the settings the
  operations issue asks for;
* the Dockerfile's runtime stage installs every library the binary links, and its
  build stage runs .ci/run's steps (no Docker engine here: nothing is built);
* the configs of docker compose, Kubernetes and the example pass --check-config;
* the cluster deployment (docker-compose.cluster.yml, compose-cluster/, the
  Kubernetes example with Redis): compose-cluster/make-certs makes certificates
  that a real TLS handshake accepts (and refuses for the wrong host name or
  without a client certificate), the YAML parses, every file it mounts exists,
  the gateways' broker URLs name exactly the compose's RabbitMQ nodes over TLS,
  the nodes name each other and require client certificates, haproxy sends to
  the replicas and checks them on their metrics listener, Secrets referenced
  exist, and the gateway configs pass --check-config with those certificates;
* the RabbitMQ definitions (classic and quorum, each with the history stream of
  definitions.history.json), loaded into a fresh vhost, agree with the gateway's
  own declarations with [history] enabled (no 406 PRECONDITION_FAILED, the queue
  types match amqp.queue_type, and the gateway declares nothing the files lack);
  the cluster's gateway config and the nodes declare the stream identically;
* the compose broker files (access + topology) and the compose gateway config run
  together, without Docker;
* the Grafana dashboard is valid, its PromQL parses, and it references exactly the
  metrics the gateway exports, each present on a running gateway's /metrics.

Every broker test works in its own vhost and deletes it afterwards.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import tomllib
import urllib.parse
from pathlib import Path

import pika
import pytest
import yaml

from conftest import (
    AMQP_URL,
    GATEWAY_BIN,
    REPO_ROOT,
    envelope,
    free_port,
    http_request,
    rabbitmqctl,
    sample_event,
    to_toml,
    unique,
    wait_until,
)
from outbound_support import OutboundGateway

DEPLOY = REPO_ROOT / "deploy"
UNIT = DEPLOY / "systemd" / "rai-gateway.service"
DOCKERFILE = DEPLOY / "Dockerfile"
COMPOSE = DEPLOY / "docker-compose.yml"
COMPOSE_CONFIG = DEPLOY / "compose" / "gateway.toml"
COMPOSE_ACCESS = DEPLOY / "compose" / "rabbitmq-access.json"
COMPOSE_PASSWORD = "rai-compose-demo"  # the password behind the hash in rabbitmq-access.json
K8S = DEPLOY / "kubernetes" / "rai-gateway-sidecar.yaml"
K8S_REDIS = DEPLOY / "kubernetes" / "redis.yaml"
CLUSTER_COMPOSE = DEPLOY / "docker-compose.cluster.yml"
CLUSTER_DIR = DEPLOY / "compose-cluster"
CLUSTER_CONFIG = CLUSTER_DIR / "gateway.toml"
CLUSTER_RABBITMQ_CONF = CLUSTER_DIR / "rabbitmq.conf"
CLUSTER_RABBITMQ_START = CLUSTER_DIR / "rabbitmq-start"
MAKE_CERTS = CLUSTER_DIR / "make-certs"
HAPROXY_CFG = CLUSTER_DIR / "haproxy.cfg"
EXAMPLE_CONFIG = DEPLOY / "gateway.example.toml"
DASHBOARD = DEPLOY / "grafana-dashboard.json"


def definitions_file(queue_type: str) -> Path:
    return DEPLOY / "rabbitmq" / f"definitions.{queue_type}.json"


HISTORY_DEFINITIONS = definitions_file("history")
HISTORY_STREAM = "returning.events.history"


def history_config(stream_args: dict) -> dict:
    """The [history] table that declares the stream with these arguments."""
    return {"enabled": True, "max_age": stream_args["x-max-age"],
            "max_bytes": stream_args["x-max-length-bytes"]}


def segment_bytes(max_bytes: int) -> int:
    """amqp::history_segment_bytes: a tenth of max_bytes within 1 MB .. 100 MB."""
    return min(max(max_bytes // 10, 1_000_000), 100_000_000)


# Everything the gateway exports (the operations issue's metric list).
COUNTERS = {
    "rai_gateway_config_reloads_total",
    "rai_gateway_inbound_requests_total",
    "rai_gateway_inbound_auth_failures_total",
    "rai_gateway_inbound_duplicates_total",
    "rai_gateway_publish_total",
    "rai_gateway_broker_reconnects_total",
    "rai_gateway_broker_failovers_total",
    "rai_gateway_outbound_sends_total",
    "rai_gateway_outbound_retries_total",
    "rai_gateway_outbound_dead_letters_total",
    "rai_gateway_spool_appends_total",
    "rai_gateway_spool_forwarded_total",
    "rai_gateway_spool_recovered_total",
    "rai_gateway_spool_corrupt_total",
    "rai_gateway_spool_syncs_total",
    "rai_gateway_spool_io_errors_total",
    "rai_gateway_dedupe_store_errors_total",
    "rai_gateway_spans_exported_total",
    "rai_gateway_spans_dropped_total",
}
GAUGES = {
    "rai_gateway_build_info",
    "rai_gateway_start_time_seconds",
    "rai_gateway_inbound_in_flight",
    "rai_gateway_http_connections",
    "rai_gateway_publish_in_flight",
    "rai_gateway_broker_connected",
    "rai_gateway_broker_node_info",
    "rai_gateway_outbound_in_flight",
    "rai_gateway_spool_bytes",
    "rai_gateway_spool_max_bytes",
    "rai_gateway_spool_records",
    "rai_gateway_spool_full",
    "rai_gateway_dedupe_store_up",  # declared always; a sample only with dedupe.backend = "redis"
}
HISTOGRAMS = {
    "rai_gateway_inbound_request_duration_seconds",
    "rai_gateway_outbound_request_duration_seconds",
}
EXPORTED = COUNTERS | GAUGES | HISTOGRAMS


# --------------------------------------------------------------------------- helpers


def run_gateway(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([str(GATEWAY_BIN), *args], capture_output=True, text=True, env=e, timeout=30)


def check_config(path: Path, env: dict[str, str] | None = None) -> None:
    r = run_gateway("--check-config", "--config", str(path), env=env)
    assert r.returncode == 0, f"--check-config {path}: exit {r.returncode}\n{r.stdout}{r.stderr}"
    assert "config OK" in r.stdout


def env_keys(toml_text: str) -> set[str]:
    """The variables named by *_env keys."""
    return set(re.findall(r'^\s*\w+_env\s*=\s*"([^"]+)"', toml_text, re.M))


def k8s_objects(*paths: Path) -> dict[tuple[str, str], dict]:
    """The objects of Kubernetes manifests by (kind, name)."""
    out = {}
    for path in paths:
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                key = (doc["kind"], doc["metadata"]["name"])
                assert key not in out, f"{key} twice"
                out[key] = doc
    return out


def compose_interpolate(value: str) -> str:
    """docker compose's ${VAR:-default} with the defaults (no VAR set), $$ -> $."""
    value = re.sub(r"\$\{(\w+):-([^}]*)\}", lambda m: m.group(2), value)
    assert not re.search(r"\$\{?\w", value.replace("$$", "")), f"a variable without a default: {value}"
    return value.replace("$$", "$")


def compose_mounts(service: dict) -> dict[str, str]:
    """A compose service's volumes: container path -> source (./file or a volume name)."""
    out = {}
    for v in service.get("volumes", []):
        src, dst = v.split(":")[:2]
        out[dst] = src
    return out


def amqp_url_for(vhost: str, user: str = "", password: str = "") -> str:
    u = urllib.parse.urlsplit(AMQP_URL)
    netloc = u.netloc
    if user:
        netloc = f"{urllib.parse.quote(user, safe='')}:{urllib.parse.quote(password, safe='')}@{u.hostname}"
        if u.port:
            netloc += f":{u.port}"
    return urllib.parse.urlunsplit((u.scheme, netloc, "/" + urllib.parse.quote(vhost, safe=""), "", ""))


def ctl(*args: str) -> str:
    r = rabbitmqctl(*args)
    assert r.returncode == 0, f"rabbitmqctl {' '.join(args)}: {r.stdout}{r.stderr}"
    return r.stdout


def ctl_rows(*args: str) -> list[list[str]]:
    out = ctl(*args, "-q", "--no-table-headers")
    return [line.split("\t") for line in out.splitlines() if line.strip()]


@contextlib.contextmanager
def fresh_vhost(tag: str):
    """A new vhost with full permissions for the harness user; deleted afterwards."""
    vhost = unique(f"rai-deploy-{tag}")
    user = urllib.parse.urlsplit(AMQP_URL).username or "guest"
    ctl("add_vhost", vhost)
    try:
        ctl("set_permissions", "-p", vhost, user, ".*", ".*", ".*")
        yield vhost
    finally:
        rabbitmqctl("delete_vhost", vhost)


def retarget(defs: dict, vhost: str) -> dict:
    """The definitions with every object's vhost set to `vhost`."""
    out = json.loads(json.dumps(defs))
    for section in ("vhosts",):
        for item in out.get(section, []):
            item["name"] = vhost
    for section in ("exchanges", "queues", "bindings", "policies", "parameters", "permissions"):
        for item in out.get(section, []):
            item["vhost"] = vhost
    return out


def import_definitions(defs: dict) -> None:
    """Debian's rabbitmqctl runs as the rabbitmq user and reads neither stdin nor
    pytest's private tmp_path: the file goes to a world-readable temporary file."""
    fd, name = tempfile.mkstemp(prefix="rai-deploy-defs-", suffix=".json")
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(defs, f)
        os.chmod(name, 0o644)
        ctl("import_definitions", name)
    finally:
        os.unlink(name)


def wait_topology(vhost: str, defs: dict, timeout: float = 60) -> None:
    """rabbitmqctl import_definitions returns before the import is done: wait until
    every exchange, queue and binding of `defs` is in `vhost`."""
    want_x = {x["name"] for x in defs["exchanges"]}
    want_q = {q["name"] for q in defs["queues"]}
    want_b = {(b["source"], b["destination"], b["routing_key"]) for b in defs["bindings"]}

    def done() -> bool:
        xs = {r[0] for r in ctl_rows("list_exchanges", "-p", vhost, "name")}
        qs = {r[0] for r in ctl_rows("list_queues", "-p", vhost, "name")}
        bs = {(r[0], r[1], r[2] if len(r) > 2 else "")
              for r in ctl_rows("list_bindings", "-p", vhost, "source_name", "destination_name", "routing_key")}
        return want_x <= xs and want_q <= qs and want_b <= bs

    assert wait_until(done, timeout, 0.5), f"definitions not all imported into {vhost} within {timeout} s"


def log_text(gw) -> str:
    return "".join(p.read_text(errors="replace") for p in (gw.stderr_path, gw.stdout_path) if p.exists())


PRECONDITION = re.compile(r"PRECONDITION_FAILED|inequivalent arg", re.I)

# A target so that the outbound consumer runs and declares the retry ladder; it is
# never called (nothing is sent to returning.outbound).
UNUSED_TARGET = {"deploy-check": {"url": "http://127.0.0.1:9/unused", "api_key": "unused-api-key"}}


# --------------------------------------------------------------------------- systemd


def test_systemd_unit_verifies(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    text = UNIT.read_text()
    assert "/usr/local/bin/rai-gateway" in text
    # verify wants the executables to exist: point them at the built binary.
    unit = tmp_path / "rai-gateway.service"
    unit.write_text(text.replace("/usr/local/bin/rai-gateway", str(GATEWAY_BIN.resolve())))
    r = subprocess.run([analyze, "verify", str(unit)], capture_output=True, text=True, timeout=60)
    ours = [line for line in (r.stdout + r.stderr).splitlines() if str(unit) in line or unit.name in line]
    assert r.returncode == 0, f"systemd-analyze verify: exit {r.returncode}\n{r.stdout}{r.stderr}"
    assert not ours, "systemd-analyze verify complains about the unit:\n" + "\n".join(ours)

    # The hardening score (systemd >= 250 has --offline); 0 = best, 10 = worst.
    s = subprocess.run([analyze, "security", "--offline=yes", str(unit)], capture_output=True, text=True,
                       timeout=60)
    m = re.search(r"Overall exposure level for \S+: ([0-9.]+)", s.stdout + s.stderr)
    if s.returncode == 0 and m:
        assert float(m.group(1)) <= 2.0, f"exposure {m.group(1)}:\n{s.stdout}"


def unit_settings(text: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";", "[")):
            continue
        k, _, v = line.partition("=")
        out.setdefault(k.strip(), []).append(v.strip())
    return out


def test_systemd_unit_settings():
    s = unit_settings(UNIT.read_text())

    def one(key: str) -> str:
        assert key in s, f"{key}= missing"
        return s[key][-1]

    assert one("Type") == "notify"
    assert one("WatchdogSec") == "30"
    assert one("ExecStart") == "/usr/local/bin/rai-gateway --config /etc/rai-gateway/gateway.toml"
    assert "--check-config" in one("ExecStartPre") and "/etc/rai-gateway/gateway.toml" in one("ExecStartPre")
    assert one("ExecReload") == "/bin/kill -HUP $MAINPID"
    assert one("KillSignal") == "SIGTERM"
    assert one("Restart") == "on-failure"
    # Above the drain timeouts (server.drain_timeout_ms + outbound.drain_timeout_ms, 10 s each).
    assert int(one("TimeoutStopSec")) > 20
    assert one("DynamicUser") == "yes"
    assert "rai-gateway/spool" in one("StateDirectory").split()
    assert one("ConfigurationDirectory") == "rai-gateway"
    for key in ("ProtectHome", "NoNewPrivileges", "PrivateTmp", "PrivateDevices", "ProtectKernelTunables",
                "ProtectKernelModules", "ProtectKernelLogs", "MemoryDenyWriteExecute"):
        assert one(key) == "yes", key
    assert one("ProtectSystem") == "strict"
    assert one("CapabilityBoundingSet") == ""
    assert set(one("RestrictAddressFamilies").split()) == {"AF_INET", "AF_INET6", "AF_UNIX"}
    assert "@system-service" in s["SystemCallFilter"]
    assert one("LimitNOFILE") == "65536"


# --------------------------------------------------------------------------- Dockerfile


def test_dockerfile_build_steps_and_runtime_libraries():
    """No Docker engine here: check what can be checked without one."""
    text = DOCKERFILE.read_text()
    ci = (REPO_ROOT / ".ci" / "run").read_text()
    assert "scripts/install-deps" in ci and "scripts/test" in ci
    stages = re.split(r"^FROM\s+", text, flags=re.M)[1:]
    assert len(stages) >= 2, "multi-stage Dockerfile expected"
    build, runtime = stages[0], stages[-1]
    assert "scripts/install-deps" in build and "scripts/build" in build
    assert runtime.startswith("debian:bookworm-slim")
    assert re.search(r"^USER\s+(?!root|0\b)", runtime, re.M), "runtime stage must run as non-root"
    assert re.search(r"^EXPOSE\s+8080\s+9090\s*$", runtime, re.M)
    assert "/var/lib/rai-gateway/spool" in runtime and re.search(r"^VOLUME", runtime, re.M)
    assert re.search(r"^HEALTHCHECK .*\n?.*?/healthz", runtime, re.M)

    # Every shared library the binary needs comes from a package the runtime stage
    # installs (or from bookworm-slim itself).
    objdump = shutil.which("objdump")
    dpkg = shutil.which("dpkg")
    if objdump is None or dpkg is None:
        pytest.skip("objdump or dpkg missing")
    needed = re.findall(r"NEEDED\s+(\S+)", subprocess.run([objdump, "-p", str(GATEWAY_BIN)],
                                                           capture_output=True, text=True).stdout)
    assert needed
    in_base = {"libc6", "libstdc++6", "libgcc-s1"}
    missing = []
    for soname in needed:
        r = subprocess.run([dpkg, "-S", f"*/{soname}"], capture_output=True, text=True)
        pkgs = {line.split(":")[0] for line in r.stdout.splitlines() if line.strip()}
        assert pkgs, f"no Debian package ships {soname}"
        if not (pkgs & in_base) and not any(re.search(rf"(?<![\w.+-]){re.escape(p)}(?![\w.+-])", runtime)
                                            for p in pkgs):
            missing.append(f"{soname} ({', '.join(sorted(pkgs))})")
    assert not missing, "runtime stage lacks: " + "; ".join(missing)


# --------------------------------------------------------------------------- configs


def test_example_config_checks():
    check_config(EXAMPLE_CONFIG)


def test_compose_config_checks():
    text = COMPOSE_CONFIG.read_text()
    variables = env_keys(text)
    assert variables, "the compose config takes its secrets from the environment"
    compose = COMPOSE.read_text()
    for v in variables:  # docker-compose.yml passes every variable the config reads
        assert re.search(rf"^\s+{re.escape(v)}:", compose, re.M), f"{v} not set in docker-compose.yml"
    for src in re.findall(r"^\s*-\s*(\./[^:\s]+):", compose, re.M):  # every mounted file exists
        assert (DEPLOY / src).exists(), src
    env = {
        "RAI_AMQP_URL": "amqp://rai:secret@rabbitmq:5672/",
        "RAI_DEFAULT_KEYS": "0123456789abcdef0123456789abcdef",
        "RAI_DEFAULT_API_KEYS": "demo-api-key",
    }
    assert set(env) >= variables
    check_config(COMPOSE_CONFIG, env)


def shipped_server_tables() -> dict[str, str]:
    """The [server] settings of every shipped config, as TOML text."""
    out = {}
    for name, text in (("example", EXAMPLE_CONFIG.read_text()), ("compose", COMPOSE_CONFIG.read_text()),
                       ("compose-cluster", CLUSTER_CONFIG.read_text()), ("kubernetes", k8s_gateway_config())):
        m = re.search(r"^\[server\]\n(.*?)(?=^\[)", text, re.M | re.S)
        assert m, name
        out[name] = m.group(1)
    return out


def test_shipped_configs_keep_the_command_endpoint_on_loopback():
    """POST /v1/outbound sends commands to Returning.AI: no shipped config binds the
    admin listener beyond loopback (probes and scraping use server.metrics_listen)."""
    for name, server in shipped_server_tables().items():
        m = re.search(r'^admin_listen = "([^"]*)"', server, re.M)
        assert m, f"{name}: no admin_listen"
        host = m.group(1).rsplit(":", 1)[0].strip("[]")
        assert host in ("127.0.0.1", "::1", "localhost"), f"{name}: admin_listen = {m.group(1)}"
    for compose in (COMPOSE, CLUSTER_COMPOSE):
        assert not re.search(r'^\s*-\s*"[^"]*:9090"', compose.read_text(), re.M), f"{compose.name} publishes 9090"


# --------------------------------------------------------------------------- cluster PKI


@pytest.fixture(scope="module")
def cluster_pki(tmp_path_factory) -> Path:
    """compose-cluster/make-certs run by /bin/sh (as the compose `certs` service
    runs it) into a fresh directory: the CA, the three nodes' and the gateway's
    certificates, the Erlang cookie."""
    out = tmp_path_factory.mktemp("pki") / "certs"
    r = subprocess.run(["/bin/sh", str(MAKE_CERTS), str(out)], capture_output=True, text=True, timeout=120,
                       env={**os.environ, "CLIENTS": "gateway crm-worker"})
    assert r.returncode == 0, f"make-certs: exit {r.returncode}\n{r.stdout}{r.stderr}"
    return out


def cluster_nodes() -> list[str]:
    """The RabbitMQ services of docker-compose.cluster.yml (their host names)."""
    services = yaml.safe_load(CLUSTER_COMPOSE.read_text())["services"]
    return sorted(name for name, svc in services.items()
                  if str(svc.get("image", "")).startswith("rabbitmq:") and "hostname" in svc)


def openssl(*args: str) -> str:
    r = subprocess.run(["openssl", *args], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, f"openssl {' '.join(args)}: {r.stdout}{r.stderr}"
    return r.stdout


def tls_handshake(server: ssl.SSLContext, client: ssl.SSLContext, host: str) -> tuple[str, str]:
    """One TLS connection over a socket pair, a byte each way: (client error, server
    error), '' for none."""
    a, b = socket.socketpair()
    a.settimeout(10)
    b.settimeout(10)
    errors = {"server": ""}

    def serve():
        try:
            with server.wrap_socket(b, server_side=True) as s:
                s.sendall(s.recv(1))
        except (OSError, ssl.SSLError) as e:
            errors["server"] = repr(e)
            b.close()

    t = threading.Thread(target=serve)
    t.start()
    client_error = ""
    try:
        with client.wrap_socket(a, server_hostname=host) as c:
            c.sendall(b"x")
            if c.recv(1) != b"x":
                client_error = "no echo"
    except (OSError, ssl.SSLError) as e:
        client_error = repr(e)
    finally:
        a.close()
        t.join(10)
    return client_error, errors["server"]


def test_make_certs_makes_a_working_pki(cluster_pki):
    out = cluster_pki
    nodes = cluster_nodes()
    assert nodes == ["rabbit-1", "rabbit-2", "rabbit-3"]
    ca = out / "ca" / "ca.pem"
    for node in nodes:
        pem = out / "rabbit" / f"{node}.pem"
        assert openssl("verify", "-CAfile", str(ca), str(pem)).strip().endswith("OK")
        ext = openssl("x509", "-in", str(pem), "-noout", "-ext", "subjectAltName,extendedKeyUsage")
        assert f"DNS:{node}" in ext and "TLS Web Server Authentication" in ext, ext
        assert re.findall(r"DNS:([\w.-]+)", ext) == [node], ext  # names its node only
    for client in ("gateway", "crm-worker"):
        d = out / client
        assert (d / "ca.pem").read_bytes() == ca.read_bytes()
        assert openssl("verify", "-CAfile", str(ca), str(d / "client.pem")).strip().endswith("OK")
        ext = openssl("x509", "-in", str(d / "client.pem"), "-noout", "-subject", "-ext", "extendedKeyUsage")
        assert f"CN = {client}" in ext and "TLS Web Client Authentication" in ext, ext
    # Private keys and the cookie: owner only (the gateway refuses a key others may
    # read, Erlang a cookie anyone else may).
    secrets = [out / "ca" / "ca.key", out / "rabbit" / "erlang.cookie", out / "gateway" / "client.key",
               *(out / "rabbit" / f"{n}.key" for n in nodes)]
    for f in secrets:
        assert f.stat().st_mode & 0o077 == 0, f"{f}: mode {oct(f.stat().st_mode)}"
    assert re.fullmatch(r"[0-9a-f]{64}\n", (out / "rabbit" / "erlang.cookie").read_text())

    # Run again (every `docker compose up`): nothing changes.
    before = {f: f.read_bytes() for f in out.rglob("*") if f.is_file()}
    r = subprocess.run(["/bin/sh", str(MAKE_CERTS), str(out)], capture_output=True, text=True, timeout=60,
                       env={**os.environ, "CLIENTS": "gateway crm-worker"})
    assert r.returncode == 0 and not r.stdout.strip(), r.stdout + r.stderr
    assert {f: f.read_bytes() for f in out.rglob("*") if f.is_file()} == before

    # A real handshake, with the broker's settings (verify_peer, fail_if_no_peer_cert):
    # the gateway's client verifies the node's certificate and host name, the node the
    # gateway's client certificate.
    def node_ctx(node: str) -> ssl.SSLContext:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(out / "rabbit" / f"{node}.pem", out / "rabbit" / f"{node}.key")
        ctx.load_verify_locations(out / "rabbit" / "ca.pem")
        ctx.verify_mode = ssl.CERT_REQUIRED
        return ctx

    def client_ctx(cert: bool = True) -> ssl.SSLContext:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies certificate and host name
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_verify_locations(out / "gateway" / "ca.pem")
        if cert:
            ctx.load_cert_chain(out / "gateway" / "client.pem", out / "gateway" / "client.key")
        return ctx

    for node in nodes:
        assert tls_handshake(node_ctx(node), client_ctx(), node) == ("", "")
    client_err, _ = tls_handshake(node_ctx("rabbit-1"), client_ctx(), "rabbit-2")
    assert "CERTIFICATE_VERIFY_FAILED" in client_err or "match" in client_err, client_err
    client_err, server_err = tls_handshake(node_ctx("rabbit-1"), client_ctx(cert=False), "rabbit-1")
    assert client_err and "CERTIFICATE" in server_err.upper(), (client_err, server_err)
    # A client that trusts another CA refuses the node.
    stranger = tmp_ca(out.parent / "stranger")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(stranger)
    client_err, _ = tls_handshake(node_ctx("rabbit-1"), ctx, "rabbit-1")
    assert "CERTIFICATE_VERIFY_FAILED" in client_err, client_err


def tmp_ca(directory: Path) -> Path:
    """An unrelated CA (made by make-certs too): trusting it instead of ours fails."""
    r = subprocess.run(["/bin/sh", str(MAKE_CERTS), str(directory)], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    return directory / "ca" / "ca.pem"


# --------------------------------------------------------------------------- docker-compose.cluster.yml


def cluster_services() -> dict[str, dict]:
    return yaml.safe_load(CLUSTER_COMPOSE.read_text())["services"]


def cluster_gateways() -> dict[str, dict]:
    return {name: svc for name, svc in cluster_services().items()
            if any(dst == "/etc/rai-gateway/gateway.toml" for dst in compose_mounts(svc))}


def rabbit_conf() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in CLUSTER_RABBITMQ_CONF.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            k, _, v = line.partition("=")
            out.setdefault(k.strip(), []).append(v.strip())
    return out


def test_cluster_compose_services_and_files():
    compose = yaml.safe_load(CLUSTER_COMPOSE.read_text())
    services = compose["services"]
    volumes = set(compose.get("volumes") or {})
    for name, svc in services.items():
        for dst, src in compose_mounts(svc).items():
            if src.startswith("."):
                assert (DEPLOY / src).is_file(), f"{name}: {src} does not exist"
            else:
                assert src in volumes, f"{name}: volume {src} not declared"
        for dep in svc.get("depends_on", {}):
            assert dep in services, f"{name} depends on {dep}, no such service"
    for f in (MAKE_CERTS, CLUSTER_RABBITMQ_START):  # run as `sh FILE`, and by hand
        assert f.stat().st_mode & 0o111, f"{f} is not executable"
        r = subprocess.run(["sh", "-n", str(f)], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr

    # Three RabbitMQ nodes, each its own data volume, the node name from its host name.
    nodes = cluster_nodes()
    assert len(nodes) == 3
    data = set()
    for node in nodes:
        svc = services[node]
        assert svc["hostname"] == node
        mounts = compose_mounts(svc)
        data.add(mounts["/var/lib/rabbitmq"])
        assert mounts["/etc/rabbitmq/conf.d/90-rai-gateway.conf"] == "./compose-cluster/rabbitmq.conf"
        assert mounts["/etc/rabbitmq/definitions.d/10-topology.json"] == "./rabbitmq/definitions.quorum.json"
        assert mounts["/etc/rabbitmq/definitions.d/20-history.json"] == "./rabbitmq/definitions.history.json"
        assert mounts["/usr/local/bin/rabbitmq-start"] == "./compose-cluster/rabbitmq-start"
        assert svc["entrypoint"][-1] == "/usr/local/bin/rabbitmq-start"
        assert svc["depends_on"]["certs"]["condition"] == "service_completed_successfully"
        assert "healthcheck" in svc
        assert not any(":567" in str(p) for p in svc.get("ports", [])), f"{node}: AMQP published"
    assert len(data) == 3, "each node needs its own data volume"

    # The certs service fills the volume each node reads its files from, and the
    # one the gateways read theirs from.
    certs = compose_mounts(services["certs"])
    assert services["certs"]["entrypoint"][-2:] == ["/usr/local/bin/make-certs", "/certs"]
    assert certs["/usr/local/bin/make-certs"] == "./compose-cluster/make-certs"
    assert services["certs"]["environment"]["RABBIT_NODES"].split() == nodes
    rabbit_volume = certs["/certs/rabbit"]
    for node in nodes:
        assert compose_mounts(services[node])["/run/rai-cluster"] == rabbit_volume
    start = CLUSTER_RABBITMQ_START.read_text()
    assert "src=/run/rai-cluster" in start and "docker-entrypoint.sh rabbitmq-server" in start

    # The nodes' config: the three by name, TLS only, client certificates required,
    # the TLS files where rabbitmq-start installs them.
    conf = rabbit_conf()
    assert conf["cluster_formation.peer_discovery_backend"] == ["classic_config"]
    assert sorted(v for k, vs in conf.items() if k.startswith("cluster_formation.classic_config.nodes.")
                  for v in vs) == [f"rabbit@{n}" for n in nodes]
    assert conf["cluster_formation.target_cluster_size_hint"] == [str(len(nodes))]
    assert conf["listeners.tcp"] == ["none"]
    assert conf["listeners.ssl.default"] == ["5671"]
    assert conf["ssl_options.verify"] == ["verify_peer"]
    assert conf["ssl_options.fail_if_no_peer_cert"] == ["true"]
    for key, file in (("cacertfile", "ca.pem"), ("certfile", "server.pem"), ("keyfile", "server.key")):
        assert conf[f"ssl_options.{key}"] == [f"/etc/rabbitmq/tls/{file}"]
        assert f'"$tls/{file}"' in start
    assert conf["definitions.local.path"] == ["/etc/rabbitmq/definitions.d"]

    # Redis, with the password the gateways' URL carries.
    redis = services["redis"]
    assert str(redis["image"]).startswith("redis:")
    assert "--requirepass" in " ".join(redis["command"]) and "healthcheck" in redis

    # Two gateway replicas: same config and TLS files, a spool each, all broker nodes.
    gateways = cluster_gateways()
    assert len(gateways) >= 2
    config = CLUSTER_CONFIG.read_text()
    tls_dir = {Path(p).parent for p in re.findall(r'^tls_\w+_file = "([^"]+)"', config, re.M)}
    assert len(tls_dir) == 1, tls_dir
    spools = set()
    for name, gw in gateways.items():
        mounts = compose_mounts(gw)
        assert mounts["/etc/rai-gateway/gateway.toml"] == "./compose-cluster/gateway.toml"
        assert mounts[str(next(iter(tls_dir)))] == certs["/certs/gateway"], f"{name}: TLS files"
        spools.add(mounts["/var/lib/rai-gateway/spool"])
        deps = gw["depends_on"]
        for dep in [*nodes, "redis"]:
            assert deps[dep]["condition"] == "service_healthy", f"{name} must wait for {dep}"
        env = {k: compose_interpolate(str(v)) for k, v in gw["environment"].items()}
        assert env_keys(config) <= set(env), f"{name}: {env_keys(config) - set(env)} not set"
        urls = [line for line in env["RAI_AMQP_URLS"].splitlines() if line.strip()]
        hosts = []
        for url in urls:
            u = urllib.parse.urlsplit(url)
            assert u.scheme == "amqps" and u.port == 5671, url
            hosts.append(u.hostname)
        assert sorted(hosts) == nodes, f"{name}: RAI_AMQP_URLS names {hosts}, the nodes are {nodes}"
        r = urllib.parse.urlsplit(env["RAI_REDIS_URL"])
        assert r.scheme == "redis" and r.hostname == "redis" and r.port == 6379
        assert gw["environment"]["RAI_REDIS_URL"].count("${RAI_REDIS_PASSWORD:-") == 1
        assert redis["environment"]["REDISCLI_AUTH"].startswith("${RAI_REDIS_PASSWORD:-")
        assert r.password == compose_interpolate(redis["environment"]["REDISCLI_AUTH"])
    assert len(spools) == len(gateways), "replicas must not share a spool"
    assert 'queue_type = "quorum"' in config and 'backend = "redis"' in config
    # The gateways declare the history stream with the arguments the nodes load.
    stream = next(q for q in json.loads(HISTORY_DEFINITIONS.read_text())["queues"]
                  if q["name"] == HISTORY_STREAM)
    assert tomllib.loads(config)["history"] == history_config(stream["arguments"])


def test_cluster_haproxy_balances_the_replicas():
    cfg = HAPROXY_CFG.read_text()
    gateways = cluster_gateways()
    config = CLUSTER_CONFIG.read_text()
    listen_port = re.search(r'^listen = "[^"]*:(\d+)"', config, re.M).group(1)
    metrics_port = re.search(r'^metrics_listen = "[^"]*:(\d+)"', config, re.M).group(1)
    backends = dict(re.findall(r"^backend (\S+)\n(.*?)(?=^\S|\Z)", cfg, re.M | re.S))
    assert set(backends) == {"gateways_ready", "gateways_live"}
    for name, body in backends.items():
        servers = dict(re.findall(r"^\s+server (\S+) (\S+)", body, re.M))
        assert servers == {g: f"{g}:{listen_port}" for g in gateways}, (name, servers)
        assert re.search(rf"^\s+default-server check port {metrics_port}\b", body, re.M), name
        uri = re.search(r"http-check send meth GET uri (\S+)", body).group(1)
        assert uri == ("/readyz" if name == "gateways_ready" else "/healthz")
    assert "use_backend gateways_live if { nbsrv(gateways_ready) eq 0 }" in cfg
    assert re.search(r"^\s+timeout server (\d+)s", cfg, re.M)
    server_timeout = int(re.search(r"^\s+timeout server (\d+)s", cfg, re.M).group(1))
    confirm = int(re.search(r"^confirm_timeout_ms = (\d+)", config, re.M).group(1))
    assert server_timeout * 1000 > confirm, "haproxy would cut answers the gateway is still waiting for"
    lb = cluster_services()["haproxy"]
    assert compose_mounts(lb)["/usr/local/etc/haproxy/haproxy.cfg"] == "./compose-cluster/haproxy.cfg"
    assert set(lb["depends_on"]) == set(gateways)


def test_cluster_compose_config_checks(cluster_pki, tmp_path):
    """compose-cluster/gateway.toml with the compose's environment, and the TLS
    files make-certs made (the gateway-tls volume's content) at their paths."""
    gw = next(iter(cluster_gateways().values()))
    env = {k: compose_interpolate(str(v)) for k, v in gw["environment"].items()}
    text = CLUSTER_CONFIG.read_text()
    text, n = re.subn(r'"/etc/rai-gateway/tls/', f'"{cluster_pki / "gateway"}/', text)
    assert n == 3
    path = tmp_path / "gateway.toml"
    path.write_text(text)
    check_config(path, env)


# --------------------------------------------------------------------------- Kubernetes


def k8s_gateway_config() -> str:
    return k8s_objects(K8S)[("ConfigMap", "rai-gateway-config")]["data"]["gateway.toml"]


def k8s_gateway_container(objs: dict) -> dict:
    spec = objs[("Deployment", "crm")]["spec"]["template"]["spec"]
    return next(c for c in spec["containers"] if c["name"] == "rai-gateway")


def test_kubernetes_config_checks(cluster_pki, tmp_path):
    """The ConfigMap's config with the Secrets' example values as the mounted files,
    and real TLS files (make-certs) in place of the TLS Secret's placeholders."""
    objs = k8s_objects(K8S)
    config = k8s_gateway_config()
    gw = k8s_gateway_container(objs)
    spec = objs[("Deployment", "crm")]["spec"]["template"]["spec"]
    volumes = {v["name"]: v for v in spec["volumes"]}
    pki = {"ca.crt": cluster_pki / "gateway" / "ca.pem", "tls.crt": cluster_pki / "gateway" / "client.pem",
           "tls.key": cluster_pki / "gateway" / "client.key"}
    files = 0
    for m in gw["volumeMounts"]:
        secret = volumes[m["name"]].get("secret")
        if not secret:
            continue
        data = objs[("Secret", secret["secretName"])]["stringData"]
        local = tmp_path / m["name"]
        local.mkdir()
        for name in re.findall(re.escape(m["mountPath"]) + r'/([\w.-]+)"', config):
            assert name in data, f"{m['mountPath']}/{name}: not a key of Secret {secret['secretName']}"
            if secret["secretName"] == "rai-gateway-amqp-tls":
                shutil.copyfile(pki[name], local / name)
            else:
                (local / name).write_text(data[name])
            (local / name).chmod(secret["defaultMode"])  # as the kubelet mounts it (fsGroup)
            files += 1
        config = config.replace(f'"{m["mountPath"]}/', f'"{local}/')
    assert files >= 8
    assert not env_keys(config), "secrets come from the mounted Secrets, not the environment"
    path = tmp_path / "gateway.toml"
    path.write_text(config)
    check_config(path)


def test_kubernetes_manifest_structure():
    objs = k8s_objects(K8S, K8S_REDIS)
    deployment = objs[("Deployment", "crm")]
    assert deployment["spec"]["replicas"] >= 2
    spec = deployment["spec"]["template"]["spec"]
    containers = {c["name"]: c for c in spec["containers"]}
    assert len(containers) == 2 and "rai-gateway" in containers
    gw = containers["rai-gateway"]
    probes = json.dumps([gw["readinessProbe"], gw["livenessProbe"]])
    assert "/readyz" in json.dumps(gw["readinessProbe"]) and "/healthz" in json.dumps(gw["livenessProbe"]), probes
    sc = gw["securityContext"]
    assert sc["runAsNonRoot"] is True and sc["readOnlyRootFilesystem"] is True
    assert sc["allowPrivilegeEscalation"] is False and sc["capabilities"]["drop"] == ["ALL"]
    assert "limits" in gw["resources"]

    def secret_keys(name: str) -> set[str]:
        assert ("Secret", name) in objs, f"Secret {name} is referenced but not in the manifests"
        return set(objs[("Secret", name)]["stringData"])

    for c in containers.values():
        for e in c.get("env", []):
            ref = e.get("valueFrom", {}).get("secretKeyRef")
            if ref:
                assert ref["key"] in secret_keys(ref["name"]), ref
    volumes = {v["name"]: v for v in spec["volumes"]}
    for m in gw["volumeMounts"]:
        assert m["name"] in volumes
    assert volumes["config"]["configMap"]["name"] == "rai-gateway-config"
    for v in volumes.values():
        if "secret" in v:
            keys = secret_keys(v["secret"]["secretName"])
            for item in v["secret"].get("items", []):
                assert item["key"] in keys
            assert v["secret"]["defaultMode"] & 0o027 == 0, "the gateway refuses secret files others may read"
    mounts = {m["mountPath"]: m["name"] for m in gw["volumeMounts"]}
    assert mounts.get("/var/lib/rai-gateway/spool") == "spool"
    # The admin listener (and the command endpoint) stays Pod-local; the httpGet probes
    # reach the metrics listener, which serves no commands, on the port the ConfigMap sets.
    config = k8s_gateway_config()
    assert 'admin_listen = "127.0.0.1:9090"' in config
    m = re.search(r'^metrics_listen = "0\.0\.0\.0:(\d+)"', config, re.M)
    assert m, "the probes need server.metrics_listen on 0.0.0.0"
    ports = {p["name"]: p["containerPort"] for p in gw["ports"]}
    for probe in (gw["startupProbe"], gw["readinessProbe"], gw["livenessProbe"]):
        assert ports[probe["httpGet"]["port"]] == int(m.group(1)), probe
    assert "9090" not in json.dumps(gw["ports"])
    # The CRM container holds the command endpoint's token from the Secret.
    crm = next(c for n, c in containers.items() if n != "rai-gateway")
    refs = [e["valueFrom"]["secretKeyRef"]["key"] for e in crm.get("env", []) if "valueFrom" in e]
    assert "admin-token" in refs and "/run/secrets/rai-gateway/admin-token" in config
    assert spec["terminationGracePeriodSeconds"] > 20

    # A cluster over TLS and one Redis shared by every Pod.
    assert 'queue_type = "quorum"' in config and 'backend = "redis"' in config
    secrets = objs[("Secret", "rai-gateway-secrets")]["stringData"]
    urls = [u for u in secrets["amqp-urls"].splitlines() if u.strip()]
    assert len(urls) == 3 and all(urllib.parse.urlsplit(u).scheme == "amqps" for u in urls), urls
    assert len({urllib.parse.urlsplit(u).hostname for u in urls}) == 3
    redis_url = urllib.parse.urlsplit(secrets["redis-url"])
    redis_svc = objs[("Service", "rai-gateway-redis")]
    assert redis_url.hostname == redis_svc["metadata"]["name"]
    assert redis_url.port == redis_svc["spec"]["ports"][0]["port"]
    assert redis_url.password == objs[("Secret", "rai-gateway-redis")]["stringData"]["password"]
    redis_pod = objs[("Deployment", "rai-gateway-redis")]["spec"]["template"]
    assert redis_svc["spec"]["selector"].items() <= redis_pod["metadata"]["labels"].items()
    redis = redis_pod["spec"]["containers"][0]
    assert "--requirepass" in " ".join(redis["args"])
    assert redis["securityContext"]["readOnlyRootFilesystem"] is True
    # Only the CRM Pods (with their gateways) may reach Redis.
    policy = objs[("NetworkPolicy", "rai-gateway-redis")]["spec"]
    assert policy["podSelector"]["matchLabels"].items() <= redis_pod["metadata"]["labels"].items()
    allowed = policy["ingress"][0]["from"][0]["podSelector"]["matchLabels"]
    assert allowed.items() <= deployment["spec"]["template"]["metadata"]["labels"].items()


# --------------------------------------------------------------------------- definitions


def test_history_definitions_hold_the_stream_the_gateway_declares():
    history = json.loads(HISTORY_DEFINITIONS.read_text())
    assert set(history) == {"queues", "bindings"}
    [stream] = history["queues"]
    assert stream["name"] == HISTORY_STREAM and stream["durable"] and stream["vhost"] == "/"
    args = stream["arguments"]
    # Exactly the gateway's four arguments (any other is a 406 against it), the
    # [history] defaults, and its segment size for that max_bytes.
    assert args == {"x-queue-type": "stream", "x-max-age": "7D", "x-max-length-bytes": 10737418240,
                    "x-stream-max-segment-size-bytes": segment_bytes(10737418240)}
    assert history["bindings"] == [{"source": "returning.events", "vhost": "/",
                                    "destination": HISTORY_STREAM, "destination_type": "queue",
                                    "routing_key": "#", "arguments": {}}]


@pytest.mark.parametrize("queue_type", ["classic", "quorum"])
def test_definitions_agree_with_gateway(queue_type, tmp_path):
    """The topology file with the history file (definitions.d order: 10-topology then
    20-history) against a gateway with [history] as the file declares it."""
    defs = json.loads(definitions_file(queue_type).read_text())
    history = json.loads(HISTORY_DEFINITIONS.read_text())
    for section in ("exchanges", "queues", "bindings"):
        assert all(item["vhost"] == "/" for item in defs[section]), section
    [stream] = history["queues"]
    with fresh_vhost(queue_type) as vhost:
        import_definitions(retarget(defs, vhost))
        wait_topology(vhost, defs)
        import_definitions(retarget(history, vhost))
        wait_topology(vhost, {"exchanges": [], **history})
        defs = {**defs, "queues": defs["queues"] + history["queues"],
                "bindings": defs["bindings"] + history["bindings"]}

        gw = OutboundGateway(tmp_path / "gw", UNUSED_TARGET,
                             amqp={"url": amqp_url_for(vhost), "queue_type": queue_type})
        gw.config_path.write_text(gw.config_path.read_text() + "\n" +
                                  to_toml({"history": history_config(stream["arguments"])}))
        try:
            gw.start(timeout=30)
            r = http_request(gw.admin_port, "GET", "/readyz", timeout=5)
            assert r.status == 200, f"/readyz: {r!r}\n{gw.output()}"
            # The consumer declares the §6 topology and the retry ladder, then consumes.
            assert wait_until(lambda: "consuming 'returning.outbound'" in log_text(gw), 30), \
                f"outbound consumer did not start\n{gw.output()}"

            def consumers() -> dict[str, str]:
                return {row[0]: row[1] for row in ctl_rows("list_queues", "-p", vhost, "name", "consumers")}

            # (a quorum queue lists its consumer a moment later)
            assert wait_until(lambda: consumers().get("returning.outbound") == "1", 15, 0.5), consumers()
            gw.assert_alive()
        finally:
            code = gw.stop()
        log = log_text(gw)
        bad = [line for line in log.splitlines() if PRECONDITION.search(line)]
        assert not bad, "the broker refused a declaration:\n" + "\n".join(bad)
        assert code == 0, f"gateway exit {code}\n{gw.output()}"

        # Queues: exactly the files' set (the gateway declared nothing they lack),
        # each of the configured type.
        queues = {row[0]: row[1] for row in ctl_rows("list_queues", "-p", vhost, "name", "type")}
        assert set(queues) == {q["name"] for q in defs["queues"]}
        assert queues.pop(HISTORY_STREAM) == "stream"
        assert all(t == queue_type for t in queues.values()), queues
        exchanges = {row[0]: row[1] for row in ctl_rows("list_exchanges", "-p", vhost, "name", "type")
                     if row[0].startswith("returning.")}
        assert exchanges == {x["name"]: x["type"] for x in defs["exchanges"]}


def test_definitions_variants_differ_only_in_queue_type():
    classic = json.loads(definitions_file("classic").read_text())
    quorum = json.loads(definitions_file("quorum").read_text())
    assert HISTORY_STREAM not in {q["name"] for q in classic["queues"] + quorum["queues"]}
    assert classic["exchanges"] == quorum["exchanges"]
    assert classic["bindings"] == quorum["bindings"]
    assert [q["name"] for q in classic["queues"]] == [q["name"] for q in quorum["queues"]]
    for c, q in zip(classic["queues"], quorum["queues"]):
        assert "x-queue-type" not in c["arguments"]
        assert q["arguments"] == {**c["arguments"], "x-queue-type": "quorum"}


def test_compose_broker_and_gateway_without_docker(tmp_path):
    """docker-compose.yml's pieces on the local broker: compose/rabbitmq-access.json then
    the classic topology (the definitions.d order), and compose/gateway.toml with its
    listeners on free loopback ports, logging in as the compose user."""
    access = json.loads(COMPOSE_ACCESS.read_text())
    topology = json.loads(definitions_file("classic").read_text())
    user = unique("rai-deploy-user")
    assert [u["name"] for u in access["users"]] == ["rai"]
    access["users"][0]["name"] = user
    for p in access["permissions"]:
        p["user"] = user
    with fresh_vhost("compose") as vhost:
        try:
            import_definitions(retarget(access, vhost))
            assert wait_until(lambda: user in ctl("list_users"), 30)
            import_definitions(retarget(topology, vhost))
            wait_topology(vhost, topology)

            port, admin, metrics = free_port(), free_port(), free_port()
            text = COMPOSE_CONFIG.read_text()
            text = re.sub(r'^listen = "[^"]*"', f'listen = "127.0.0.1:{port}"', text, count=1, flags=re.M)
            text = re.sub(r'^admin_listen = "[^"]*"', f'admin_listen = "127.0.0.1:{admin}"', text,
                          count=1, flags=re.M)
            text, n = re.subn(r'^metrics_listen = "[^"]*"', f'metrics_listen = "127.0.0.1:{metrics}"',
                              text, count=1, flags=re.M)
            assert n == 1, "compose/gateway.toml sets no metrics_listen"
            text = re.sub(r'^dir = "[^"]*"', f'dir = "{tmp_path / "spool"}"', text, count=1, flags=re.M)
            config = tmp_path / "gateway.toml"
            config.write_text(text)
            env = dict(os.environ)
            env.update(RAI_AMQP_URL=amqp_url_for(vhost, user, COMPOSE_PASSWORD),
                       RAI_DEFAULT_KEYS="0123456789abcdef0123456789abcdef",
                       RAI_DEFAULT_API_KEYS="demo-api-key")
            with open(tmp_path / "out.log", "wb") as out:
                proc = subprocess.Popen([str(GATEWAY_BIN), "--config", str(config)], stdout=out,
                                        stderr=subprocess.STDOUT, env=env, cwd=tmp_path)
            try:
                def ready() -> bool:
                    try:
                        return http_request(metrics, "GET", "/readyz", timeout=2).status == 200
                    except OSError:
                        return proc.poll() is not None
                assert wait_until(ready, 30) and proc.poll() is None, (tmp_path / "out.log").read_text()
                # The image's HEALTHCHECK still finds /healthz on the admin listener; the
                # command endpoint is off (no admin_token) and absent from the metrics port.
                assert http_request(admin, "GET", "/healthz", timeout=5).status == 200
                cmd = {"Content-Type": "application/json"}
                assert http_request(admin, "POST", "/v1/outbound/currency", b"{}", cmd).status == 403
                assert http_request(metrics, "POST", "/v1/outbound/currency", b"{}", cmd).status == 404

                # An encrypted event (the demo key and API key) lands in the vhost's
                # returning.unrouted: no worker is bound.
                body = sample_event("user-joined")
                enc, hdrs = envelope(body, b"0123456789abcdef0123456789abcdef")
                hdrs.update({"x-api-key": "demo-api-key", "x-encrypted": "true",
                             "Content-Type": "application/json"})
                r = http_request(port, "POST", "/webhooks/default/user-joined", enc, hdrs)
                assert r.status == 200, r
                params = pika.URLParameters(amqp_url_for(vhost, user, COMPOSE_PASSWORD))
                conn = pika.BlockingConnection(params)
                try:
                    m, _props, got = conn.channel().basic_get("returning.unrouted", auto_ack=True)
                    assert m is not None and m.routing_key == "returning.default.user-joined"
                    assert got == body
                finally:
                    conn.close()
            finally:
                proc.terminate()
                proc.wait(timeout=30)
            log = (tmp_path / "out.log").read_text(errors="replace")
            assert not [line for line in log.splitlines() if PRECONDITION.search(line)], log
        finally:
            rabbitmqctl("delete_user", user)


# --------------------------------------------------------------------------- dashboard


def dashboard_exprs(node) -> list[str]:
    """Every PromQL expression: panel targets and query variables."""
    out: list[str] = []
    if isinstance(node, dict):
        for k, v in node.items():
            if k in ("expr", "definition") and isinstance(v, str):
                out.append(v)
            elif k == "query" and isinstance(v, dict) and isinstance(v.get("query"), str):
                out.append(v["query"])
            else:
                out.extend(dashboard_exprs(v))
    elif isinstance(node, list):
        for v in node:
            out.extend(dashboard_exprs(v))
    return out


def metric_names(exprs: list[str]) -> set[str]:
    names = set()
    for e in exprs:
        for name in re.findall(r"\brai_gateway_[A-Za-z0-9_]+", e):
            for suffix in ("_bucket", "_sum", "_count"):
                if name.endswith(suffix) and name[: -len(suffix)] in HISTOGRAMS:
                    name = name[: -len(suffix)]
            names.add(name)
    return names


def all_panels(panels: list[dict]) -> list[dict]:
    out = []
    for p in panels:
        out.append(p)
        out.extend(all_panels(p.get("panels", [])))
    return out


def test_dashboard_is_valid_and_uses_only_exported_metrics(tmp_path):
    dash = json.loads(DASHBOARD.read_text())
    assert 36 <= dash["schemaVersion"] <= 39
    variables = {v["name"]: v for v in dash["templating"]["list"]}
    ds = [v for v in variables.values() if v["type"] == "datasource"]
    assert ds and ds[0]["query"] == "prometheus"
    ds_ref = "${" + ds[0]["name"] + "}"
    panels = all_panels(dash["panels"])
    ids = [p["id"] for p in panels]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    for p in panels:
        if p["type"] == "row":
            continue
        assert p["datasource"]["uid"] == ds_ref, p["title"]
        assert p.get("targets"), p["title"]
        for t in p["targets"]:
            assert t["expr"].strip(), p["title"]
            assert t.get("datasource", p["datasource"])["uid"] == ds_ref

    exprs = dashboard_exprs(dash)
    names = metric_names(exprs)
    unknown = names - EXPORTED
    assert not unknown, f"the dashboard uses metrics the gateway does not export: {sorted(unknown)}"
    unused = EXPORTED - names
    assert not unused, f"exported metrics with no panel: {sorted(unused)}"

    # The PromQL parses: promtool checks it as recording rules, Grafana variables
    # replaced by plain values.
    promtool = shutil.which("promtool")
    if promtool is None:
        return
    rules = []
    for i, e in enumerate(exprs):
        if e.startswith("label_values("):
            m = re.match(r"label_values\((.*),\s*\w+\)$", e)
            assert m, e
            e = m.group(1)
        e = (e.replace("$__rate_interval", "5m").replace("$__interval", "1m").replace("$__range", "6h")
             .replace("$instance", ".*").replace("$source", ".*").replace("$kind", ".*"))
        assert "$" not in e, e
        rules.append({"record": f"rai_gateway_dashboard:check_{i}", "expr": e})
    path = tmp_path / "dashboard-rules.yml"
    path.write_text(json.dumps({"groups": [{"name": "dashboard", "rules": rules}]}))  # JSON is YAML
    r = subprocess.run([promtool, "check", "rules", str(path)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, f"promtool check rules:\n{r.stdout}{r.stderr}"


def test_dashboard_metrics_are_served(tmp_path):
    """Every metric of the dashboard is on a running gateway's /metrics (with a
    target, so that the outbound and consumer series exist)."""
    names = metric_names(dashboard_exprs(json.loads(DASHBOARD.read_text())))
    with fresh_vhost("metrics") as vhost:
        gw = OutboundGateway(tmp_path / "gw", UNUSED_TARGET, amqp={"url": amqp_url_for(vhost)})
        try:
            gw.start(timeout=30)
            src = next(iter(gw.sources.values()))
            r = gw.send(src.logical, sample_event("user-joined"), "user-joined")
            assert r.status == 200, r
            r = http_request(gw.admin_port, "GET", "/metrics", timeout=5)
            assert r.status == 200, f"GET /metrics: {r!r}"
            text = r.raw.decode()
        finally:
            gw.stop()
    served = set(re.findall(r"^# TYPE (\S+) \S+", text, re.M))
    served |= {m for m in re.findall(r"^([A-Za-z_:][A-Za-z0-9_:]*)", text, re.M)}
    missing = sorted(n for n in names
                     if n not in served and not (n in HISTOGRAMS and f"{n}_bucket" in served))
    assert not missing, f"not on /metrics: {missing}\n{text[:3000]}"
    # Types as the dashboard assumes them (rate() on counters, quantiles on histograms).
    types = dict(re.findall(r"^# TYPE (\S+) (\S+)", text, re.M))
    for n in names:
        if n in types:
            want = "counter" if n in COUNTERS else "histogram" if n in HISTOGRAMS else "gauge"
            assert types[n] == want, f"{n}: {types[n]}, dashboard expects {want}"
