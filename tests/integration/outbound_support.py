"""Support for the outbound (gateway -> Returning.AI) black-box tests.

- FakeEndpoint: a stand-in for Returning.AI, an http.server ThreadingHTTPServer in a
  thread, plain HTTP or HTTPS, with scripted responses per path; it records every
  request (method, path, headers, raw body, arrival time) and, for HTTPS, every
  connection that did not complete a TLS handshake and every plaintext attempt.
- TestCA: a throwaway CA and server certificates (SAN localhost / 127.0.0.1) made at
  test time with `cryptography`; nothing is checked in.
- OutboundGateway: the conftest Gateway with [targets.*] and [outbound] tables.
- Broker: pika helpers for the command queues (publish, purge, count, read the dead
  queue).
- open_envelope: decrypts what the gateway sent (every layout and encoding).
"""

from __future__ import annotations

import base64
import collections
import contextlib
import datetime as dt
import http.server
import ipaddress
import json
import logging
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pika
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives import padding as sym_padding
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from conftest import Gateway, Source, amqp_connect, declare_topology, to_toml, unique

COMMANDS_EXCHANGE = "returning.commands"
OUTBOUND = "returning.outbound"
DEAD = "returning.outbound.dead"
RETRY_PREFIX = "returning.outbound.retry."
# The ladder the tests configure, and the gateway's default one (another suite's
# gateway may have left messages in those queues; they dead-letter into OUTBOUND).
TEST_LADDER_MS = [1000, 2000, 5000, 60000]
DEFAULT_RUNGS = ["1s", "2s", "5s", "10s", "30s", "1m", "2m", "5m", "10m", "30m", "1h", "2h", "4h", "8h"]


def rung_name(ms: int) -> str:
    for unit, size in (("h", 3_600_000), ("m", 60_000), ("s", 1000)):
        if ms % size == 0:
            return f"{ms // size}{unit}"
    return f"{ms}ms"


def retry_queue(ms: int) -> str:
    return RETRY_PREFIX + rung_name(ms)


ALL_RETRY_QUEUES = sorted({RETRY_PREFIX + r for r in DEFAULT_RUNGS} |
                          {retry_queue(ms) for ms in TEST_LADDER_MS})


# --------------------------------------------------------------------------- fake endpoint


@dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b'{"status":"ok"}'
    delay: float = 0.0  # seconds to wait before answering


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]          # lower-case names; the last value of a repeated header
    header_list: list[tuple[str, str]]
    body: bytes
    at: float                        # time.monotonic() when the request was complete
    wall: float                      # time.time() likewise

    def count(self, name: str) -> int:
        return sum(1 for k, _ in self.header_list if k.lower() == name.lower())


ReplySource = Reply | Callable[[Recorded, int], Reply]


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like a real endpoint

    def log_message(self, *args):  # quiet
        pass

    def _serve(self):
        ep: FakeEndpoint = self.server.endpoint  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        items = list(self.headers.items())
        rec = Recorded(self.command, self.path, {k.lower(): v for k, v in items}, items, body,
                       time.monotonic(), time.time())
        reply = ep._record_and_pick(rec)
        with ep._lock:
            ep.active += 1
            ep.max_active = max(ep.max_active, ep.active)
        try:
            if reply.delay:
                time.sleep(reply.delay)
        finally:
            with ep._lock:
                ep.active -= 1
        self.send_response(reply.status)
        sent = {k.lower() for k in reply.headers}
        for k, v in reply.headers.items():
            self.send_header(k, v)
        if "content-type" not in sent:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    do_POST = do_GET = do_PUT = do_PATCH = do_DELETE = _serve


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, endpoint: "FakeEndpoint"):
        self.endpoint = endpoint
        super().__init__(("127.0.0.1", 0), _Handler)

    def handle_error(self, request, client_address):  # a client hanging up: no traceback noise
        pass

    def finish_request(self, request, client_address):
        ep = self.endpoint
        with ep._lock:
            ep.connections += 1
        if ep.tls is None:
            return super().finish_request(request, client_address)
        request.settimeout(10)
        try:
            first = request.recv(1, socket.MSG_PEEK)
        except OSError:
            first = b""
        if first and first != b"\x16":  # not a TLS handshake record: plaintext
            with ep._lock:
                ep.plaintext_attempts += 1
            return
        try:
            tls_sock = ep.tls.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as e:
            with ep._lock:
                ep.tls_failures.append(repr(e))
            return
        try:
            super().finish_request(tls_sock, client_address)
        finally:
            with contextlib.suppress(OSError):
                tls_sock.close()


