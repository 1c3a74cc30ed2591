"""rai-gateway-tool, the operator CLI, end to end: the real binary against the
reference encoder and signer of conftest.py, a real gateway, and the real local
RabbitMQ.

The tool's path: RAI_GATEWAY_TOOL, else derived from RAI_GATEWAY_BIN (CMake passes
only RAI_GATEWAY_BIN and RAI_REPO_ROOT to the integration suites): the tool is built
in the same build tree, <build>/tools/rai-gateway-tool next to
<build>/gateway/rai-gateway.

The dlq tests that need no gateway run in a vhost of their own (made with rabbitmqctl
and deleted afterwards), with the command topology of docs/wire-format.md §6 declared there,
so they never touch the dead queue other suites share. The end-to-end replay test
uses the default vhost with a real gateway, like test_outbound.py.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import secrets
import signal
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pika
import pytest

from conftest import (
    AMQP_URL,
    EVENT_KINDS,
    GATEWAY_BIN,
    RFC3339,
    Source,
    envelope,
    key_b64,
    key_hex,
    key_plain,
    rabbitmqctl,
    sign,
    unique,
    wait_until,
)
from outbound_support import (
    ALL_RETRY_QUEUES,
    COMMANDS_EXCHANGE,
    DEAD,
    OUTBOUND,
    TEST_LADDER_MS,
    Broker,
    FakeEndpoint,
    OutboundGateway,
    Reply,
    open_envelope,
)

TOOL = Path(os.environ.get("RAI_GATEWAY_TOOL", GATEWAY_BIN.parent.parent / "tools" / "rai-gateway-tool"))
MODES = ("aes-256-gcm", "aes-256-cbc")
LAYOUTS = ("json", "compact", "raw", "header-iv")
ENCODINGS = ("base64", "hex")


def tool(*args: str, input: bytes = b"", timeout: float = 120) -> subprocess.CompletedProcess:
    if not TOOL.exists():
        pytest.fail(f"{TOOL} does not exist (build the rai-gateway-tool target or set RAI_GATEWAY_TOOL)")
    return subprocess.run([str(TOOL), *args], input=input, capture_output=True, timeout=timeout)


def ok(r: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert r.returncode == 0, f"exit {r.returncode}\nstdout: {r.stdout[-2000:]!r}\nstderr: {r.stderr[-2000:]!r}"
    return r


def header_lines(text: str) -> dict[str, str]:
    out = {}
    for line in text.splitlines():
        if ": " in line:
            k, v = line.split(": ", 1)
            out[k.lower()] = v
    return out


# --------------------------------------------------------------------------- encrypt / decrypt / sign


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("mode", MODES)
def test_encrypt_then_decrypt_round_trip(tmp_path, mode, layout, encoding):
    raw, key = key_plain()
    plaintext = '{ "id":"e-1", "text":"h\u00e9llo \\"w\\"", "n": 1.50 }'.encode()
    hdr = tmp_path / "headers.txt"
    enc = ok(tool("encrypt", "--key", key, "--mode", mode, "--layout", layout, "--encoding", encoding,
                  "--headers", str(hdr), input=plaintext))
    body = enc.stdout
    headers = header_lines(hdr.read_text())
    assert headers["x-encrypted"] == "true"
    assert headers["content-type"] == "application/json"
    assert ("x-iv" in headers) == (layout == "header-iv")
    # The reference decoder agrees with what the tool wrote...
    assert open_envelope(body, headers, raw, mode=mode, layout=layout, encoding=encoding) == plaintext
    # ... and the tool decrypts it back, with the layout named and auto-detected.
    iv = ["--iv", headers["x-iv"]] if layout == "header-iv" else []
    for extra in (["--layout", layout, "--encoding", encoding], []):
        dec = ok(tool("decrypt", "--key", key, "--mode", mode, *extra, *iv, input=body))
        assert dec.stdout == plaintext


def test_encrypt_header_iv_line_goes_to_stderr_by_default():
    raw, key = key_hex()
    r = ok(tool("encrypt", "--key", key, "--layout", "header-iv", "--iv-header", "X-Webhook-IV",
                input=b'{"a":1}'))
    headers = header_lines(r.stderr.decode())
    assert set(headers) == {"x-webhook-iv"}
    assert open_envelope(r.stdout, headers, raw, layout="header-iv", iv_header="x-webhook-iv") == b'{"a":1}'


def test_encrypt_fixed_iv_is_deterministic():
    _, key = key_plain()
    iv = "00112233445566778899aabb"
    a = ok(tool("encrypt", "--key", key, "--fixed-iv", iv, input=b'{"a":1}')).stdout
    b = ok(tool("encrypt", "--key", key, "--fixed-iv", iv, input=b'{"a":1}')).stdout
    assert a == b and json.loads(a)["iv"] == base64.b64encode(bytes.fromhex(iv)).decode()
    r = tool("encrypt", "--key", key, "--fixed-iv", "0011", input=b'{"a":1}')
    assert r.returncode == 2 and b"--fixed-iv" in r.stderr


@pytest.mark.parametrize("keyform", ["plain", "hex", "base64"])
@pytest.mark.parametrize("encoding", ["base64", "b64nopad", "b64url", "b64urlnopad", "hex", "HEX"])
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("mode", MODES)
def test_decrypt_accepts_reference_envelopes(mode, layout, encoding, keyform):
    raw, key = {"plain": key_plain, "hex": key_hex, "base64": key_b64}[keyform]()
    plaintext = b'{"id":"ref-1","event":"user-joined","user":{"name":"Zo\xc3\xab"}}'
    body, headers = envelope(plaintext, raw, mode=mode, layout=layout, encoding=encoding)
    iv = ["--iv", headers["x-iv"]] if layout == "header-iv" else []
    declared = "hex" if encoding in ("hex", "HEX") else "base64"
    for extra in ([], ["--layout", layout, "--encoding", declared]):
        dec = ok(tool("decrypt", "--key", key, "--mode", mode, *extra, *iv, input=body))
        assert dec.stdout == plaintext


@pytest.mark.parametrize("field", [("data", "tag"), ("ciphertext", "authTag"), ("encryptedData", "auth_tag")])
def test_decrypt_accepts_json_aliases_and_gcm_16_byte_iv(field):
    raw, key = key_plain()
    body, _ = envelope(b'{"a":1}', raw, data_field=field[0], tag_field=field[1], iv_len=16)
    assert ok(tool("decrypt", "--key", key, input=body)).stdout == b'{"a":1}'


def test_decrypt_tries_every_key_like_rotation():
    raw, key = key_plain()
    _, other = key_hex()
    body, _ = envelope(b'{"a":1}', raw)
    assert ok(tool("decrypt", "--key", other, "--key", key, input=body)).stdout == b'{"a":1}'


def decrypt_error(*args: str, body: bytes) -> str:
    r = tool("decrypt", *args, input=body)
    assert r.returncode == 1, f"exit {r.returncode}: {r.stdout!r} {r.stderr!r}"
    assert r.stdout == b""
    return r.stderr.decode()


def test_decrypt_names_a_bad_tag():
    raw, key = key_plain()
    body, _ = envelope(b'{"a":1}', raw, tamper="tag")
    err = decrypt_error("--key", key, body=body)
    assert "bad tag: GCM authentication failed" in err and "401 decrypt_failed" in err, err
    _, wrong = key_plain()
    body, _ = envelope(b'{"a":1}', raw)
    assert "bad tag" in decrypt_error("--key", wrong, body=body)


def test_decrypt_names_bad_padding():
    raw, key = key_plain()
    _, wrong = key_hex()
    # A wrong key gives valid PKCS#7 padding about once in 256; try a few envelopes.
    errors = []
    for _ in range(5):
        body, _ = envelope(b'{"a":1}', raw, mode="aes-256-cbc", layout="compact")
        errors.append(decrypt_error("--key", wrong, "--mode", "aes-256-cbc", body=body))
    assert any("bad padding: CBC decryption" in e for e in errors), errors
    assert all("401 decrypt_failed" in e for e in errors), errors


def test_decrypt_names_a_bad_layout():
    raw, key = key_plain()
    body, _ = envelope(b'{"a":1}', raw, layout="json")
    obj = json.loads(body)
    del obj["tag"]
    err = decrypt_error("--key", key, body=json.dumps(obj).encode())
    assert "bad layout (json, auto-detected): no tag field" in err and "400 bad_envelope" in err, err
    err = decrypt_error("--key", key, "--layout", "compact", body=b"abc:def")
    assert "bad layout (compact): expected iv:ciphertext:tag" in err, err
    err = decrypt_error("--key", key, "--layout", "header-iv", body=b"AAAA")
    assert "no IV" in err and "--iv" in err, err
    ivhex = secrets.token_hex(12)
    err = decrypt_error("--key", key, "--layout", "raw", "--encoding", "hex", body=ivhex.encode())
    assert "fewer than IV (12) + tag (16)" in err, err


def test_decrypt_names_a_plaintext_that_is_not_json():
    raw, key = key_plain()
    body, _ = envelope(b"[1, 2]", raw)
    err = decrypt_error("--key", key, body=body)
    assert "bad plaintext" in err and "400 not_json_object" in err, err


def test_decrypt_and_encrypt_usage_errors():
    for args in (["decrypt"], ["decrypt", "--key", "short"], ["encrypt", "--key", "x" * 32, "--layout", "auto"],
                 ["encrypt", "--key", "x" * 32, "--mode", "aes-128"], ["encrypt", "--nope"],
                 ["decrypt", "--key", "x" * 32, "--config", "/nonexistent.toml", "--source", "s"],
                 ["nonsense"], []):
        r = tool(*args, input=b"{}")
        assert r.returncode == 2, (args, r.stderr)
        assert r.stderr, args
    for cmd in ("encrypt", "decrypt", "sign", "send", "dlq", "dlq list", "dlq replay"):
        r = ok(tool(*cmd.split(), "--help"))
        assert r.stdout.startswith(b"usage: rai-gateway-tool"), cmd


def test_sign_verifies_with_the_reference_signer():
    secret = os.urandom(32)
    whsec = "whsec_" + base64.b64encode(secret).decode()
    body = b'{"id":"e-9","event":"user-joined"}\n'
    r = ok(tool("sign", "--secret", whsec, "--id", "msg_42", "--timestamp", "1714557600", input=body))
    h = header_lines(r.stdout.decode())
    assert h == {"webhook-id": "msg_42", "webhook-timestamp": "1714557600",
                 "webhook-signature": sign(secret, "msg_42", 1714557600, body)}
    # Defaults: a fresh id and the current time.
    h = header_lines(ok(tool("sign", "--secret", whsec, input=body)).stdout.decode())
    assert abs(int(h["webhook-timestamp"]) - time.time()) < 60
    assert h["webhook-signature"] == sign(secret, h["webhook-id"], int(h["webhook-timestamp"]), body)


def test_sign_standard_webhooks_known_answer():
    body = b'{"test": 2432232314}'
    r = ok(tool("sign", "--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "--id",
                "msg_p5jXN8AQM9LWM0D4loKWxJek", "--timestamp", "1614265330", input=body))
    assert header_lines(r.stdout.decode())["webhook-signature"] == \
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_keys_and_secret_from_the_gateway_config(gateway_factory):
    raw, key = key_b64()
    secret = os.urandom(32)
    src = Source("cfg", unique("cfg"), "aes-256-cbc", [raw], [key], [unique("apikey")], "header-iv", "hex",
                 iv_header="x-webhook-iv", signing_secret=secret)
    gw = gateway_factory({"cfg": src}, start=False)
    cfg = ["--config", str(gw.config_path), "--source", src.name]
    enc = ok(tool("encrypt", *cfg, "--headers", "-", input=b'{"a":1}'))
    headers = header_lines(enc.stderr.decode())
    assert open_envelope(enc.stdout, headers, raw, mode="aes-256-cbc", layout="header-iv", encoding="hex",
                         iv_header="x-webhook-iv") == b'{"a":1}'
    dec = ok(tool("decrypt", *cfg, "--iv", headers["x-webhook-iv"], input=enc.stdout))
    assert dec.stdout == b'{"a":1}'
    h = header_lines(ok(tool("sign", *cfg, "--id", "m1", "--timestamp", "1700000000", input=b"x")).stdout.decode())
    assert h["webhook-signature"] == sign(secret, "m1", 1700000000, b"x")
    r = tool("encrypt", "--config", str(gw.config_path), "--source", "no-such-source", input=b"{}")
    assert r.returncode == 2 and b"no [sources.no-such-source]" in r.stderr


def secret_file(path: Path, value: str, mode: int = 0o600) -> str:
    path.write_text(value + "\n")
    path.chmod(mode)
    return str(path)


def tool_env(env: dict[str, str], *args: str, input: bytes = b"") -> subprocess.CompletedProcess:
    return subprocess.run([str(TOOL), *args], input=input, capture_output=True, timeout=120,
                          env={**os.environ, **env})


def test_secrets_from_files_and_environment_not_the_command_line(tmp_path):
    """--key, --secret (and --api-key, --amqp-url, below) each have a -file and an -env
    form, so no secret has to be on the command line (ps, shell history)."""
    raw, key = key_plain()
    secret = os.urandom(32)
    whsec = "whsec_" + base64.b64encode(secret).decode()
    key_path = secret_file(tmp_path / "aes-key", key)
    body = ok(tool("encrypt", "--key-file", key_path, input=b'{"a":1}')).stdout
    assert open_envelope(body, {"x-encrypted": "true"}, raw) == b'{"a":1}'
    dec = ok(tool_env({"RAI_IT_TOOL_KEY": key}, "decrypt", "--key-env", "RAI_IT_TOOL_KEY", input=body))
    assert dec.stdout == b'{"a":1}'
    h = header_lines(ok(tool("sign", "--secret-file", secret_file(tmp_path / "whsec", whsec), "--id", "m1",
                             "--timestamp", "1700000000", input=b"x")).stdout.decode())
    assert h["webhook-signature"] == sign(secret, "m1", 1700000000, b"x")
    h = header_lines(ok(tool_env({"RAI_IT_WHSEC": whsec}, "sign", "--secret-env", "RAI_IT_WHSEC", "--id", "m1",
                                 "--timestamp", "1700000000", input=b"x")).stdout.decode())
    assert h["webhook-signature"] == sign(secret, "m1", 1700000000, b"x")

    # A secret file others may read is refused, like the gateway's own; nothing is echoed.
    open_path = secret_file(tmp_path / "open-key", key, 0o644)
    r = tool("encrypt", "--key-file", open_path, input=b"{}")
    assert r.returncode == 2 and b"refusing" in r.stderr and key.encode() not in r.stderr, r.stderr
    r = tool("decrypt", "--key-env", "RAI_IT_TOOL_UNSET", input=body)
    assert r.returncode == 2 and b"RAI_IT_TOOL_UNSET" in r.stderr
    r = tool("encrypt", "--key", key, "--key-file", key_path, input=b"{}")
    assert r.returncode == 2 and b"give one of --key, --key-file or --key-env" in r.stderr

    # --help says so, for every command that takes a secret.
    for cmd in (["encrypt"], ["decrypt"], ["sign"], ["send"], ["dlq", "list"], ["dlq", "replay"]):
        out = ok(tool(*cmd, "--help")).stdout.decode()
        assert "--NAME-file PATH" in out and "--NAME-env VAR" in out, (cmd, out)


# --------------------------------------------------------------------------- send


def send_args(gw, src: Source, *extra: str) -> list[str]:
    return ["send", "--url", f"http://127.0.0.1:{gw.port}", "--source", src.name, *extra]


def summary(r: subprocess.CompletedProcess) -> dict[str, str]:
    out = {}
    for line in r.stdout.decode().splitlines():
        if ":" in line:
            k, v = line.split(":", 1)
            out[k.strip()] = v.strip()
    return out


def test_send_every_kind_lands_in_the_queue_with_distinct_ids(gateway_factory, reader):
    raw, key = key_plain()
    src = Source("s", unique("send"), "aes-256-gcm", [raw], [key], [unique("apikey")], "json", "base64")
    gw = gateway_factory({"s": src})
    q = reader(f"returning.{src.name}.#")
    n = 25
    r = ok(tool(*send_args(gw, src, "--count", str(n), "--event", "all", "--connections", "4",
                           "--api-key", src.api_keys[0], "--key", key)))
    s = summary(r)
    assert s["200 accepted"] == str(n) and s["200 duplicate"] == "0", r.stdout
    assert s["other statuses"] == "none" and s["transport errors"] == "0", r.stdout
    got = q.expect(n, timeout=15)
    ids = [m.props.message_id for m in got]
    assert len(set(ids)) == n, ids
    assert {m.props.type for m in got} == set(EVENT_KINDS)
    for m in got:
        payload = json.loads(m.body)
        assert payload["event"] == m.props.type == m.routing_key.rsplit(".", 1)[1]
        assert payload["id"] == m.props.message_id
        assert m.headers["x-auth"] == "api-key,gcm"


def test_send_with_config_signed_header_iv_cbc_and_duplicates(gateway_factory, reader):
    raw, key = key_hex()
    src = Source("s", unique("sendcfg"), "aes-256-cbc", [raw], [key], [unique("apikey")], "header-iv", "hex",
                 iv_header="x-webhook-iv", signing_secret=os.urandom(32))
    gw = gateway_factory({"s": src})
    q = reader(f"returning.{src.name}.#")
    prefix = unique("dup")
    args = send_args(gw, src, "--config", str(gw.config_path), "--count", "10", "--event",
                     "store-item-purchased", "--connections", "3", "--id-prefix", prefix)
    s = summary(ok(tool(*args)))
    assert s["200 accepted"] == "10", s
    got = q.expect(10, timeout=15)
    assert sorted(m.props.message_id for m in got) == sorted(f"{prefix}-{i}" for i in range(1, 11))
    assert all(m.headers["x-auth"] == "api-key,signature,cbc" for m in got)
    # The same ids again: every one is a duplicate, nothing new is published, exit 0.
    s = summary(ok(tool(*args)))
    assert s["200 accepted"] == "0" and s["200 duplicate"] == "10", s
    assert q.drain() == []


def test_send_event_in_payload_route(gateway_factory, reader):
    src = Source("p", unique("plain"), "aes-256-gcm", [], [], [unique("apikey")], "auto", "auto",
                 extra_config={"require_encryption": False})
    gw = gateway_factory({"p": src})
    q = reader(f"returning.{src.name}.#")
    ok(tool(*send_args(gw, src, "--api-key", src.api_keys[0], "--count", "5", "--no-event-path")))
    assert sorted(m.props.type for m in q.expect(5, timeout=15)) == sorted(EVENT_KINDS)


def test_send_api_key_and_key_from_file_and_environment(gateway_factory, reader, tmp_path):
    raw, key = key_plain()
    src = Source("s", unique("sendsec"), "aes-256-gcm", [raw], [key], [unique("apikey")], "json", "base64")
    gw = gateway_factory({"s": src})
    q = reader(f"returning.{src.name}.#")
    r = ok(tool_env({"RAI_IT_SEND_KEY": key}, *send_args(
        gw, src, "--count", "3", "--api-key-file", secret_file(tmp_path / "api", src.api_keys[0]),
        "--key-env", "RAI_IT_SEND_KEY")))
    assert summary(r)["200 accepted"] == "3", r.stdout
    assert len(q.expect(3, timeout=15)) == 3


def test_send_counts_refusals_and_exits_1(gateway_factory):
    raw, key = key_plain()
    src = Source("s", unique("sendbad"), "aes-256-gcm", [raw], [key], [unique("apikey")], "json", "base64")
    gw = gateway_factory({"s": src})
    r = tool(*send_args(gw, src, "--count", "6", "--api-key", "wrong", "--key", key))
    assert r.returncode == 1, r
    s = summary(r)
    assert s["200 accepted"] == "0" and s["other statuses"] == "401 x6", r.stdout
    r = tool("send", "--url", "http://127.0.0.1:1", "--source", src.name, "--count", "2")
    assert r.returncode == 1 and summary(r)["transport errors"] == "2", r.stdout
    assert tool("send", "--url", "https://127.0.0.1:1", "--source", "x").returncode == 2


# --------------------------------------------------------------------------- dlq (own vhost)


@pytest.fixture
def vhost():
    """A vhost of this test's own with the §6 command topology; yields its AMQP URL."""
    name = unique("rai-tool")
    r = rabbitmqctl("add_vhost", name)
    assert r.returncode == 0, r.stderr
    try:
        r = rabbitmqctl("set_permissions", "-p", name, "guest", ".*", ".*", ".*")
        assert r.returncode == 0, r.stderr
        url = urlunsplit(urlsplit(AMQP_URL)._replace(path="/" + name))
        conn = pika.BlockingConnection(pika.URLParameters(url))
        ch = conn.channel()
        ch.exchange_declare(COMMANDS_EXCHANGE, "direct", durable=True)
        ch.queue_declare(OUTBOUND, durable=True)
        ch.queue_bind(OUTBOUND, COMMANDS_EXCHANGE, routing_key="outbound")
        ch.queue_declare(DEAD, durable=True)
        conn.close()
        yield url
    finally:
        rabbitmqctl("delete_vhost", name)


