"""The local spool: events keep being accepted through a broker outage and survive a
crash of the gateway; damaged spool files are recovered as specified. These tests stop
the RabbitMQ application (the node stays up) and always start it again."""
from __future__ import annotations

import re
import signal
import threading
import time
from pathlib import Path

from conftest import (EVENTS_EXCHANGE, Source, amqp_connect, broker_stopped, declare_topology,
                      http_request, key_plain, sample_event, unique, wait_until)


def one_source() -> dict[str, Source]:
    k = key_plain()
    return {"sp": Source("sp", unique("spool"), "aes-256-gcm", [k[0]], [k[1]], [unique("apikey")],
                         "json", "base64")}


class DurableQueue:
    """A durable queue bound to one source's events: it survives the broker app restart.
    It expires 5 min after its last use, so a crashed test leaves nothing behind long."""

    def __init__(self, src: Source):
        self.name = unique("rai-it-spool")
        conn = amqp_connect(attempts=20)
        try:
            ch = conn.channel()
            declare_topology(ch)
            ch.queue_declare(self.name, durable=True, arguments={"x-expires": 300000})
            ch.queue_bind(self.name, EVENTS_EXCHANGE, routing_key=f"returning.{src.name}.#")
        finally:
            conn.close()

    def take_ids(self, expected: set[str], timeout: float) -> list[str]:
        """Message ids read until every expected id was seen (or timeout)."""
        got: list[str] = []
        seen: set[str] = set()
        conn = amqp_connect(attempts=20)
        try:
            ch = conn.channel()
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and not expected <= seen:
                method, props, _ = ch.basic_get(self.name, auto_ack=True)
                if method is None:
                    conn.sleep(0.1)
                    continue
                got.append(props.message_id)
                seen.add(props.message_id)
            # whatever else is there (duplicates are allowed, losses are not)
            while True:
                method, props, _ = ch.basic_get(self.name, auto_ack=True)
                if method is None:
                    break
                got.append(props.message_id)
        finally:
            conn.close()
        return got

    def delete(self) -> None:
        try:
            conn = amqp_connect(attempts=20)
            conn.channel().queue_delete(self.name)
            conn.close()
        except Exception:
            pass


def metric(g, name: str, **labels: str) -> float:
    want = name + ("{" + ",".join(f'{k}="{v}"' for k, v in labels.items()) + "}" if labels else "")
    r = http_request(g.admin_port, "GET", "/metrics", timeout=5)
    for line in r.raw.decode().splitlines():
        series, _, value = line.rpartition(" ")
        if series == want:
            return float(value)
    return 0.0


class Stream(threading.Thread):
    """Sends distinct events one after another until stopped; records the ids answered 200."""

    def __init__(self, g, src: Source, pause: float = 0.005):
        super().__init__(daemon=True)
        self.g, self.src, self.pause = g, src, pause
        self.sent = 0
        self.accepted: list[str] = []
        self.statuses: dict[int, int] = {}
        self.errors = 0
        self.running = True

    def run(self):
        while self.running:
            eid = unique("out")
            body, headers = self.src.build(sample_event("user-joined", eid))
            self.sent += 1
            try:
                r = self.g.post(self.src.path("user-joined"), body, headers, timeout=15)
            except OSError:
                self.errors += 1
                time.sleep(0.05)
                continue
            self.statuses[r.status] = self.statuses.get(r.status, 0) + 1
            if r.status == 200:
                self.accepted.append(eid)
            time.sleep(self.pause)

    def stop(self):
        self.running = False
        self.join(timeout=30)


def test_broker_outage_under_load_loses_no_accepted_event(gateway_factory):
    srcs = one_source()
    src = srcs["sp"]
    q = DurableQueue(src)
    try:
        g = gateway_factory(srcs, amqp={"confirm_timeout_ms": 2000})
        streams = [Stream(g, src) for _ in range(4)]
        for s in streams:
            s.start()
        time.sleep(2)
        with broker_stopped():
            time.sleep(12)
        time.sleep(3)  # traffic continues after the broker is back
        for s in streams:
            s.stop()
        accepted = {i for s in streams for i in s.accepted}
        sent = sum(s.sent for s in streams)
        assert wait_until(lambda: metric(g, "rai_gateway_spool_records") == 0, 60), g.output()
        spooled = metric(g, "rai_gateway_spool_appends_total", result="durable")
        got = q.take_ids(accepted, 60)
        missing = accepted - set(got)
        statuses: dict[int, int] = {}
        for s in streams:
            for k, v in s.statuses.items():
                statuses[k] = statuses.get(k, 0) + v
        print(f"\nbroker outage (12 s) under load: {sent} sent, {len(accepted)} answered 200, "
              f"{len(set(got))} distinct in the queue ({len(got)} messages), {spooled:.0f} spooled; "
              f"statuses {statuses}, transport errors {sum(s.errors for s in streams)}")
        assert not missing, f"{len(missing)} accepted events lost, e.g. {sorted(missing)[:5]}"
        assert spooled > 0, "the outage should have sent events through the spool"
        assert statuses.get(200, 0) == len(accepted)
        g.assert_alive()
    finally:
        q.delete()


