"""Black-box harness for rai-gateway: the real binary over HTTP, the real local RabbitMQ.

Environment:
  RAI_GATEWAY_BIN   the binary (default: <repo>/build/gateway/rai-gateway)
  RAI_REPO_ROOT     the checkout (default: two levels above this file)
  AMQP_URL          the broker (default amqp://guest:guest@127.0.0.1:5672/)
  RABBITMQCTL       rabbitmqctl (default /usr/sbin/rabbitmqctl)

Every gateway gets unique source names (a random suffix), free ports and its own
spool directory, and every test reads from its own exclusive queue bound to the
routing keys of its own sources, so runs sharing the broker don't see each
other's messages.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import http.client
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pika
import pytest
from cryptography.hazmat.primitives import padding as sym_padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

REPO_ROOT = Path(os.environ.get("RAI_REPO_ROOT", Path(__file__).resolve().parents[2]))
GATEWAY_BIN = Path(os.environ.get("RAI_GATEWAY_BIN", REPO_ROOT / "build" / "gateway" / "rai-gateway"))
AMQP_URL = os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
RABBITMQCTL = os.environ.get("RABBITMQCTL", "/usr/sbin/rabbitmqctl")

EVENTS_EXCHANGE = "returning.events"
UNROUTED = "returning.unrouted"
EVENT_KINDS = (
    "user-joined",
    "user-visited",
    "message-posted",
    "channel-message-posted",
    "store-item-purchased",
)
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


# --------------------------------------------------------------------------- utils


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unique(prefix: str = "t") -> str:
    return f"{prefix}-{secrets.token_hex(8)}"


def wait_until(predicate, timeout: float, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            return value
        time.sleep(interval)


# --------------------------------------------------------------------------- payloads


def sample_event(kind: str, event_id: str | None = None, *, event_field: str | None = None,
                 event_value: str | None = None, extra: str = "", id_field: str | None = "id") -> bytes:
    """A plaintext payload with deliberately irregular formatting, non-ASCII text and
    a float with a trailing zero, so that any re-serialisation by the gateway shows up
    as a byte difference."""
    eid = event_id if event_id is not None else unique("evt")
    ev = ""
    if event_field is not None:
        ev = f'"{event_field}" :"{event_value if event_value is not None else kind}",'
    bodies = {
        "user-joined": '"user":{ "id":"u-1", "email":"zo\u00eb@example.com",  "name":"Zo\u00eb \U0001f389"},"joinedAt":"2024-05-01T10:00:00Z"',
        "user-visited": '"user":{"id":"u-2","email":"v@example.com"} , "visitedAt" : 1714557600, "path":"/lobby"',
        "message-posted": '"message":{"id":"m-1","text":"h\u00e9llo \\"world\\"\\n","author":"u-3"},"channelId":"c-9"',
        "channel-message-posted": '"channel":{"id":"c-7","name":"g\u00e9n\u00e9ral"},"message":{"id":"m-2","text":"\u2713 ok"}',
        "store-item-purchased": '"item":{"sku":"gold-pack","price":1.50,"currency":"USD"},"quantity":2,"user":{"id":"u-4"}',
    }
    body = bodies.get(kind, '"note":"custom"')
    idpart = f'"{id_field}":"{eid}", ' if id_field else ""
    text = f'{{ {idpart}{ev}{body}{extra} }}'
    return text.encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------- crypto


def encode(data: bytes, encoding: str) -> str:
    """base64 | b64nopad | b64url | b64urlnopad | hex | HEX"""
    if encoding == "base64":
        return base64.b64encode(data).decode()
    if encoding == "b64nopad":
        return base64.b64encode(data).decode().rstrip("=")
    if encoding == "b64url":
        return base64.urlsafe_b64encode(data).decode()
    if encoding == "b64urlnopad":
        return base64.urlsafe_b64encode(data).decode().rstrip("=")
    if encoding == "hex":
        return data.hex()
    if encoding == "HEX":
        return data.hex().upper()
    raise ValueError(encoding)


def seal(plaintext: bytes, key: bytes, mode: str, iv: bytes | None = None,
         iv_len: int | None = None) -> tuple[bytes, bytes, bytes]:
    """(iv, ciphertext, tag); tag is b"" for CBC."""
    if mode == "aes-256-gcm":
        iv = iv if iv is not None else os.urandom(iv_len or 12)
        out = AESGCM(key).encrypt(iv, plaintext, None)
        return iv, out[:-16], out[-16:]
    if mode == "aes-256-cbc":
        iv = iv if iv is not None else os.urandom(16)
        padder = sym_padding.PKCS7(128).padder()
        padded = padder.update(plaintext) + padder.finalize()
        enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
        return iv, enc.update(padded) + enc.finalize(), b""
    raise ValueError(mode)


def envelope(plaintext: bytes, key: bytes, *, mode: str = "aes-256-gcm", layout: str = "json",
             encoding: str = "base64", iv_len: int | None = None, iv_header: str = "x-iv",
             data_field: str = "data", tag_field: str = "tag", json_extra: dict | None = None,
             tamper: str | None = None) -> tuple[bytes, dict[str, str]]:
    """Encrypt and lay out a body. Returns (body, extra request headers).
    tamper: None | "tag" | "ciphertext" | "iv" flips one bit of that piece."""
    iv, ct, tag = seal(plaintext, key, mode, iv_len=iv_len)

    def flip(b: bytes) -> bytes:
        return bytes([b[0] ^ 0x01]) + b[1:]

    if tamper == "tag":
        tag = flip(tag)
    elif tamper == "ciphertext":
        ct = flip(ct)
    elif tamper == "iv":
        iv = flip(iv)
    headers: dict[str, str] = {}
    if layout == "json":
        obj: dict[str, Any] = {"iv": encode(iv, encoding), data_field: encode(ct, encoding)}
        if tag:
            obj[tag_field] = encode(tag, encoding)
        if json_extra:
            obj.update(json_extra)
        return json.dumps(obj).encode(), headers
    if layout == "compact":
        parts = [iv, ct] + ([tag] if tag else [])
        return ":".join(encode(p, encoding) for p in parts).encode(), headers
    if layout == "raw":
        return encode(iv + ct + tag, encoding).encode(), headers
    if layout == "header-iv":
        headers[iv_header] = encode(iv, encoding)
        return encode(ct + tag, encoding).encode(), headers
    raise ValueError(layout)


def sign(secret: bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


# --------------------------------------------------------------------------- sources


def key_plain() -> tuple[bytes, str]:
    text = secrets.token_urlsafe(48)[:32]
    return text.encode(), text


def key_hex() -> tuple[bytes, str]:
    raw = os.urandom(32)
    return raw, "hex:" + raw.hex()


def key_b64() -> tuple[bytes, str]:
    raw = os.urandom(32)
    return raw, "base64:" + base64.b64encode(raw).decode()


DEFAULT = object()


@dataclass
class Source:
    """One configured source, with what a test needs to talk to it."""

    logical: str
    name: str
    mode: str = "aes-256-gcm"
    keys: list[bytes] = field(default_factory=list)
    key_strings: list[str] = field(default_factory=list)
    api_keys: list[str] = field(default_factory=list)
    layout: str = "auto"
    encoding: str = "auto"
    iv_header: str = "x-iv"
    signing_secret: bytes | None = None
    extra_config: dict[str, Any] = field(default_factory=dict)
    sink: bool = True  # bound to the gateway's sink queue (see Gateway._declare_sink)

    @property
    def whsec(self) -> str | None:
        if self.signing_secret is None:
            return None
        return "whsec_" + base64.b64encode(self.signing_secret).decode()

    def config(self) -> dict[str, Any]:
        c: dict[str, Any] = {"mode": self.mode}
        if self.key_strings:
            c["keys"] = list(self.key_strings)
        if self.api_keys:
            c["api_keys"] = list(self.api_keys)
        c["layout"] = self.layout
        c["encoding"] = self.encoding
        if self.iv_header != "x-iv":
            c["iv_header"] = self.iv_header
        if self.signing_secret is not None:
            c["signing_secret"] = self.whsec
        c.update(self.extra_config)
        return c

    def routing_key(self, event: str) -> str:
        return f"returning.{self.name}.{event}"

    def path(self, event: str | None = None) -> str:
        return f"/webhooks/{self.name}" + (f"/{event}" if event else "")

    def build(self, plaintext: bytes, *, key_index: int = 0, key: bytes | None = None,
              layout: str | None = None, encoding: str | None = None,
              api_key: Any = DEFAULT, encrypted_header: Any = "true", encrypt: bool | None = None,
              webhook_id: str | None = None, timestamp: int | None = None, sign_body: bool = True,
              signature: str | None = None, headers: dict[str, str] | None = None,
              **envelope_kw) -> tuple[bytes, dict[str, str]]:
        """The body and headers of a request a well-behaved sender would make;
        every piece can be overridden to make it misbehave."""
        hdrs = {"Content-Type": "application/json"}
        encrypt = bool(self.keys) if encrypt is None else encrypt
        if encrypt:
            lay = layout or (self.layout if self.layout != "auto" else "json")
            enc = encoding or (self.encoding if self.encoding != "auto" else "base64")
            k = key if key is not None else self.keys[key_index]
            body, extra = envelope(plaintext, k, mode=self.mode, layout=lay, encoding=enc,
                                   iv_header=self.iv_header, **envelope_kw)
            hdrs.update(extra)
            if encrypted_header is not None:
                hdrs["x-encrypted"] = encrypted_header
        else:
            body = plaintext
        if api_key is DEFAULT:
            api_key = self.api_keys[0] if self.api_keys else None
        if api_key is not None:
            hdrs["x-api-key"] = api_key
        if self.signing_secret is not None and sign_body:
            wid = webhook_id or unique("msg")
            ts = timestamp if timestamp is not None else int(time.time())
            hdrs["webhook-id"] = wid
            hdrs["webhook-timestamp"] = str(ts)
            hdrs["webhook-signature"] = signature or sign(self.signing_secret, wid, ts, body)
        elif webhook_id is not None:
            hdrs["webhook-id"] = webhook_id
        if headers:
            hdrs.update(headers)
        return body, hdrs


def standard_sources(tag: str) -> dict[str, Source]:
    """The sources of the shared gateway. Key forms: plain 32 chars, hex:, base64:."""
    out: dict[str, Source] = {}

    def add(s: Source) -> None:
        out[s.logical] = s

    k1 = key_plain()
    add(Source("gcm", f"gcm-{tag}", "aes-256-gcm", [k1[0]], [k1[1]], [unique("apikey")], "json", "base64"))
    k2 = key_hex()
    add(Source("auto", f"auto-{tag}", "aes-256-gcm", [k2[0]], [k2[1]], [unique("apikey")], "auto", "auto"))
    k3 = key_b64()
    add(Source("cbc", f"cbc-{tag}", "aes-256-cbc", [k3[0]], [k3[1]], [unique("apikey")], "compact", "base64"))
    k4 = key_plain()
    add(Source("cbcjson", f"cbcjson-{tag}", "aes-256-cbc", [k4[0]], [k4[1]], [unique("apikey")], "json", "auto"))
    k5 = key_plain()
    add(Source("hdr", f"hdr-{tag}", "aes-256-gcm", [k5[0]], [k5[1]], [unique("apikey")], "header-iv", "base64",
               iv_header="x-webhook-iv"))
    k6 = key_hex()
    add(Source("rawhex", f"rawhex-{tag}", "aes-256-gcm", [k6[0]], [k6[1]], [unique("apikey")], "raw", "hex"))
    k7 = key_b64()
    add(Source("signed", f"signed-{tag}", "aes-256-gcm", [k7[0]], [k7[1]], [], "json", "base64",
               signing_secret=os.urandom(32)))
    k8a, k8b = key_plain(), key_hex()
    add(Source("rotate", f"rotate-{tag}", "aes-256-gcm", [k8a[0], k8b[0]], [k8a[1], k8b[1]],
               [unique("apikey-old"), unique("apikey-new")], "auto", "auto"))
    add(Source("plain", f"plain-{tag}", "aes-256-gcm", [], [], [unique("apikey")], "auto", "auto",
               extra_config={"require_encryption": False}))
    k9 = key_plain()
    add(Source("unbound", f"unbound-{tag}", "aes-256-gcm", [k9[0]], [k9[1]], [unique("apikey")], "auto", "auto",
               sink=False))
    return out


# --------------------------------------------------------------------------- TOML


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v)  # ASCII-only JSON strings are valid TOML basic strings
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise TypeError(type(v))


def to_toml(tables: dict[str, dict[str, Any]]) -> str:
    lines = []
    for name, table in tables.items():
        lines.append(f"[{name}]")
        for k, v in table.items():
            lines.append(f"{k} = {_toml_value(v)}")
        lines.append("")
    return "\n".join(lines)


# --------------------------------------------------------------------------- HTTP


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    raw: bytes

    @property
    def json(self) -> Any:
        try:
            return json.loads(self.raw)
        except ValueError:
            raise AssertionError(f"response body is not JSON (status {self.status}): {self.raw[:300]!r}")

    def __repr__(self) -> str:
        return f"<Response {self.status} {self.raw[:300]!r}>"


class RawConn:
    """A raw TCP client that writes exact bytes and parses responses by hand."""

    def __init__(self, port: int, timeout: float = 5.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _fill(self) -> bool:
        chunk = self.sock.recv(65536)
        if not chunk:
            return False
        self.buf += chunk
        return True

    def _line(self) -> bytes:
        while b"\r\n" not in self.buf:
            if not self._fill():
                raise ConnectionError(f"connection closed mid-response; have {self.buf[:200]!r}")
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n: int) -> bytes:
        while len(self.buf) < n:
            if not self._fill():
                raise ConnectionError("connection closed mid-body")
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_response(self) -> Response:
        status_line = self._line()
        parts = status_line.split(b" ", 2)
        assert len(parts) >= 2 and parts[0].startswith(b"HTTP/1."), f"bad status line {status_line!r}"
        status = int(parts[1])
        headers: dict[str, str] = {}
        while True:
            line = self._line()
            if not line:
                break
            k, _, v = line.partition(b":")
            headers[k.strip().lower().decode()] = v.strip().decode("latin-1")
        body = b""
        if "transfer-encoding" in headers and "chunked" in headers["transfer-encoding"].lower():
            while True:
                size = int(self._line().split(b";")[0], 16)
                if size == 0:
                    while self._line():
                        pass
                    break
                body += self._exact(size)
                self._exact(2)
        elif "content-length" in headers:
            body = self._exact(int(headers["content-length"]))
        return Response(status, headers, body)

    def closed_by_peer(self, timeout: float) -> bool:
        """True when the peer closes (EOF or reset) within timeout with no further bytes."""
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(65536)
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False
        if data:
            self.buf += data
            return False
        return True


def http_request(port: int, method: str, path: str, body: bytes | None = None,
                 headers: dict[str, str] | None = None, timeout: float = 15.0) -> Response:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        raw = r.read()
        return Response(r.status, {k.lower(): v for k, v in r.getheaders()}, raw)
    finally:
        conn.close()


# --------------------------------------------------------------------------- gateway


class Gateway:
    def __init__(self, workdir: Path, sources: dict[str, Source], *, server: dict | None = None,
                 amqp: dict | None = None, spool: dict | None = None, dedupe: dict | None = None,
                 log: dict | None = None, env: dict | None = None):
        self.workdir = workdir
        self.sources = sources
        self.port = free_port()
        self.admin_port = free_port()
        workdir.mkdir(parents=True, exist_ok=True)
        srv = {"listen": f"127.0.0.1:{self.port}", "admin_listen": f"127.0.0.1:{self.admin_port}",
               "threads": 2, "max_body_bytes": 65536}
        srv.update(server or {})
        am = {"url": AMQP_URL}
        am.update(amqp or {})
        if "urls" in am:  # the nodes of a cluster instead (both set is a config error)
            del am["url"]
        sp = {"dir": str(workdir / "spool")}
        sp.update(spool or {})
        lg = {"level": "info", "format": "text"}
        lg.update(log or {})
        tables: dict[str, dict[str, Any]] = {"server": srv, "log": lg, "amqp": am, "spool": sp}
        if dedupe:
            tables["dedupe"] = dict(dedupe)
        for s in sources.values():
            tables[f"sources.{s.name}"] = s.config()
        self.config_path = workdir / "gateway.toml"
        self.config_path.write_text(to_toml(tables))
        self.env = dict(os.environ)
        self.env.update(env or {})
        self.proc: subprocess.Popen | None = None
        self.stdout_path = workdir / "gateway.stdout"
        self.stderr_path = workdir / "gateway.stderr"
        self.has_admin: bool | None = None
        self.ready_epoch = -1

    def __getitem__(self, logical: str) -> Source:
        return self.sources[logical]

    def output(self, limit: int = 4000) -> str:
        out = []
        for p in (self.stderr_path, self.stdout_path):
            if p.exists():
                text = p.read_text(errors="replace")
                out.append(f"--- {p.name} (tail) ---\n{text[-limit:]}")
        return "\n".join(out)

    def start(self, timeout: float = 15.0) -> "Gateway":
        if not GATEWAY_BIN.exists():
            pytest.fail(f"gateway binary {GATEWAY_BIN} does not exist (set RAI_GATEWAY_BIN)")
        self._declare_sink()
        self.proc = subprocess.Popen(
            [str(GATEWAY_BIN), "--config", str(self.config_path)],
            stdout=open(self.stdout_path, "wb"), stderr=open(self.stderr_path, "wb"),
            env=self.env, cwd=self.workdir)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                pytest.fail(f"gateway exited with {self.proc.returncode} during startup\n{self.output()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                break
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"gateway did not accept on port {self.port} within {timeout} s\n{self.output()}")
            time.sleep(0.05)
        self.wait_ready(max(1.0, deadline - time.monotonic()))
        return self

    def wait_ready(self, timeout: float) -> None:
        """Ready = connected to the broker. /readyz on the admin listener says so (404:
        no such endpoint, go on); when the admin listener is not there at all, a probe
        event through a source is posted until it is accepted."""
        epoch = BROKER_EPOCH[0]
        self._wait_ready(timeout)
        self.ready_epoch = epoch

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last = "no answer"
        refused_since = None
        if self.has_admin is False:
            self._probe(deadline)
            return
        while True:
            try:
                r = http_request(self.admin_port, "GET", "/readyz", timeout=2)
                self.has_admin = True
                if r.status in (200, 404):
                    return
                last = repr(r)
                refused_since = None
            except ConnectionRefusedError as e:
                last = repr(e)
                refused_since = refused_since or time.monotonic()
                if time.monotonic() - refused_since > 0.5:
                    self.has_admin = False  # no admin listener: probe from now on
                    self._probe(deadline)
                    return
            except OSError as e:
                last = repr(e)
            if self.proc is None or self.proc.poll() is not None:
                pytest.fail(f"gateway exited with {self.proc.returncode if self.proc else None}\n{self.output()}")
            if time.monotonic() > deadline:
                pytest.fail(f"gateway /readyz not 200 within {timeout:.0f} s (last: {last})\n{self.output()}")
            time.sleep(0.1)

    def _probe(self, deadline: float) -> None:
        src = next(iter(self.sources.values()))
        r = None
        q = QueueReader([f"returning.{src.name}.user-visited"])  # swallows the probes
        try:
            while time.monotonic() < deadline:
                body, headers = src.build(sample_event("user-visited", unique("probe")))
                try:
                    r = self.post(src.path("user-visited"), body, headers, timeout=5)
                    if r.status == 200:
                        return
                except OSError as e:
                    r = e
                if self.proc is None or self.proc.poll() is not None:
                    break
                time.sleep(0.2)
        finally:
            q.close()
        pytest.fail(f"gateway not accepting events (probe: {r!r})\n{self.output()}")

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def assert_alive(self) -> None:
        assert self.proc is not None
        rc = self.proc.poll()
        assert rc is None, f"gateway died (exit {rc})\n{self.output()}"

    def _declare_sink(self) -> None:
        """Everything this gateway publishes for its sources (but `unbound`) is also routed
        to a queue that keeps nothing (x-max-length 0), so events a test does not read
        never pile up in the shared returning.unrouted queue. Durable, so it outlives a
        broker restart; x-expires cleans it up if the test run dies."""
        self.sink_queue = unique("rai-it-sink")
        conn = amqp_connect(attempts=20)
        try:
            ch = conn.channel()
            declare_topology(ch)
            ch.queue_declare(self.sink_queue, durable=True,
                             arguments={"x-max-length": 0, "x-expires": 30 * 60 * 1000})
            for s in self.sources.values():
                if s.sink:
                    ch.queue_bind(self.sink_queue, EVENTS_EXCHANGE, routing_key=f"returning.{s.name}.#")
        finally:
            conn.close()

    def _delete_sink(self) -> None:
        if getattr(self, "sink_queue", None):
            with contextlib.suppress(Exception):
                conn = amqp_connect(attempts=3)
                conn.channel().queue_delete(self.sink_queue)
                conn.close()
            self.sink_queue = None

    def stop(self) -> int | None:
        """SIGTERM (SIGKILL after 10 s); returns the exit code (negative: signal)."""
        try:
            if self.proc is None:
                return None
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(timeout=10)
            return self.proc.returncode
        finally:
            self._delete_sink()

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None, timeout: float = 15.0) -> Response:
        return http_request(self.port, method, path, body, headers, timeout)

    def post(self, path: str, body: bytes, headers: dict[str, str] | None = None,
             timeout: float = 15.0) -> Response:
        return self.request("POST", path, body, headers, timeout)

    def send(self, logical: str, plaintext: bytes, event: str | None = None, **kw) -> Response:
        """Encrypt/sign plaintext the way source `logical` expects and POST it."""
        src = self.sources[logical]
        body, headers = src.build(plaintext, **kw)
        return self.post(src.path(event), body, headers)


def _factory(tmp_path_factory, started: list):
    def make(sources: dict[str, Source] | None = None, start: bool = True, **kw) -> Gateway:
        tag = secrets.token_hex(3)
        gw = Gateway(tmp_path_factory.mktemp("gw"), sources or standard_sources(tag), **kw)
        started.append(gw)
        if start:
            gw.start()
        return gw

    return make


@pytest.fixture
def gateway_factory(tmp_path_factory):
    """gateway_factory(sources=None, server={...}, amqp={...}, spool={...}, ...) -> a started
    Gateway with its own config; stopped at the end of the test."""
    started: list[Gateway] = []
    yield _factory(tmp_path_factory, started)
    for g in started:
        g.stop()


@pytest.fixture(scope="session")
def _shared_gateway(tmp_path_factory) -> Gateway:
    started: list[Gateway] = []
    yield _factory(tmp_path_factory, started)()
    for g in started:
        g.stop()


@pytest.fixture
def gw(_shared_gateway) -> Gateway:
    """The shared gateway with the standard sources, alive and connected to the broker
    (a broker-outage test may have run before)."""
    g = _shared_gateway
    g.assert_alive()
    if g.ready_epoch != BROKER_EPOCH[0]:
        g.wait_ready(30)
    return g


@pytest.fixture(autouse=True)
def _shared_gateway_survives(request):
    yield
    if "gw" in request.fixturenames:
        request.getfixturevalue("_shared_gateway").assert_alive()


# --------------------------------------------------------------------------- AMQP


def amqp_connect(attempts: int = 1) -> pika.BlockingConnection:
    params = pika.URLParameters(AMQP_URL)
    params.heartbeat = 30
    params.blocked_connection_timeout = 30
    params.socket_timeout = 5
    last: Exception | None = None
    for _ in range(attempts):
        try:
            return pika.BlockingConnection(params)
        except pika.exceptions.AMQPError as e:
            last = e
            time.sleep(0.5)
    raise last  # type: ignore[misc]


def declare_topology(ch) -> None:
    """Exactly the §6 forms (anything else would be refused with 406)."""
    ch.exchange_declare(UNROUTED, "fanout", durable=True)
    ch.queue_declare(UNROUTED, durable=True)
    ch.queue_bind(UNROUTED, UNROUTED, routing_key="")
    ch.exchange_declare(EVENTS_EXCHANGE, "topic", durable=True,
                        arguments={"alternate-exchange": UNROUTED})


@dataclass
class Delivered:
    body: bytes
    routing_key: str
    exchange: str
    props: Any

    @property
    def headers(self) -> dict[str, Any]:
        out = {}
        for k, v in (self.props.headers or {}).items():
            out[k] = v.decode() if isinstance(v, bytes) else v
        return out


class QueueReader:
    """An exclusive, server-named queue bound to returning.events with given patterns."""

    def __init__(self, patterns: list[str]):
        self.conn = amqp_connect(attempts=20)
        self.ch = self.conn.channel()
        declare_topology(self.ch)
        self.queue = self.ch.queue_declare("", exclusive=True, auto_delete=True).method.queue
        for p in patterns:
            self.ch.queue_bind(self.queue, EVENTS_EXCHANGE, routing_key=p)

    def get(self, timeout: float = 5.0) -> Delivered | None:
        deadline = time.monotonic() + timeout
        while True:
            method, props, body = self.ch.basic_get(self.queue, auto_ack=True)
            if method is not None:
                return Delivered(body, method.routing_key, method.exchange, props)
            if time.monotonic() >= deadline:
                return None
            self.conn.sleep(0.05)

    def expect(self, n: int, timeout: float = 5.0) -> list[Delivered]:
        out = []
        deadline = time.monotonic() + timeout
        while len(out) < n:
            m = self.get(max(0.0, deadline - time.monotonic()))
            if m is None:
                break
            out.append(m)
        assert len(out) == n, f"expected {n} message(s) on the test queue, got {len(out)}: " \
                              f"{[(m.routing_key, m.props.message_id) for m in out]}"
        return out

    def drain(self, wait: float = 0.3) -> list[Delivered]:
        out = []
        while True:
            m = self.get(wait)
            if m is None:
                return out
            out.append(m)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.close()


@pytest.fixture
def reader():
    """reader(*patterns) -> QueueReader; closed at teardown."""
    made: list[QueueReader] = []

    def make(*patterns: str) -> QueueReader:
        r = QueueReader(list(patterns))
        made.append(r)
        return r

    yield make
    for r in made:
        r.close()


def reader_for(make, *sources: Source) -> QueueReader:
    return make(*[f"returning.{s.name}.#" for s in sources])


# --------------------------------------------------------------------------- broker control


def rabbitmqctl(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([RABBITMQCTL, *args], capture_output=True, text=True, timeout=timeout)


def broker_reachable() -> bool:
    try:
        amqp_connect().close()
        return True
    except Exception:
        return False


def wait_broker(timeout: float = 60) -> None:
    if not wait_until(broker_reachable, timeout, 0.5):
        raise RuntimeError("RabbitMQ did not come back within %s s" % timeout)


BROKER_EPOCH = [0]  # bumped by every broker restart; gateways re-check readiness after one


@contextlib.contextmanager
def broker_stopped():
    """Stop the RabbitMQ application (the node stays up) and always restart it."""
    BROKER_EPOCH[0] += 1
    r = rabbitmqctl("stop_app")
    try:
        assert r.returncode == 0, f"rabbitmqctl stop_app failed: {r.stdout}{r.stderr}"
        yield
    finally:
        r2 = rabbitmqctl("start_app")
        if r2.returncode != 0:
            # a second attempt; the node may still be stopping
            time.sleep(2)
            r2 = rabbitmqctl("start_app")
        wait_broker(60)
        assert r2.returncode == 0, f"rabbitmqctl start_app failed: {r2.stdout}{r2.stderr}"


def topic_matches(pattern: str, key: str) -> bool:
    """AMQP topic match: '*' one word, '#' zero or more."""
    p, k = pattern.split("."), key.split(".")

    def go(i: int, j: int) -> bool:
        if i == len(p):
            return j == len(k)
        if p[i] == "#":
            return any(go(i + 1, jj) for jj in range(j, len(k) + 1))
        if j == len(k):
            return False
        return (p[i] == "*" or p[i] == k[j]) and go(i + 1, j + 1)

    return go(0, 0)


def bindings_matching(routing_key: str) -> list[tuple[str, str]]:
    """(destination, pattern) of bindings on returning.events that would take routing_key."""
    r = rabbitmqctl("list_bindings", "-q", "--no-table-headers", "source_name", "destination_name", "routing_key")
    out = []
    for line in r.stdout.splitlines():
        parts = line.split("\t")
        if len(parts) == 3 and parts[0] == EVENTS_EXCHANGE and topic_matches(parts[2], routing_key):
            out.append((parts[1], parts[2]))
    return out


@pytest.fixture(scope="session", autouse=True)
def _broker_up():
    if not broker_reachable():
        pytest.fail(f"RabbitMQ is not reachable at {AMQP_URL} (start it: /usr/sbin/rabbitmq-server -detached)")
