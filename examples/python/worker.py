#!/usr/bin/env python3
"""Example CRM worker: consumes the events rai-gateway publishes to RabbitMQ.

    AMQP_URL=amqp://guest:guest@127.0.0.1:5672/ \
        python3 examples/python/worker.py --queue crm.events --pattern 'returning.#'

It declares its own durable queue, binds it to the `returning.events` topic
exchange with one or more routing patterns (`returning.{source}.{event}`; default
`returning.#`), takes messages with manual acks and a prefetch window, skips
redeliveries it has already processed, and prints one JSON line per processed
event on stdout, with the trace id of the message's W3C `traceparent` header
(docs/wire-format.md §8) so the event can be followed from Returning.AI through
the gateway to here. Diagnostics go to stderr.

Needs: pika (Debian: python3-pika).
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
import os
import re
import signal
import sys
import time

import pika
import pika.exceptions

EXCHANGE = "returning.events"
UNROUTED = "returning.unrouted"


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


class SeenIds:
    """Bounded in-memory LRU of processed (source, message_id) pairs.

    The gateway already dedupes by event id, but AMQP delivery is at-least-once: a
    message whose ack was lost (worker crash, connection drop) is delivered again.
    This in-memory set only covers redeliveries while this process lives. In
    production, record the id in the CRM database in the same transaction as the
    change the event causes (e.g. a unique index on (source, event_id)).
    """

    def __init__(self, capacity: int = 100_000):
        self.capacity = capacity
        self.items: collections.OrderedDict[str, None] = collections.OrderedDict()

    def __contains__(self, key: str) -> bool:
        if key in self.items:
            self.items.move_to_end(key)
            return True
        return False

    def add(self, key: str) -> None:
        self.items[key] = None
        self.items.move_to_end(key)
        while len(self.items) > self.capacity:
            self.items.popitem(last=False)


def handle_event(source: str, event_type: str, payload: dict) -> None:
    """Where the CRM work goes (create/update the contact, log the purchase, ...)."""


def header(props, name: str) -> str | None:
    value = (props.headers or {}).get(name)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


TRACEPARENT = re.compile(r"^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$")


def trace_of(props) -> tuple[str, str] | None:
    """(trace id, parent span id) of the message's traceparent, or None when it has
    none or a malformed one. The parent is the gateway's span: a worker that records
    spans of its own (e.g. OpenTelemetry's TraceContextTextMapPropagator().extract
    over the headers) makes its span a child of it, in the same trace."""
    m = TRACEPARENT.match(header(props, "traceparent") or "")
    if not m or m.group(1) == "ff" or (m.group(1) == "00" and m.group(5)):
        return None
    if set(m.group(2)) == {"0"} or set(m.group(3)) == {"0"}:
        return None
    return m.group(2), m.group(3)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--queue", default=os.environ.get("WORKER_QUEUE", "crm.returning-events"),
                    help="durable queue to consume (env WORKER_QUEUE)")
    ap.add_argument("--pattern", action="append",
                    help="routing pattern to bind, repeatable (env WORKER_PATTERN, comma-separated; "
                         "default returning.#)")
    ap.add_argument("--prefetch", type=int, default=int(os.environ.get("WORKER_PREFETCH", "32")))
    ap.add_argument("--passive", action="store_true",
                    help="only check that returning.events exists instead of declaring it")
    args = ap.parse_args()
    patterns = args.pattern or os.environ.get("WORKER_PATTERN", "returning.#").split(",")
    url = os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")

    seen = SeenIds()
    stopping = False
    state: dict = {}

    def on_signal(signum, _frame):
        nonlocal stopping
        stopping = True
        ch = state.get("channel")
        conn = state.get("connection")
        if conn is not None and ch is not None:
            conn.add_callback_threadsafe(ch.stop_consuming)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    def on_message(ch, method, props, body: bytes) -> None:
        source = header(props, "x-source")
        if not source:  # returning.{source}.{event}
            parts = method.routing_key.split(".")
            source = parts[1] if len(parts) > 2 else ""
        message_id = props.message_id or hashlib.sha256(body).hexdigest()
        key = f"{source}\x00{message_id}"
        if key in seen:
            log(f"skip duplicate {message_id} ({method.routing_key})")
            ch.basic_ack(method.delivery_tag)
            return
        try:
            payload = json.loads(body)
            if not isinstance(payload, dict):
                raise ValueError("not a JSON object")
        except ValueError as e:
            # Never requeue a poison message forever; park it (here: drop with a log line).
            log(f"reject {message_id}: {e}")
            ch.basic_reject(method.delivery_tag, requeue=False)
            return
        trace = trace_of(props)
        handle_event(source, props.type or "", payload)
        print(json.dumps({
            "message_id": message_id,
            "routing_key": method.routing_key,
            "type": props.type,
            "source": source,
            "redelivered": bool(method.redelivered),
            "trace_id": trace[0] if trace else None,
        }), flush=True)
        seen.add(key)
        ch.basic_ack(method.delivery_tag)

    backoff = 0.5
    while not stopping:
        try:
            conn = pika.BlockingConnection(pika.URLParameters(url))
            ch = conn.channel()
            if args.passive:
                ch.exchange_declare(EXCHANGE, passive=True)
            else:
                # Exactly the shared topology (docs/wire-format.md §6); other arguments → 406.
                ch.exchange_declare(UNROUTED, "fanout", durable=True)
                ch.exchange_declare(EXCHANGE, "topic", durable=True,
                                    arguments={"alternate-exchange": UNROUTED})
            ch.queue_declare(args.queue, durable=True)
            for p in patterns:
                ch.queue_bind(args.queue, EXCHANGE, routing_key=p)
            ch.basic_qos(prefetch_count=args.prefetch)
            ch.basic_consume(args.queue, on_message, auto_ack=False)
            state["connection"], state["channel"] = conn, ch
            log(f"ready queue={args.queue} patterns={','.join(patterns)}")
            backoff = 0.5
            if not stopping:
                ch.start_consuming()
            state.clear()
            conn.close()
        except pika.exceptions.ChannelClosedByBroker as e:
            # e.g. 406 PRECONDITION_FAILED: a declaration that contradicts the broker's; retrying won't help
            log(f"broker refused: {e!r}")
            return 1
        except (pika.exceptions.AMQPConnectionError, pika.exceptions.StreamLostError) as e:
            state.clear()
            if stopping:
                break
            log(f"connection lost ({e!r}); reconnecting in {backoff:.1f} s")
            time.sleep(backoff)
            backoff = min(backoff * 2, 30)
    log("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