class FakeEndpoint:
    """A scripted Returning.AI. script(path, r1, r2, ...) answers the next requests to
    `path` with r1, r2, ... (a Reply, or a function (request, n) -> Reply, where n counts
    that path's requests from 1), then with the path's default (script_default), then
    200 {"status":"ok"}."""

    def __init__(self, tls: ssl.SSLContext | None = None):
        self.tls = tls
        self._lock = threading.Lock()
        self._scripts: dict[str, collections.deque] = {}
        self._defaults: dict[str, ReplySource] = {}
        self._per_path: collections.Counter = collections.Counter()
        self.requests: list[Recorded] = []
        self.connections = 0
        self.active = 0          # requests being answered right now
        self.max_active = 0
        self.plaintext_attempts = 0
        self.tls_failures: list[str] = []
        self._cond = threading.Condition(self._lock)
        self.server = _Server(self)
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}{path}"

    def script(self, path: str, *replies: ReplySource) -> None:
        with self._lock:
            self._scripts.setdefault(path, collections.deque()).extend(replies)

    def script_default(self, path: str, reply: ReplySource) -> None:
        with self._lock:
            self._defaults[path] = reply

    def _record_and_pick(self, rec: Recorded) -> Reply:
        with self._lock:
            self._per_path[rec.path] += 1
            n = self._per_path[rec.path]
            q = self._scripts.get(rec.path)
            src = q.popleft() if q else self._defaults.get(rec.path, Reply())
            self.requests.append(rec)
            self._cond.notify_all()
        return src(rec, n) if callable(src) else src

    def received(self, path: str | None = None,
                 where: Callable[[Recorded], bool] | None = None) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests
                    if (path is None or r.path == path) and (where is None or where(r))]

    def wait_for(self, n: int, path: str | None = None, timeout: float = 10.0,
                 where: Callable[[Recorded], bool] | None = None) -> list[Recorded]:
        """At least n matching requests (all of them), or whatever came by the timeout."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                got = [r for r in self.requests
                       if (path is None or r.path == path) and (where is None or where(r))]
                left = deadline - time.monotonic()
                if len(got) >= n or left <= 0:
                    return got
                self._cond.wait(min(left, 0.2))

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# --------------------------------------------------------------------------- test CA


class TestCA:
    """A throwaway CA. server_context(dir) -> an SSLContext serving a certificate it
    signed for localhost / 127.0.0.1."""

    __test__ = False  # not a pytest class

    def __init__(self, directory: Path, name: str):
        self.dir = directory
        self.dir.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"rai-gateway test CA {name}")])
        now = dt.datetime.now(dt.timezone.utc)
        ski = x509.SubjectKeyIdentifier.from_public_key(self.key.public_key())
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(subject).issuer_name(subject)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False,
                                         encipher_only=False, decipher_only=False), critical=True)
            .add_extension(ski, critical=False)
            .sign(self.key, hashes.SHA256())
        )
        self.ca_file = self.dir / f"ca-{name}.pem"
        self.ca_file.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))

    def issue_server(self, hosts=("localhost",), ips=("127.0.0.1",), *,
                     rsa_key: bool = False) -> tuple[Path, Path]:
        """(certificate, private key) files; the key file is 0600, as the gateway
        requires of secret files. rsa_key: an RSA-2048 key instead of P-256."""
        key = (rsa.generate_private_key(public_exponent=65537, key_size=2048) if rsa_key
               else ec.generate_private_key(ec.SECP256R1()))
        now = dt.datetime.now(dt.timezone.utc)
        san = [x509.DNSName(h) for h in hosts] + [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])]))
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(san), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                           critical=False)
            .sign(self.key, hashes.SHA256())
        )
        stem = unique(f"server-{self.name}")
        cert_path, key_path = self.dir / f"{stem}.pem", self.dir / f"{stem}.key"
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_path.touch(mode=0o600)
        key_path.chmod(0o600)
        key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                               serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
        return cert_path, key_path

    def server_context(self) -> ssl.SSLContext:
        cert_path, key_path = self.issue_server()
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(str(cert_path), str(key_path))
        return ctx


# --------------------------------------------------------------------------- envelopes


def _decode(text: str, encoding: str) -> bytes:
    if encoding == "hex":
        assert text == text.lower(), f"hex is not lowercase: {text[:40]!r}"
        return bytes.fromhex(text)
    return base64.b64decode(text, validate=True)


def open_envelope(body: bytes, headers: dict[str, str], key: bytes, *, mode: str = "aes-256-gcm",
                  layout: str = "json", encoding: str = "base64", iv_header: str = "x-iv") -> bytes:
    """The plaintext of what the gateway sent, or an AssertionError saying why not."""
    gcm = mode == "aes-256-gcm"
    tag_len = 16 if gcm else 0
    text = body.decode("ascii")
    if layout == "json":
        obj = json.loads(text)
        assert isinstance(obj, dict), obj
        iv, ct = _decode(obj["iv"], encoding), _decode(obj["data"], encoding)
        tag = _decode(obj["tag"], encoding) if gcm else b""
        if not gcm:
            assert "tag" not in obj, f"CBC json envelope carries a tag: {obj}"
    elif layout == "compact":
        parts = text.split(":")
        assert len(parts) == (3 if gcm else 2), f"compact envelope has {len(parts)} parts"
        iv, ct = _decode(parts[0], encoding), _decode(parts[1], encoding)
        tag = _decode(parts[2], encoding) if gcm else b""
    elif layout == "raw":
        raw = _decode(text, encoding)
        iv_len = 12 if gcm else 16
        iv, rest = raw[:iv_len], raw[iv_len:]
        ct, tag = (rest[:-16], rest[-16:]) if gcm else (rest, b"")
    elif layout == "header-iv":
        assert iv_header.lower() in headers, f"no {iv_header} header: {headers}"
        iv = _decode(headers[iv_header.lower()], encoding)
        raw = _decode(text, encoding)
        ct, tag = (raw[:-16], raw[-16:]) if gcm else (raw, b"")
    else:
        raise ValueError(layout)
    if gcm:
        assert len(iv) == 12, f"GCM IV of {len(iv)} bytes"
        assert len(tag) == tag_len
        return AESGCM(key).decrypt(iv, ct + tag, None)
    assert len(iv) == 16, f"CBC IV of {len(iv)} bytes"
    dec = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    padded = dec.update(ct) + dec.finalize()
    unpad = sym_padding.PKCS7(128).unpadder()
    return unpad.update(padded) + unpad.finalize()


# --------------------------------------------------------------------------- gateway


def minimal_source() -> Source:
    """One unencrypted source, so that the gateway also has an inbound side."""
    return Source("plain", unique("ob-src"), "aes-256-gcm", [], [], [unique("apikey")], "auto", "auto",
                  extra_config={"require_encryption": False}, sink=False)


# The bearer token of POST /v1/outbound (server.admin_token) of every OutboundGateway
# unless a test passes admin_token=None (the command endpoint off).
ADMIN_TOKEN = "test-admin-token-" + "0123456789abcdef"


class OutboundGateway(Gateway):
    """The conftest Gateway plus [targets.KIND] tables, an [outbound] table and
    server.admin_token (ADMIN_TOKEN, or admin_token=None for none)."""

    def __init__(self, workdir: Path, targets: dict[str, dict[str, Any]],
                 outbound: dict[str, Any] | None = None, sources: dict[str, Source] | None = None,
                 *, admin_token: str | None = ADMIN_TOKEN, **kw):
        server = dict(kw.pop("server", None) or {})
        if admin_token is not None:
            server.setdefault("admin_token", admin_token)
        self.admin_token = server.get("admin_token")
        super().__init__(workdir, sources if sources is not None else {"plain": minimal_source()},
                         server=server, **kw)
        self.targets = targets
        tables: dict[str, dict[str, Any]] = {f"targets.{k}": dict(v) for k, v in targets.items()}
        if outbound is not None:
            tables["outbound"] = dict(outbound)
        self.config_path.write_text(self.config_path.read_text() + "\n" + to_toml(tables))

    def admin_headers(self) -> dict[str, str]:
        """What a worker sends with a command: JSON and the bearer token."""
        h = {"Content-Type": "application/json"}
        if self.admin_token:
            h["Authorization"] = f"Bearer {self.admin_token}"
        return h

    def admin_post(self, path: str, body: bytes, headers: dict[str, str] | None = None):
        from conftest import http_request
        return http_request(self.admin_port, "POST", path, body,
                            {**self.admin_headers(), **(headers or {})})

    def kill(self) -> None:
        """SIGKILL, no shutdown at all."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def log_text(self) -> str:
        text = ""
        for p in (self.stderr_path, self.stdout_path):
            if p.exists():
                text += p.read_text(errors="replace")
        return text