class VhostBroker:
    def __init__(self, url: str):
        self.conn = pika.BlockingConnection(pika.URLParameters(url))
        self.ch = self.conn.channel()
        self.ch.confirm_delivery()

    def dead(self, message_id: str, kind: str = "currency", body: bytes | None = None, *,
             attempts=3, status="503", error="http 503: busy", reason="exhausted",
             extra: dict | None = None) -> bytes:
        """A dead command as the gateway writes it (string headers; attempts may be an int)."""
        body = body if body is not None else json.dumps({"ref": message_id, "amount": 5}).encode()
        headers = {"x-kind": kind, "x-attempt": attempts, "x-last-status": status, "x-last-error": error,
                   "x-dead-reason": reason, "x-source": "crm"}
        headers.update(extra or {})
        self.ch.basic_publish("", DEAD, body, pika.BasicProperties(
            delivery_mode=2, content_type="application/json", message_id=message_id, type=kind,
            timestamp=1714557600, headers=headers), mandatory=True)
        return body

    def count(self, queue: str) -> int:
        return self.ch.queue_declare(queue, passive=True).method.message_count

    def take_all(self, queue: str) -> list[tuple[bytes, object]]:
        out = []
        while True:
            method, props, body = self.ch.basic_get(queue, auto_ack=True)
            if method is None:
                return out
            out.append((body, props))

    def close(self):
        self.conn.close()


