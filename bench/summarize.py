#!/usr/bin/env python3
"""Summarizes one bench/run: reads the per-phase JSON files bench/run left in
its work directory, prints one table and the issue 7 targets, and writes
everything as one JSON file (bench/results/<UTC timestamp>.json).

Usage: summarize.py WORK_DIR OUT_FILE
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def load(work: Path, name: str) -> dict[str, Any] | None:
    p = work / f"{name}.json"
    if not p.exists():
        return None
    try:
        return json.loads(p.read_text())
    except json.JSONDecodeError as e:
        return {"error": f"{p.name}: {e}"}


def load_errors(r: dict[str, Any]) -> int:
    """Transport errors plus every response that is not a 200."""
    non_ok = sum(v for k, v in r.get("status", {}).items() if k != "200")
    return int(r.get("errors", {}).get("total", 0)) + int(non_ok)


def fmt(v: Any, digits: int = 2) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:,.{digits}f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def cpu_note(cpu: dict[str, Any] | None, client_pct: float | None = None,
             client: str = "client", requests: int | None = None) -> str:
    """"; cpu % of a core: gateway 120 (45 us/req), broker 45, client 70" (what was measured).

    us/req is the gateway's CPU time over the whole load command divided by the
    requests answered: a figure that moves less with machine noise than req/s."""
    parts = []
    cpu = cpu or {}
    if cpu.get("gateway_pct") is not None:
        part = f"gateway {cpu['gateway_pct']:.0f}"
        if requests:
            us = cpu["gateway_pct"] / 100 * cpu.get("seconds", 0) / requests * 1e6
            part += f" ({us:.0f} us/req)"
        parts.append(part)
    if cpu.get("broker_pct") is not None:
        parts.append(f"broker {cpu['broker_pct']:.0f}")
    if cpu.get("endpoint_pct") is not None:
        parts.append(f"endpoint {cpu['endpoint_pct']:.0f}")
    if client_pct is not None:
        parts.append(f"{client} {client_pct:.0f}")
    return ("; cpu % of a core: " + ", ".join(parts)) if parts else ""


def row(phase: str, rate: float | None = None, lat: dict[str, Any] | None = None,
        errors: int | None = None, ratio: float | None = None, note: str = "") -> dict[str, Any]:
    lat = lat or {}
    return {"phase": phase, "rate": rate, "p50_ms": lat.get("p50"), "p90_ms": lat.get("p90"),
            "p99_ms": lat.get("p99"), "max_ms": lat.get("max"), "errors": errors,
            "ratio": ratio, "note": note}


def main() -> int:
    work, out = Path(sys.argv[1]), Path(sys.argv[2])
    meta = load(work, "meta") or {}
    broker = load(work, "broker")
    broker_window = load(work, "broker-window")
    inbound = load(work, "inbound")
    inbound_redis = load(work, "inbound-redis")
    inbound_history = load(work, "inbound-history")
    rate = load(work, "rate")
    sink = load(work, "sink")
    outbound = load(work, "outbound")
    micro = load(work, "micro")
    soak = load(work, "soak")

    rows: list[dict[str, Any]] = []
    targets: list[dict[str, Any]] = []
    broker_rate = broker.get("rate") if broker else None

    def broker_row(phase: str, r: dict[str, Any], name: str, note: str) -> dict[str, Any]:
        return row(phase, r.get("rate"), r.get("confirm_latency_ms"),
                   int(r.get("nacked", 0)) + int(r.get("returned", 0)),
                   note=note + cpu_note(load(work, f"{name}-cpu"), r.get("client_cpu_pct")))

    if broker:
        rows.append(broker_row("broker limit (publish+confirm)", broker, "broker",
                               f"window {broker.get('window')}, {broker.get('size')} B, "
                               f"{broker.get('acked')} confirmed; latency = publish->confirm"))
    if broker_window:
        rows.append(broker_row(f"broker, window {broker_window.get('window')}", broker_window,
                               "broker-window",
                               "as many publishes in flight as the load has connections"))
    broker_open = load(work, "broker-rate")
    if broker_open:
        rows.append(broker_row(f"broker alone at {broker_open.get('target_rate', 0):,.0f}/s",
                               broker_open, "broker-rate",
                               "open loop at the rate phase's rate; latency = due time->confirm"))
    checks = meta.get("queue_checks", {})
    if inbound:
        ratio = inbound["rps"] / broker_rate if broker_rate else None
        chk = checks.get("inbound", {})
        note = f"{inbound['config']['connections']} conn, {inbound['accepted']} x 200"
        if chk:
            note += f"; queue {chk.get('queued')} {'==' if chk.get('ok') else '!='} " \
                    f"{chk.get('expected')} 200s"
        note += cpu_note(load(work, "inbound-cpu"), inbound.get("client_cpu_pct"),
                         requests=inbound.get("answered"))
        rows.append(row("inbound end to end", inbound["rps"], inbound["latency_ms"],
                        load_errors(inbound), ratio, note))
        targets.append({"target": "inbound end to end >= 90 % of broker limit",
                        "value": ratio, "ok": ratio is not None and ratio >= 0.9})
    if inbound_redis:
        ratio = inbound_redis["rps"] / broker_rate if broker_rate else None
        chk = checks.get("inbound_redis", {})
        note = f"dedupe.backend = redis; {inbound_redis['accepted']} x 200"
        if inbound:
            note += f"; {inbound_redis['rps'] / inbound['rps']:.2f} x the memory backend's req/s"
        if chk:
            note += f"; queue {chk.get('queued')} {'==' if chk.get('ok') else '!='} " \
                    f"{chk.get('expected')} 200s; {chk.get('store_errors')} Redis errors"
        note += cpu_note(load(work, "inbound-redis-cpu"), inbound_redis.get("client_cpu_pct"),
                         requests=inbound_redis.get("answered"))
        rows.append(row("inbound end to end, Redis dedupe", inbound_redis["rps"],
                        inbound_redis["latency_ms"], load_errors(inbound_redis), ratio, note))
    if inbound_history:
        ratio = inbound_history["rps"] / broker_rate if broker_rate else None
        chk = checks.get("inbound_history", {})
        note = f"history.enabled; {inbound_history['accepted']} x 200"
        if inbound:
            note += f"; {inbound_history['rps'] / inbound['rps']:.2f} x the inbound req/s without"
        if chk:
            note += f"; queue {chk.get('queued')}, stream {chk.get('streamed')} " \
                    f"{'==' if chk.get('ok') else '!='} {chk.get('expected')} 200s"
        note += cpu_note(load(work, "inbound-history-cpu"), inbound_history.get("client_cpu_pct"),
                         requests=inbound_history.get("answered"))
        rows.append(row("inbound end to end, history on", inbound_history["rps"],
                        inbound_history["latency_ms"], load_errors(inbound_history), ratio, note))
    if rate:
        chk = checks.get("rate", {})
        want = rate["config"]["rate"]
        # BENCH_RATE may have set another rate than half the broker limit.
        is_half = bool(broker_rate) and abs(want - broker_rate / 2) <= 1
        phase = "inbound at half rate" if is_half else f"inbound at {want:,.0f}/s"
        note = f"open loop at {want:,.0f}/s" + (" (half the broker limit)" if is_half else "")
        if chk:
            note += f"; queue {chk.get('queued')} {'==' if chk.get('ok') else '!='} " \
                    f"{chk.get('expected')} 200s"
        if want:
            note += f"; achieved {rate['rps'] / want:.0%} of it"
        note += cpu_note(load(work, "rate-cpu"), rate.get("client_cpu_pct"),
                         requests=rate.get("answered"))
        if broker_open:
            note += f"; the broker alone at this rate: p99 " \
                    f"{broker_open.get('confirm_latency_ms', {}).get('p99', 0):.1f} ms"
        rows.append(row(phase, rate["rps"], rate["latency_ms"], load_errors(rate), None, note))
        if is_half:
            p99 = rate["latency_ms"]["p99"]
            targets.append({"target": "p99 <= 10 ms at half the broker rate", "value": p99,
                            "ok": p99 is not None and p99 <= 10})
    if sink:
        rows.append(row("inbound, no broker (sink)", sink["rps"], sink["latency_ms"],
                        load_errors(sink), note=f"{sink['config']['connections']} conn; "
                                                "HTTP + auth + decrypt + parse + dedupe"
                                                + cpu_note(load(work, "sink-cpu"),
                                                           sink.get("client_cpu_pct"),
                                                           requests=sink.get("answered"))))
        targets.append({"target": "inbound without broker >= 40,000 req/s",
                        "value": sink["rps"], "ok": sink["rps"] >= 40000})
    if outbound:
        ep = outbound.get("endpoint", {})
        n = outbound.get("commands", 0)
        seen = ep.get("requests", 0)
        errors = max(0, n - int(ep.get("distinct_ids", 0)))
        q = outbound.get("outbound_queue_left")
        note = (f"{n} commands, {seen} requests, {ep.get('distinct_ids')} distinct ids; "
                f"{ep.get('first_to_last_s', 0):.2f} s first->last; wall {outbound.get('wall_s', 0):.2f} s"
                f"; returning.outbound left {q}"
                + cpu_note(outbound.get("cpu"), requests=seen))
        rows.append(row("outbound to local endpoint", ep.get("rate"), None, errors, note=note))
        targets.append({"target": "outbound >= 5,000 commands/s", "value": ep.get("rate"),
                        "ok": (ep.get("rate") or 0) >= 5000})
    mem = meta.get("memory")
    if mem:
        note = (f"VmRSS {mem['vmrss_kib'] / 1024:.1f} MiB, VmHWM {mem['vmhwm_kib'] / 1024:.1f} MiB "
                f"after the {mem.get('after', '32-connection')} run")
        rows.append(row("gateway memory", note=note))
        targets.append({"target": "RSS < 64 MiB at 32 connections",
                        "value": mem["vmhwm_kib"] / 1024, "ok": mem["vmhwm_kib"] < 64 * 1024})
    if soak:
        samples = soak.get("rss_kib", [])
        if samples:
            # Samples are 10 s apart from the start of the load; growth is
            # counted from the 60 s sample (warm-up excluded), or from the
            # second sample of a shorter soak.
            base = 6 if len(samples) > 7 else min(1, len(samples) - 1)
            growth = (samples[-1] - samples[base]) / 1024
            note = (f"{soak.get('seconds')} s, RSS MiB every 10 s: " +
                    " ".join(f"{s / 1024:.1f}" for s in samples) +
                    f"; growth after {base * 10} s {growth:+.1f} MiB")
            rows.append(row("soak", soak.get("load", {}).get("rps"),
                            soak.get("load", {}).get("latency_ms"),
                            load_errors(soak["load"]) if soak.get("load") else None, note=note))
            targets.append({"target": f"RSS does not grow during the soak (< 2 MiB after "
                                      f"{base * 10} s)", "value": growth, "ok": growth < 2})
            peak = max(samples) / 1024
            targets.append({"target": "RSS < 64 MiB during the soak", "value": peak,
                            "ok": peak < 64})
    if micro and "benchmarks" in micro:
        for b in micro["benchmarks"]:
            if b.get("run_type", "iteration") != "iteration":
                continue
            unit = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[b.get("time_unit", "ns")]
            ns = b["cpu_time"] * unit
            mbs = b.get("bytes_per_second", 0) / 1e6
            rows.append(row(f"micro {b['name']}", 1e9 / ns if ns else None,
                            note=f"{ns / 1000:.2f} us/op cpu, {mbs:,.0f} MB/s"))

    header = ["phase", "rate/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors", "ratio", "note"]
    lines = [[r["phase"], fmt(r["rate"], 0), fmt(r["p50_ms"]), fmt(r["p90_ms"]), fmt(r["p99_ms"]),
              fmt(r["max_ms"]), fmt(r["errors"]), fmt(r["ratio"], 3), r["note"]] for r in rows]
    widths = [max(len(h), *(len(l[i]) for l in lines)) if lines else len(h)
              for i, h in enumerate(header)]
    right = {1, 2, 3, 4, 5, 6, 7}

    def render(cells: list[str]) -> str:
        out_cells = []
        for i, c in enumerate(cells):
            if i == len(cells) - 1:
                out_cells.append(c)
            else:
                out_cells.append(c.rjust(widths[i]) if i in right else c.ljust(widths[i]))
        return "  ".join(out_cells).rstrip()

    print(render(header))
    print(render(["-" * w for w in widths[:-1]] + ["----"]))
    for l in lines:
        print(render(l))
    if targets:
        print("\nissue 7 targets:")
        for t in targets:
            v = t["value"]
            print(f"  [{'ok' if t['ok'] else 'MISSED'}] {t['target']}: "
                  f"{fmt(v, 3) if isinstance(v, float) else fmt(v)}")
    for note in meta.get("notes", []):
        print(f"note: {note}")

    result = {"meta": meta, "table": rows, "targets": targets,
              "phases": {"broker": broker, "broker_window": broker_window, "inbound": inbound,
                         "inbound_redis": inbound_redis, "inbound_history": inbound_history,
                         "rate": rate, "sink": sink,
                         "outbound": outbound, "soak": soak, "micro": micro}}
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".tmp")
    tmp.write_text(json.dumps(result, indent=2) + "\n")
    tmp.rename(out)
    print(f"\nresults: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
