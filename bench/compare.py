#!/usr/bin/env python3
"""Merges bench/run result files into ONE comparison file and prints, per
phase, every round's rate for each side and the ratio of the medians
(candidate / baseline).

Usage: compare.py [--baseline-bin PATH] --out FILE SIDE=RESULT.json ...
SIDE is a label ("baseline", "candidate", or e.g. "rate1000"); the files of
one side are its rounds, in order.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path
from typing import Any


def rates_by_phase(result: dict[str, Any]) -> dict[str, float]:
    return {row["phase"]: row["rate"] for row in result.get("table", []) if row.get("rate")}


def summarize(sides: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    phases: list[str] = []
    for runs in sides.values():
        for r in runs:
            for p in rates_by_phase(r):
                if p not in phases:
                    phases.append(p)
    rows = []
    for p in phases:
        row: dict[str, Any] = {"phase": p}
        for side, runs in sides.items():
            rates = [rates_by_phase(r)[p] for r in runs if p in rates_by_phase(r)]
            row[side] = rates
            row[f"{side}_median"] = statistics.median(rates) if rates else None
        base, cand = row.get("baseline_median"), row.get("candidate_median")
        row["ratio"] = cand / base if base and cand else None
        rows.append(row)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--baseline-bin", default="")
    ap.add_argument("--out", required=True)
    ap.add_argument("runs", nargs="+")
    args = ap.parse_args()
    sides: dict[str, list[dict[str, Any]]] = {}
    for spec in args.runs:
        side, _, path = spec.partition("=")
        sides.setdefault(side, []).append(json.loads(Path(path).read_text()))
    summary = summarize(sides)
    merged = {"baseline_bin": args.baseline_bin, "summary": summary, "runs": sides}
    Path(args.out).write_text(json.dumps(merged, indent=2) + "\n")
    labels = list(sides)
    cells = {(r["phase"], s): " / ".join(f"{x:,.0f}" for x in r[s]) for r in summary for s in labels}
    width = {s: 2 + max([len(s) + 8] + [len(cells[(r["phase"], s)]) for r in summary]) for s in labels}
    print(f"{'phase':<34}" + "".join(f"{s + ' (req/s)':>{width[s]}}" for s in labels) + f"{'ratio':>8}")
    for row in summary:
        line = "".join(f"{cells[(row['phase'], s)]:>{width[s]}}" for s in labels)
        ratio = f"{row['ratio']:.2f}" if row["ratio"] else "-"
        print(f"{row['phase']:<34}{line}{ratio:>8}")
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