@pytest.fixture
def vb(vhost):
    b = VhostBroker(vhost)
    yield b
    b.close()


def hdr(props, name):
    v = (props.headers or {}).get(name)
    return v.decode() if isinstance(v, bytes) else v


def test_dlq_list_shows_dead_commands_and_leaves_them(vhost, vb):
    vb.dead("cmd-a", "currency", attempts=9, reason="exhausted")
    vb.dead("cmd-b", "user-fields", attempts="1", status="404", error="http 404: no\tsuch\nuser",
            reason="rejected")
    vb.dead("cmd-c", "registration", attempts="0", status="0", error="no target configured for kind 'registration'",
            reason="no-target")
    r = ok(tool("dlq", "list", "--amqp-url", vhost))
    lines = r.stdout.decode().splitlines()
    assert lines[0].split("\t") == ["ID", "KIND", "ATTEMPTS", "LAST_STATUS", "LAST_ERROR", "DEAD_REASON"]
    rows = {l.split("\t")[0]: l.split("\t") for l in lines[1:]}
    assert rows == {
        "cmd-a": ["cmd-a", "currency", "9", "503", "http 503: busy", "exhausted"],
        "cmd-b": ["cmd-b", "user-fields", "1", "404", "http 404: no such user", "rejected"],
        "cmd-c": ["cmd-c", "registration", "0", "0", "no target configured for kind 'registration'", "no-target"],
    }
    assert b"3 of 3 dead command(s) listed" in r.stderr
    assert wait_until(lambda: vb.count(DEAD) == 3, 5), vb.count(DEAD)

    r = ok(tool("dlq", "list", "--amqp-url", vhost, "--json", "--body"))
    items = {j["id"]: j for j in map(json.loads, r.stdout.decode().splitlines())}
    assert items["cmd-b"] == {"id": "cmd-b", "kind": "user-fields", "attempts": 1, "last_status": 404,
                              "last_error": "http 404: no\tsuch\nuser", "dead_reason": "rejected",
                              "replayed_at": None, "body": '{"ref": "cmd-b", "amount": 5}'}
    assert wait_until(lambda: vb.count(DEAD) == 3, 5)
    r = ok(tool("dlq", "list", "--amqp-url", vhost, "--limit", "2"))
    assert len(r.stdout.decode().splitlines()) == 3
    assert wait_until(lambda: vb.count(DEAD) == 3, 5)
    assert {p.message_id for _, p in vb.take_all(DEAD)} == {"cmd-a", "cmd-b", "cmd-c"}