def test_kill_9_with_events_in_the_spool_loses_none(gateway_factory):
    srcs = one_source()
    src = srcs["sp"]
    q = DurableQueue(src)
    try:
        g = gateway_factory(srcs, amqp={"confirm_timeout_ms": 2000})
        with broker_stopped():
            assert wait_until(lambda: metric(g, "rai_gateway_broker_connected",
                                             connection="publisher") == 0, 30)
            streams = [Stream(g, src, pause=0) for _ in range(4)]
            for s in streams:
                s.start()
            time.sleep(3)
            g.proc.send_signal(signal.SIGKILL)  # under load, mid-write for some
            g.proc.wait(timeout=10)
            for s in streams:
                s.stop()
        accepted = {i for s in streams for i in s.accepted}
        assert len(accepted) > 20, "too few events spooled to mean anything"
        restarted = gateway_factory(srcs, start=False, amqp={"confirm_timeout_ms": 2000})
        restarted.config_path.write_text(g.config_path.read_text())  # same spool dir and ports
        restarted.port, restarted.admin_port = g.port, g.admin_port
        restarted.start()
        assert wait_until(lambda: metric(restarted, "rai_gateway_spool_records") == 0, 60)
        recovered = metric(restarted, "rai_gateway_spool_recovered_total")
        got = q.take_ids(accepted, 60)
        missing = accepted - set(got)
        print(f"\nkill -9 with the broker down: {len(accepted)} answered 200 (spooled), "
              f"{recovered:.0f} recovered at restart, {len(set(got))} distinct in the queue")
        assert not missing, f"{len(missing)} accepted events lost, e.g. {sorted(missing)[:5]}"
    finally:
        q.delete()


def segments(g) -> list[Path]:
    m = re.search(r'dir = "([^"]+)"', g.config_path.read_text().split("[spool]", 1)[1])
    return sorted(Path(m.group(1)).glob("spool-*.seg"))


def test_torn_and_corrupted_spool_records_are_recovered(gateway_factory):
    srcs = one_source()
    src = srcs["sp"]
    q = DurableQueue(src)
    try:
        g = gateway_factory(srcs, amqp={"confirm_timeout_ms": 2000})
        ids = [f"torn-{i:03d}-{unique('x')}" for i in range(30)]
        with broker_stopped():
            assert wait_until(lambda: metric(g, "rai_gateway_broker_connected",
                                             connection="publisher") == 0, 30)
            for i in ids:
                body, headers = src.build(sample_event("user-joined", i))
                assert g.post(src.path("user-joined"), body, headers).status == 200
            g.proc.send_signal(signal.SIGKILL)
            g.proc.wait(timeout=10)
        files = segments(g)
        assert files, "no spool segment written"
        data = bytearray(files[-1].read_bytes())
        # Damage the record of ids[10] (flip a byte of its id) and tear the last record.
        at = data.find(ids[10].encode())
        assert at > 0
        data[at + 5] ^= 0xFF
        last = data.rfind(ids[-1].encode())
        files[-1].write_bytes(bytes(data[:last + 3]))

        restarted = gateway_factory(srcs, start=False)
        restarted.config_path.write_text(g.config_path.read_text())
        restarted.port, restarted.admin_port = g.port, g.admin_port
        restarted.start()
        assert wait_until(lambda: metric(restarted, "rai_gateway_spool_records") == 0, 60)
        want = set(ids) - {ids[10], ids[-1]}
        got = q.take_ids(want, 60)
        assert want <= set(got), sorted(want - set(got))
        assert ids[10] not in got and ids[-1] not in got
        assert metric(restarted, "rai_gateway_spool_corrupt_total") >= 1
        assert metric(restarted, "rai_gateway_spool_recovered_total") == len(want)
        assert "spool" in restarted.output()
    finally:
        q.delete()