# --------------------------------------------------------------------------- broker


@dataclass
class Command:
    body: bytes
    props: Any
    routing_key: str

    @property
    def headers(self) -> dict[str, Any]:
        return {k: (v.decode() if isinstance(v, bytes) else v) for k, v in (self.props.headers or {}).items()}


def declare_command_topology(ch) -> None:
    """The §6 forms of the command side (exactly these arguments, or 406)."""
    declare_topology(ch)
    ch.exchange_declare(COMMANDS_EXCHANGE, "direct", durable=True)
    ch.queue_declare(OUTBOUND, durable=True)
    ch.queue_bind(OUTBOUND, COMMANDS_EXCHANGE, routing_key="outbound")
    ch.queue_declare(DEAD, durable=True)


class Broker:
    def __init__(self):
        self.conn = amqp_connect(attempts=20)
        self.ch = self.conn.channel()
        declare_command_topology(self.ch)
        self.ch.confirm_delivery()
        self._dead_seen: list[Command] = []

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.close()

    def _fresh_channel(self):
        with contextlib.suppress(Exception):
            self.ch.close()
        self.ch = self.conn.channel()
        self.ch.confirm_delivery()

    def publish(self, kind: str | None, body: bytes, message_id: str | None = None, *,
                via: str = "type", headers: dict[str, Any] | None = None, test_id: str | None = None) -> str:
        """A command into returning.commands / outbound (persistent, confirmed). `via`:
        "type" (AMQP type = kind), "header" (x-kind), "both". Returns the test id (header
        x-test-id) that finds the command again in the dead queue."""
        test_id = test_id or unique("tid")
        h = {"x-test-id": test_id}
        if kind is not None and via in ("header", "both"):
            h["x-kind"] = kind
        h.update(headers or {})
        props = pika.BasicProperties(
            delivery_mode=2, content_type="application/json", message_id=message_id,
            type=kind if kind is not None and via in ("type", "both") else None, headers=h)
        self.ch.basic_publish(COMMANDS_EXCHANGE, "outbound", body, props, mandatory=True)
        return test_id

    def queue_state(self, name: str) -> tuple[int, int] | None:
        """(ready messages, consumers), or None when the queue does not exist."""
        try:
            ok = self.ch.queue_declare(name, passive=True)
            return ok.method.message_count, ok.method.consumer_count
        except pika.exceptions.ChannelClosedByBroker:
            self._fresh_channel()
            return None

    def count(self, name: str) -> int:
        st = self.queue_state(name)
        return st[0] if st else 0

    def consumers(self, name: str) -> int:
        st = self.queue_state(name)
        return st[1] if st else 0

    def purge(self, *names: str) -> None:
        logging.getLogger("pika").setLevel(logging.CRITICAL)  # 404s for queues not declared yet
        for n in names:
            try:
                self.ch.queue_purge(n)
            except pika.exceptions.ChannelClosedByBroker:
                self._fresh_channel()  # no such queue

    def wait_count(self, name: str, n: int, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while True:
            c = self.count(name)
            if c == n or time.monotonic() >= deadline:
                return c
            self.conn.sleep(0.1)

    def dead(self, test_id: str, timeout: float = 10.0) -> Command | None:
        """The dead-lettered command with header x-test-id (others are kept aside)."""
        deadline = time.monotonic() + timeout
        while True:
            for c in self._dead_seen:
                if c.headers.get("x-test-id") == test_id:
                    return c
            method, props, body = self.ch.basic_get(DEAD, auto_ack=True)
            if method is not None:
                self._dead_seen.append(Command(body, props, method.routing_key))
                continue
            if time.monotonic() >= deadline:
                return None
            self.conn.sleep(0.1)

    def dead_for(self, test_id: str, wait: float = 0.5) -> list[Command]:
        """Every dead-lettered command with that test id seen within `wait`."""
        self.dead(unique("never"), timeout=wait)  # drains the queue into _dead_seen
        return [c for c in self._dead_seen if c.headers.get("x-test-id") == test_id]