def test_dlq_amqp_url_from_file_and_environment(vhost, vb, tmp_path):
    vb.dead("cmd-url", "currency")
    for extra, env in ((["--amqp-url-file", secret_file(tmp_path / "url", vhost)], {}),
                       (["--amqp-url-env", "RAI_IT_AMQP_URL"], {"RAI_IT_AMQP_URL": vhost})):
        r = ok(tool_env(env, "dlq", "list", *extra))
        assert [l.split("\t")[0] for l in r.stdout.decode().splitlines()[1:]] == ["cmd-url"], r.stdout
    assert wait_until(lambda: vb.count(DEAD) == 1, 5)


def test_dlq_list_empty_and_missing_queue(vhost, vb):
    r = ok(tool("dlq", "list", "--amqp-url", vhost))
    assert len(r.stdout.decode().splitlines()) == 1
    vb.ch.queue_delete(DEAD)
    r = tool("dlq", "list", "--amqp-url", vhost)
    assert r.returncode == 1 and b"404" in r.stderr, r.stderr
    r = tool("dlq", "list", "--amqp-url", "amqp://guest:guest@127.0.0.1:1/")
    assert r.returncode == 1 and b"cannot connect" in r.stderr, r.stderr


def test_dlq_replay_by_id_then_all(vhost, vb):
    bodies = {i: vb.dead(i, kind) for i, kind in (("r-1", "currency"), ("r-2", "channel-message"),
                                                   ("r-3", "user-fields"))}
    r = ok(tool("dlq", "replay", "--amqp-url", vhost, "--id", "r-2"))
    assert b"replayed 1 dead command(s)" in r.stdout and b"2 left" in r.stdout, r.stdout
    moved = vb.take_all(OUTBOUND)
    assert len(moved) == 1
    body, p = moved[0]
    assert body == bodies["r-2"]
    assert (p.message_id, p.type, p.content_type, p.delivery_mode, p.timestamp) == \
        ("r-2", "channel-message", "application/json", 2, 1714557600)
    assert hdr(p, "x-kind") == "channel-message" and hdr(p, "x-source") == "crm"
    for gone in ("x-attempt", "x-last-status", "x-last-error", "x-dead-reason"):
        assert gone not in (p.headers or {}), p.headers
    stamp = hdr(p, "x-replayed-at")
    assert RFC3339.match(stamp), stamp
    replayed = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    assert abs((dt.datetime.now(dt.timezone.utc) - replayed).total_seconds()) < 60, stamp
    assert wait_until(lambda: vb.count(DEAD) == 2, 5)

    r = tool("dlq", "replay", "--amqp-url", vhost, "--id", "r-1", "--id", "nope")
    assert r.returncode == 1 and b"not found in the dead queue: nope" in r.stderr, r
    assert [p.message_id for _, p in vb.take_all(OUTBOUND)] == ["r-1"]

    r = ok(tool("dlq", "replay", "--amqp-url", vhost, "--all"))
    assert b"replayed 1 dead command(s)" in r.stdout, r.stdout
    assert [(b, p.message_id) for b, p in vb.take_all(OUTBOUND)] == [(bodies["r-3"], "r-3")]
    assert vb.count(DEAD) == 0
    r = ok(tool("dlq", "replay", "--amqp-url", vhost, "--all"))
    assert b"replayed 0" in r.stdout
    assert tool("dlq", "replay", "--amqp-url", vhost).returncode == 2
    assert tool("dlq", "replay", "--amqp-url", vhost, "--all", "--id", "x").returncode == 2


