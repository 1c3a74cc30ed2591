#!/usr/bin/env python3
"""Writes the seed corpora of the libFuzzer targets into tests/fuzz/corpus/<target>/.

Deterministic (fixed keys, IVs derived from each seed's name), so running it
again reproduces the checked-in files byte for byte. Needs Python 3 with
`cryptography` (Debian: python3-cryptography, already a test dependency).

The keys, API keys, signing secret and request time are those of
tests/fuzz/fuzz_sources.hpp; the byte layouts are those FuzzedDataProvider reads
in each target (documented at the top of each fuzz_*.cpp):
  * ConsumeIntegral* takes bytes from the END of the input;
  * ConsumeRandomLengthString takes bytes from the front up to a backslash
    followed by any other byte ("\\\\" is one literal backslash);
  * ConsumeRemainingBytes* takes what is left in between.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import struct
import sys
from pathlib import Path

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"

# --- fuzz_sources.hpp -------------------------------------------------------------
KEY1 = b"fuzz-key-one-0123456789abcdefghi"
KEY2 = bytes(range(32))  # "hex:000102...1f"
API_KEY = "fuzz-api-key-1"
API_KEY_2 = "fuzz-api-key-2"
SECRET = b"fuzz-signing-secret-0123456789ab"  # whsec_ + base64 of this
NOW = 1_700_000_000
MODES = ("gcm", "cbc")
LAYOUTS = ("auto", "json", "compact", "raw", "header-iv")
ENCODINGS = ("auto", "base64", "hex")

assert len(KEY1) == 32


def source_index(mode: str, layout: str, encoding: str, signed: bool = False) -> int:
    return ((MODES.index(mode) * len(LAYOUTS) + LAYOUTS.index(layout)) * len(ENCODINGS)
            + ENCODINGS.index(encoding)) * 2 + int(signed)


def source_name(mode: str, layout: str, encoding: str, signed: bool = False) -> str:
    return f"{mode}-{layout}-{encoding}" + ("-signed" if signed else "")


# --- FuzzedDataProvider ---------------------------------------------------------------
def fdp_string(s: bytes) -> bytes:
    return s.replace(b"\\", b"\\\\") + b"\\;"


# --- events and envelopes ---------------------------------------------------------------
def event(kind: str | None, eid: str | None = "evt-0001", extra: str = "") -> bytes:
    """A plaintext event in the shape Returning.AI sends, with irregular spacing and
    non-ASCII text."""
    parts = []
    if eid is not None:
        parts.append(f'"id":"{eid}"')
    if kind is not None:
        parts.append(f'"event" : "{kind}"')
    parts.append('"user":{"id":"u-42","email":"zo\u00eb@example.com","name":"Zo\u00eb \U0001f389"}')
    parts.append('"community":"c-7", "at":"2024-05-01T10:00:00Z", "score":1.50')
    if extra:
        parts.append(extra)
    return ("{ " + ", ".join(parts) + " }").encode()


def iv_for(name: str, size: int) -> bytes:
    return hashlib.sha256(name.encode()).digest()[:size]


def seal(mode: str, key: bytes, plaintext: bytes, iv: bytes) -> tuple[bytes, bytes, bytes]:
    if mode == "gcm":
        out = AESGCM(key).encrypt(iv, plaintext, None)
        return iv, out[:-16], out[-16:]
    padder = padding.PKCS7(128).padder()
    padded = padder.update(plaintext) + padder.finalize()
    enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return iv, enc.update(padded) + enc.finalize(), b""


def enc(data: bytes, encoding: str) -> str:
    return {
        "base64": lambda: base64.b64encode(data).decode(),
        "b64nopad": lambda: base64.b64encode(data).decode().rstrip("="),
        "b64url": lambda: base64.urlsafe_b64encode(data).decode(),
        "hex": lambda: data.hex(),
        "HEX": lambda: data.hex().upper(),
    }[encoding]()


def lay_out(layout: str, iv: bytes, ct: bytes, tag: bytes, encoding: str,
            data_field: str = "data", tag_field: str = "tag",
            extra: dict | None = None) -> tuple[bytes, bytes | None]:
    """(body, x-iv header value or None)"""
    if layout == "json":
        obj = {"iv": enc(iv, encoding), data_field: enc(ct, encoding)}
        if tag:
            obj[tag_field] = enc(tag, encoding)
        obj.update(extra or {})
        return json.dumps(obj).encode(), None
    if layout == "compact":
        return ":".join(enc(p, encoding) for p in [iv, ct] + ([tag] if tag else [])).encode(), None
    if layout == "raw":
        return enc(iv + ct + tag, encoding).encode(), None
    if layout == "header-iv":
        return enc(ct + tag, encoding).encode(), enc(iv, encoding).encode()
    raise ValueError(layout)


def signature(msg_id: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(SECRET, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


class Envelope:
    """One encrypted request to an encrypted source: headers and body."""

    def __init__(self, name: str, mode: str, layout: str, encoding: str, *, signed: bool = False,
                 wire_layout: str | None = None, wire_encoding: str | None = None,
                 key: bytes = KEY1, plaintext: bytes | None = None, iv_size: int | None = None,
                 path_event: str | None = None, api_key: str | None = API_KEY,
                 encrypted: str | None = "true", data_field: str = "data", tag_field: str = "tag",
                 json_extra: dict | None = None, tamper: bool = False):
        self.mode, self.layout, self.encoding, self.signed = mode, layout, encoding, signed
        self.path_event = path_event
        pt = plaintext if plaintext is not None else event(None if path_event else "user_joined")
        iv = iv_for(name, iv_size or (12 if mode == "gcm" else 16))
        iv, ct, tag = seal(mode, key, pt, iv)
        if tamper:
            tag = bytes([tag[0] ^ 1]) + tag[1:] if tag else tag
            ct = ct if tag else bytes([ct[0] ^ 1]) + ct[1:]
        wl = wire_layout or (layout if layout != "auto" else "json")
        we = wire_encoding or (encoding if encoding != "auto" else "base64")
        self.body, self.iv = lay_out(wl, iv, ct, tag, we, data_field, tag_field, json_extra)
        self.headers: dict[str, bytes] = {}
        if api_key is not None:
            self.headers["x-api-key"] = api_key.encode()
        if encrypted is not None:
            self.headers["x-encrypted"] = encrypted.encode()
        if self.iv is not None:
            self.headers["x-iv"] = self.iv
        if signed:
            wid = f"msg_{name}"
            self.headers["webhook-id"] = wid.encode()
            self.headers["webhook-timestamp"] = str(NOW).encode()
            self.headers["webhook-signature"] = signature(wid, NOW, self.body).encode()

    def source(self) -> str:
        return source_name(self.mode, self.layout, self.encoding, self.signed)

    def index(self) -> int:
        return source_index(self.mode, self.layout, self.encoding, self.signed)


# --- fuzz_inbound_envelope ---------------------------------------------------------------
VALUE_ORDER = ("x-api-key", "x-encrypted", "x-iv", "webhook-id", "webhook-timestamp",
               "webhook-signature")


def envelope_input(e: Envelope) -> bytes:
    values = [e.headers.get(h) for h in VALUE_ORDER]
    values.append(e.path_event.encode() if e.path_event else None)
    flags = 0
    front = b""
    for i, v in enumerate(values):
        if v is not None:
            flags |= 1 << i
            front += fdp_string(v)
    return front + e.body + bytes([flags, e.index()])


def envelope_seeds() -> dict[str, Envelope]:
    long_id = "evt-" + "x" * 240
    return {
        "gcm_auto_json_b64": Envelope("s1", "gcm", "auto", "auto"),
        "gcm_json_b64_rotated_key_path_event": Envelope("s2", "gcm", "json", "base64", key=KEY2,
                                                        path_event="user-joined"),
        "gcm_compact_hex": Envelope("s3", "gcm", "compact", "hex", api_key=API_KEY_2),
        "gcm_raw_b64_iv16": Envelope("s4", "gcm", "raw", "base64", iv_size=16),
        "gcm_header_iv_b64": Envelope("s5", "gcm", "header-iv", "base64"),
        "gcm_auto_signed": Envelope("s6", "gcm", "auto", "auto", signed=True),
        "gcm_raw_upper_hex": Envelope("s7", "gcm", "raw", "hex", wire_encoding="HEX"),
        "gcm_json_aliases_urlsafe": Envelope("s8", "gcm", "json", "base64", data_field="ciphertext",
                                             tag_field="authTag", wire_encoding="b64url",
                                             json_extra={"alg": "aes-256-gcm"}),
        "gcm_json_mode_mismatch": Envelope("s9", "gcm", "json", "auto",
                                           json_extra={"alg": "aes-256-cbc"}),
        "gcm_tampered_tag": Envelope("s10", "gcm", "compact", "auto", wire_layout="compact",
                                     tamper=True),
        "gcm_plaintext_not_object": Envelope("s11", "gcm", "json", "base64", plaintext=b"[1,2,3]"),
        "gcm_no_x_encrypted": Envelope("s12", "gcm", "json", "base64", encrypted=None),
        "gcm_bad_api_key": Envelope("s13", "gcm", "json", "base64", api_key="nope"),
        "gcm_long_payload_id": Envelope("s14", "gcm", "raw", "auto", wire_layout="raw",
                                        plaintext=event("user_joined", long_id)),
        "cbc_auto_json_hex": Envelope("s15", "cbc", "auto", "auto", wire_encoding="hex"),
        "cbc_json_b64_encrypted_data": Envelope("s16", "cbc", "json", "base64",
                                                data_field="encryptedData"),
        "cbc_compact_b64_nopad": Envelope("s17", "cbc", "compact", "base64",
                                          wire_encoding="b64nopad", key=KEY2),
        "cbc_raw_hex": Envelope("s18", "cbc", "raw", "hex"),
        "cbc_header_iv_hex_path_event": Envelope("s19", "cbc", "header-iv", "hex",
                                                 path_event="store-item-purchased",
                                                 plaintext=event(None, eid=None)),
        "cbc_auto_compact_signed": Envelope("s20", "cbc", "auto", "auto", signed=True,
                                            wire_layout="compact"),
        "cbc_tampered_ciphertext": Envelope("s21", "cbc", "json", "hex", tamper=True),
    }


# --- fuzz_event_json ---------------------------------------------------------------------
def event_json_input(target: str, name: str, body: bytes, *, webhook_id: str | None = None,
                     use_path_event: bool = False) -> bytes:
    flags = (1 if webhook_id is not None else 0) | (4 if use_path_event else 0)
    front = fdp_string(target.encode()) + fdp_string(name.encode())
    if webhook_id is not None:
        front += fdp_string(webhook_id.encode())
    return front + body + bytes([flags])


def event_json_seeds() -> dict[str, bytes]:
    long_id = "x" * 201
    return {
        "field_snake": event_json_input("/webhooks/plain", "user_joined", event("user_joined")),
        "path_event": event_json_input("/webhooks/plain/user-joined", "user-joined",
                                       event(None), use_path_event=True),
        "path_query_event_type": event_json_input(
            "/webhooks/community-7/store-item-purchased?attempt=2", "storeItemPurchased",
            b'{"eventType":"storeItemPurchased","eventId":"e-9","item":{"sku":"gold","qty":2}}'),
        "dot_segment_upper_dotted": event_json_input(
            "/webhooks/../x", "USER.VISITED", b'{"type":"user.visited","_id":12345}'),
        "uint64_id_upper_snake": event_json_input(
            "/webhooks/a.b_c-d", "MESSAGE_POSTED",
            b'{"event_type":"MESSAGE_POSTED","id":18446744073709551615,"text":"h\\u00e9"}'),
        "negative_id_pascal": event_json_input(
            "/webhooks/plain/channel-message-posted", "ChannelMessagePosted",
            b'{"event":"ChannelMessagePosted","id":-42,"channel":{"id":"c"}}'),
        "long_ids": event_json_input("/webhooks/plain", long_id, event("user-visited", long_id),
                                     webhook_id=long_id),
        "webhook_id_header": event_json_input("/webhooks/plain", "user-visited",
                                              event("user-visited"),
                                              webhook_id="msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"),
        "unsigned_webhook_id_empty_id": event_json_input(
            "/webhooks/plain", "message.posted", event("message.posted", eid=""),
            webhook_id="evt-h"),
        "big_numbers": event_json_input(
            "/webhooks/plain", "user-joined",
            b'{"event":"user-joined","id":12345678901234567890123,"n":-1e400,"m":1.50e2,'
            b'"z":-0,"s":"\\ud83d\\ude00\\u0000"}'),
        "unprintable_id": event_json_input(
            "/webhooks/plain", "user-joined", b'{"event":"user-joined","id":"a\\u009b\\n"}'),
        "not_object": event_json_input("/webhooks/plain/user-joined/extra", "", b"[1, 2, 3]"),
        "bad_utf8": event_json_input("/webhooks/pl%61in", "user-joined",
                                     b'{"event":"user-joined","name":"\xc3\x28"}'),
        "handshake_nested": event_json_input(
            "/webhooks/plain", "ttl",
            b'{"data":{"sessionToken":"tok-123","expiresIn":300},"ttl":5}'),
        "handshake_top_level": event_json_input(
            "/webhook/plain", "sessionToken",
            b'{"sessionToken":"abc.def","ttl":99999999999,"expiresIn":-1}'),
        "event_not_string": event_json_input("/webhooks/plain", "5",
                                             b'{"event":5,"eventType":"user-joined","id":true}'),
        "unknown_event": event_json_input("/webhooks/plain/user-left", "user-left",
                                          b'{"event":"user-left","id":"e"}', use_path_event=True),
        "duplicate_keys_whitespace": event_json_input(
            "/webhooks/x?", "user--joined",
            b' \n\t{"event":"user-joined","event":"user-visited","id":"a","id":"b"}\r\n'),
        "deep_nesting": event_json_input("/webhooks/plain", "user-joined",
                                         b'{"event":"user-joined","d":' + b"[" * 200 + b"]" * 200
                                         + b"}"),
    }


# --- fuzz_http_request ---------------------------------------------------------------------
def http_post(target: str, body: bytes, headers: dict[str, bytes] | None = None,
              *, chunked: bool = False, version: str = "1.1", extra: bytes = b"") -> bytes:
    head = [f"POST {target} HTTP/{version}".encode(), b"Host: gateway.local",
            b"Content-Type: application/json", b"User-Agent: Svix-Webhooks/1.24"]
    for k, v in (headers or {}).items():
        head.append(k.encode() + b": " + v)
    if chunked:
        head.append(b"Transfer-Encoding: chunked")
        mid = len(body) // 2
        payload = b""
        for piece in (body[:mid], body[mid:]):
            if piece:
                payload += f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
        payload += b"0\r\n\r\n"
    else:
        head.append(f"Content-Length: {len(body)}".encode())
        payload = body
    return b"\r\n".join(head) + b"\r\n" + extra + b"\r\n" + payload


def http_seeds() -> dict[str, bytes]:
    gcm = Envelope("h1", "gcm", "json", "base64")
    cbc = Envelope("h2", "cbc", "compact", "hex")
    signed = Envelope("h3", "gcm", "auto", "auto", signed=True)
    hiv = Envelope("h4", "gcm", "header-iv", "base64", path_event="user-visited",
                   plaintext=event(None))
    plain = event("user_joined")
    plain_path = "/webhooks/plain"
    return {
        "gcm_json": http_post(f"/webhooks/{gcm.source()}", gcm.body, gcm.headers),
        "cbc_compact_chunked": http_post(f"/webhooks/{cbc.source()}", cbc.body, cbc.headers,
                                         chunked=True),
        "signed": http_post(f"/webhooks/{signed.source()}", signed.body, signed.headers),
        "header_iv_path_event": http_post(f"/webhooks/{hiv.source()}/user-visited", hiv.body,
                                          hiv.headers),
        "plain_pipelined": http_post(plain_path, plain) + http_post(
            plain_path + "/message-posted?x=1", event(None, "evt-2")),
        "plain_http10": http_post(plain_path, plain, version="1.0"),
        "expect_continue": http_post(plain_path, plain, {"Expect": b"100-continue"}),
        # W3C trace context (docs/wire-format.md §8): a valid pair, then a future
        # version with extra fields, a repeated traceparent and a bad tracestate.
        "plain_traced": http_post(plain_path, plain, {
            "traceparent": b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "tracestate": b"rojo=00f067aa0ba902b7,fw529a3039@dt=t61rcWkgMzE"}),
        "plain_trace_odd": http_post(plain_path, plain, {
            "traceparent": b"cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-more",
            "tracestate": b"rojo=1,,  congo=2,Bad=3"}) + http_post(
            plain_path, event("user_joined", "evt-3"),
            {"traceparent": b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"},
            extra=b"traceparent: 00-00000000000000000000000000000000-00f067aa0ba902b7-01\r\n"),
        "get_405": b"GET /webhooks/plain HTTP/1.1\r\nHost: g\r\n\r\n",
        "head_then_post": b"HEAD /webhooks/plain HTTP/1.1\r\nHost: g\r\n\r\n"
                          + http_post(plain_path, plain),
        "unknown_route": http_post("/hooks/plain", plain) + http_post("/webhooks/nope", plain),
        "cl_and_te": http_post(plain_path, plain, chunked=True,
                               extra=f"Content-Length: {len(plain)}\r\n".encode()),
        "two_content_lengths": http_post(plain_path, plain, extra=b"Content-Length: 3\r\n"),
        "te_gzip_chunked": http_post(plain_path, plain, {"Transfer-Encoding": b"gzip"},
                                     chunked=True),
        "body_too_large": b"POST /webhooks/plain HTTP/1.1\r\nHost: g\r\nContent-Length: 100000\r\n"
                          b"\r\n{",
        "header_too_large": b"POST /webhooks/plain HTTP/1.1\r\nHost: g\r\nX-Pad: " + b"a" * 4200
                            + b"\r\nContent-Length: 2\r\n\r\n{}",
        "target_too_long": b"POST /webhooks/" + b"p" * 1100 + b" HTTP/1.1\r\nHost: g\r\n\r\n",
        "chunk_extension": b"POST /webhooks/plain HTTP/1.1\r\nHost: g\r\nTransfer-Encoding: chunked"
                           b"\r\n\r\n2;" + b"e" * 300 + b"\r\n{}\r\n0\r\n\r\n",
        "truncated_body": b"POST /webhooks/plain HTTP/1.1\r\nHost: g\r\nContent-Length: 50\r\n"
                          b"\r\n{\"a\"",
        "bare_lf_obs_fold": b"POST /webhooks/plain HTTP/1.1\nHost: g\n X-Folded: yes\n"
                            b"Content-Length: 2\n\n{}",
    }


# --- fuzz_spool_record ---------------------------------------------------------------------
def _crc32c_table() -> list[int]:
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


CRC32C_TABLE = _crc32c_table()


def crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for b in data:
        crc = CRC32C_TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


assert crc32c(b"123456789") == 0xE3069283

MAGIC = b"\xF5RSP"


def sstr(s: bytes) -> bytes:
    return struct.pack("<I", len(s)) + s


def payload(message_id: str, body: bytes, *, routing_key: str = "returning.default.user-joined",
            headers: list[tuple[bytes, bytes]] | None = None, version: int = 1,
            timestamp: int = NOW) -> bytes:
    hs = headers if headers is not None else [(b"x-source", b"default"),
                                              (b"x-received-at", b"2023-11-14T22:13:20.000Z"),
                                              (b"x-auth", b"api-key,gcm")]
    out = bytes([version]) + struct.pack("<q", timestamp)
    for s in (b"returning.events", routing_key.encode(), message_id.encode(), b"user-joined",
              b"application/json"):
        out += sstr(s)
    out += struct.pack("<I", len(hs))
    for k, v in hs:
        out += sstr(k) + sstr(v)
    return out + sstr(body)


def record(p: bytes, *, length: int | None = None, bad_payload_crc: bool = False) -> bytes:
    n = len(p) if length is None else length
    pcrc = crc32c(p) ^ (1 if bad_payload_crc else 0)
    head = MAGIC + struct.pack("<II", n, pcrc)
    return head + struct.pack("<I", crc32c(head)) + p


def spool_seeds() -> dict[str, bytes]:
    r1 = record(payload("evt-1", event("user_joined", "evt-1")))
    r2 = record(payload("evt-2", b'{"event":"user-visited","id":"evt-2"}',
                        routing_key="returning.default.user-visited"))
    r3 = record(payload("sha256:" + "ab" * 32, b"{}", headers=[]))
    bad_header = bytearray(r2)
    bad_header[5] ^= 0x40  # length changed, header CRC now wrong
    return {
        "one_record": r1,
        "three_records": r1 + r2 + r3,
        "torn_tail": r1 + r2 + r3[: len(r3) // 2],
        "torn_header": r1 + r2[:10],
        "bad_crc_middle": r1 + record(payload("evt-2", b"{}"), bad_payload_crc=True) + r3,
        "garbage_before": b'{"event":"user-joined"}\n\x00\x00' + r1 + r2,
        "bad_header_crc": r1 + bytes(bad_header) + r3,
        "oversize_length": record(b"", length=(16 << 20) + 1) + r1,
        "unknown_version": record(payload("evt-v2", b"{}", version=2)) + r2,
        "malformed_payload": record(payload("evt-m", b"{}")[:-1]) + r1,
        "many_headers_empty_strings": record(
            payload("", b"", routing_key="", headers=[(b"", b"")] * 20 + [(b"k", b"v" * 100)],
                    timestamp=-1)),
        "partial_magic_at_end": r1 + MAGIC[:3],
        "empty": b"",
    }


# --- main --------------------------------------------------------------------------------
def write(target: str, seeds: dict[str, bytes]) -> None:
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    for old in d.iterdir():
        if old.name not in seeds:
            old.unlink()
    for name, data in seeds.items():
        (d / name).write_bytes(data)
    print(f"{target}: {len(seeds)} seeds in {d.relative_to(HERE.parents[1])}")


def main() -> int:
    write("fuzz_inbound_envelope", {k: envelope_input(e) for k, e in envelope_seeds().items()})
    write("fuzz_event_json", event_json_seeds())
    write("fuzz_http_request", http_seeds())
    write("fuzz_spool_record", spool_seeds())
    return 0


if __name__ == "__main__":
    sys.exit(main())
