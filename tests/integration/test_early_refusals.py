"""An early refusal reaches a sender that is still uploading its body. The gateway may
answer before it has read a request (413 from Content-Length, 401/404/405 from the
header alone, 400 framing): it then stops reading requests but keeps draining and
discarding what the client sends, for a bounded time and size, before it closes
(lingering close). Closing at once, with the client's bytes still unread, makes the
kernel send a reset: the client gets ECONNRESET or EPIPE while writing and never reads
the status (Node fetch reports "fetch failed"), so a permanent refusal becomes a retry."""
from __future__ import annotations

import http.client
import re
import shutil
import socket
import subprocess

import pytest

from conftest import Source, key_plain, sample_event, unique

LIMIT = 1 << 20


def one_source() -> dict[str, Source]:
    k = key_plain()
    return {"er": Source("er", unique("er"), "aes-256-gcm", [k[0]], [k[1]], [unique("apikey")],
                         "json", "base64")}


@pytest.fixture
def gateway(gateway_factory):
    return gateway_factory(one_source(), server={"max_body_bytes": LIMIT})


def upload_then_read(port: int, head: bytes, body: bytes) -> tuple[int, bytes]:
    """Sends the whole request as a naive client does (every byte, then read), reads
    the response and then the gateway's close, and returns the status and the raw
    response. A reset while sending or reading fails the test. The client's send buffer
    is small, as on a real network where the bytes are in flight: on loopback the
    kernel's autotuned buffers could otherwise swallow a whole 2 MiB body and hide the
    reset."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 65536)
        s.settimeout(20)
        s.connect(("127.0.0.1", port))
        try:
            s.sendall(head + body)
        except OSError as e:  # BrokenPipeError, ConnectionResetError
            pytest.fail(f"the gateway reset the connection while the body was being sent: {e!r}")
        data = b""
        try:
            while b"\r\n\r\n" not in data:
                chunk = s.recv(65536)
                assert chunk, f"closed before a whole response header: {data[:200]!r}"
                data += chunk
            header, _, rest = data.partition(b"\r\n\r\n")
            m = re.search(rb"(?im)^content-length:\s*(\d+)", header)
            want = int(m.group(1)) if m else 0
            while len(rest) < want:
                chunk = s.recv(65536)
                assert chunk, f"closed mid-body: {data[:200]!r}"
                rest += chunk
                data += chunk
            s.settimeout(10)
            try:
                assert s.recv(65536) == b"", "bytes after the response"
            except socket.timeout:
                pytest.fail(f"the connection stayed open after an early refusal: {data[:100]!r}")
        except OSError as e:
            pytest.fail(f"reset before the response was read: {e!r} (have {data[:100]!r})")
    assert data.startswith(b"HTTP/1.1 "), data[:200]
    return int(data.split(b" ", 2)[1]), data


def head_for(path: str, length: int, headers: dict[str, str] | None = None) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {length}"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def test_413_from_content_length_is_read_by_a_client_still_sending(gateway):
    src = gateway["er"]
    _, headers = src.build(sample_event("user-joined"))
    body = b"x" * (2 * LIMIT)
    status, raw = upload_then_read(gateway.port, head_for(src.path("user-joined"), len(body), headers),
                                   body)
    assert status == 413, raw[:300]
    assert b"connection: close" in raw.lower()


class SmallSendBuffer(http.client.HTTPConnection):
    """http.client with the small send buffer of upload_then_read."""

    def connect(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 65536)
        self.sock.settimeout(self.timeout)
        self.sock.connect((self.host, self.port))


def test_413_is_read_by_http_client(gateway):
    src = gateway["er"]
    _, headers = src.build(sample_event("user-joined"))
    conn = SmallSendBuffer("127.0.0.1", gateway.port, timeout=20)
    try:
        conn.request("POST", src.path("user-joined"), body=b"x" * (2 * LIMIT), headers=headers)
        r = conn.getresponse()
        r.read()
    except OSError as e:
        pytest.fail(f"http.client lost the response: {e!r}")
    finally:
        conn.close()
    assert r.status == 413


@pytest.mark.parametrize("case", ["unknown_source", "bad_api_key", "no_api_key"])
def test_refusal_from_the_header_is_read_by_a_client_still_sending(gateway, case):
    src = gateway["er"]
    _, headers = src.build(sample_event("user-joined"))
    path = src.path("user-joined")
    if case == "unknown_source":
        path = f"/webhooks/{unique('nosuch')}/user-joined"
    elif case == "bad_api_key":
        headers["x-api-key"] = "wrong"
    else:
        del headers["x-api-key"]
    body = b"x" * (LIMIT - 4096)  # under the limit: refused from the header, never read
    status, raw = upload_then_read(gateway.port, head_for(path, len(body), headers), body)
    assert status == (404 if case == "unknown_source" else 401), raw[:300]


def test_framing_400_is_read_by_a_client_still_sending(gateway):
    src = gateway["er"]
    _, headers = src.build(sample_event("user-joined"))
    head = head_for(src.path("user-joined"), 100, {**headers, "Transfer-Encoding": "gzip"})
    status, raw = upload_then_read(gateway.port, head, b"x" * (2 * LIMIT))
    assert status == 400, raw[:300]


NODE_FETCH = """
const [url, size, key] = [process.argv[1], Number(process.argv[2]), process.argv[3]];
try {
  const r = await fetch(url, {method: "POST", body: Buffer.alloc(size, 120),
      headers: {"content-type": "application/json", "x-api-key": key, "x-encrypted": "true"}});
  await r.text();
  console.log(`status ${r.status}`);
} catch (e) {
  console.log(`error ${e.message} ${e.cause ? (e.cause.code || e.cause.message) : ""}`);
}
"""


@pytest.mark.parametrize("size", [2 << 20, 6 << 20])
def test_413_is_read_by_node_fetch(gateway, size):
    """The sender of the report: Node's fetch (undici) saw "fetch failed" (EPIPE) instead
    of the 413, and retried a permanent refusal."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed (Node.js 18+ is needed, as for examples/node)")
    src = gateway["er"]
    url = f"http://127.0.0.1:{gateway.port}{src.path('user-joined')}"
    for _ in range(3):
        out = subprocess.run([node, "--input-type=module", "-e", NODE_FETCH, url, str(size),
                              src.api_keys[0]], capture_output=True, text=True, timeout=60)
        assert out.stdout.strip() == "status 413", out.stdout + out.stderr


def test_refusal_of_a_bodyless_request_keeps_the_connection(gateway):
    """A request without a body that the header check refuses (405 for GET and HEAD, 404)
    is answered on a connection that stays open; a HEAD answer carries no body."""
    src = gateway["er"]
    body, headers = src.build(sample_event("user-joined"))
    with socket.create_connection(("127.0.0.1", gateway.port), timeout=10) as s:
        f = s.makefile("rb")

        def response() -> tuple[int, bytes]:
            status = int(f.readline().split(b" ", 2)[1])
            length = 0
            while (line := f.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            return status, length

        s.sendall(f"HEAD {src.path('user-joined')} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        status, length = response()
        assert status == 405 and length > 0  # the GET answer's length, and no body follows
        s.sendall(f"GET /webhooks/{unique('nosuch')} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        status, length = response()
        assert status == 404
        assert len(f.read(length)) == length
        s.sendall(head_for(src.path("user-joined"), len(body), headers) + body)
        status, length = response()
        assert status == 200, "the same connection serves the next request"