def test_dlq_replay_unroutable_keeps_the_dead_copy(vhost, vb):
    vb.dead("u-1")
    vb.ch.queue_unbind(OUTBOUND, COMMANDS_EXCHANGE, routing_key="outbound")
    r = tool("dlq", "replay", "--amqp-url", vhost, "--all")
    assert r.returncode == 1 and b"returned unroutable" in r.stderr, r
    assert wait_until(lambda: vb.count(DEAD) == 1, 5)
    assert vb.count(OUTBOUND) == 0


def ids_in(vb: VhostBroker, queue: str) -> list[str]:
    return [p.message_id for _, p in vb.take_all(queue)]


def assert_nothing_lost(vb: VhostBroker, ids: set[str]) -> tuple[list[str], list[str]]:
    assert wait_until(lambda: vb.count(DEAD) + vb.count(OUTBOUND) >= len(ids), 10)
    dead, out = ids_in(vb, DEAD), ids_in(vb, OUTBOUND)
    lost = ids - set(dead) - set(out)
    assert not lost, f"lost {sorted(lost)}"
    assert set(dead) | set(out) == ids
    assert len(dead) == len(set(dead)), "a command is twice in the dead queue"
    return dead, out


def test_dlq_replay_killed_mid_replay_loses_nothing(vhost, vb):
    ids = {f"k-{i}" for i in range(10)}
    for i in sorted(ids):
        vb.dead(i)
    # Each replay is confirmed, then the tool waits 400 ms before acking its dead
    # copy: SIGKILL lands inside that window.
    p = subprocess.Popen([str(TOOL), "dlq", "replay", "--amqp-url", vhost, "--all", "--batch", "1",
                          "--pause-after-publish-ms", "400"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert wait_until(lambda: vb.count(OUTBOUND) >= 3, 20), "the replay never got going"
        time.sleep(0.1)
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=10)
    finally:
        if p.poll() is None:
            p.kill()
    dead, out = assert_nothing_lost(vb, ids)
    both = set(dead) & set(out)
    assert len(both) <= 1, both          # only the one in its pause window
    assert 3 <= len(out) < len(ids), (dead, out)
    # Finishing the job afterwards moves the rest; a duplicate keeps its message_id.
    for i in dead:
        vb.dead(i)
    ok(tool("dlq", "replay", "--amqp-url", vhost, "--all"))
    assert vb.count(DEAD) == 0
    assert set(ids_in(vb, OUTBOUND)) == set(dead)


def test_dlq_replay_killed_under_load_loses_nothing(vhost, vb):
    ids = {f"m-{i}" for i in range(1500)}
    for i in sorted(ids):
        vb.dead(i)
    p = subprocess.Popen([str(TOOL), "dlq", "replay", "--amqp-url", vhost, "--all", "--batch", "16"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_until(lambda: vb.count(OUTBOUND) >= 200, 20, 0.01)
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=10)
    finally:
        if p.poll() is None:
            p.kill()
    assert_nothing_lost(vb, ids)


# --------------------------------------------------------------------------- dlq end to end


@pytest.fixture
def broker():
    """As in test_outbound.py: one gateway on returning.outbound at a time, queues purged."""
    b = Broker()
    deadline = time.monotonic() + 30
    while b.consumers(OUTBOUND) > 0 and time.monotonic() < deadline:
        b.conn.sleep(0.5)
    assert b.consumers(OUTBOUND) == 0, "another gateway consumes returning.outbound"
    b.purge(OUTBOUND, DEAD, *ALL_RETRY_QUEUES)
    yield b
    b.close()


def test_dead_command_replayed_and_delivered(tmp_path_factory, broker):
    ep = FakeEndpoint()
    raw, key = key_plain()
    g = OutboundGateway(tmp_path_factory.mktemp("toolgw"),
                        {"currency": {"url": ep.url("/in/currency"), "api_key": "k", "key": key,
                                      "timeout_ms": 5000}},
                        {"retry_schedule_ms": [1000], "delay_ladder_ms": TEST_LADDER_MS,
                         "drain_timeout_ms": 2000})
    try:
        ep.script("/in/currency", Reply(422, body=b'{"error":"unknown user"}'))
        g.start()
        cid = unique("cmd")
        body = b'{"userId":"u-1","amount":50}'
        broker.publish("currency", body, cid)
        assert wait_until(lambda: broker.count(DEAD) == 1, 15), g.output()

        r = ok(tool("dlq", "list", "--json", "--config", str(g.config_path)))
        [item] = [json.loads(l) for l in r.stdout.decode().splitlines()]
        assert item["id"] == cid and item["kind"] == "currency" and item["dead_reason"] == "rejected"
        assert item["attempts"] == 1 and item["last_status"] == 422, item
        assert "unknown user" in item["last_error"]
        assert wait_until(lambda: broker.count(DEAD) == 1, 5)

        # Returning.AI is fixed: the replayed command is delivered with the same key.
        r = ok(tool("dlq", "replay", "--id", cid, "--config", str(g.config_path)))
        assert b"replayed 1" in r.stdout
        got = ep.wait_for(2, "/in/currency", timeout=15)
        assert len(got) == 2, g.output()
        assert got[0].headers["idempotency-key"] == got[1].headers["idempotency-key"] == cid
        assert open_envelope(got[1].body, got[1].headers, key.encode()) == body
        assert wait_until(lambda: broker.count(DEAD) == 0 and broker.count(OUTBOUND) == 0, 10)
    finally:
        g.stop()
        ep.close()
