"""``make bench``: run every benchmark, print the table, write it to bench/results/.

The table goes to ``bench/results/<date>.md`` and ``bench/results/latest.md`` (with the date
and the machine); the README links to it rather than being rewritten by a benchmark.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from bench import (
    http_servers,
    machine,
    parsing,
    reliability,
    specdiff_vs_optic,
    stand_in_sandbox,
    toolkit,
)
from bench import stand_in as stand_in_bench

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
README = ROOT / "README.md"


def loop_rows(loops: dict[str, toolkit.MakeTime]) -> list[str]:
    """The rows of the inner loop's times (``make test``, ``make check``), then what each
    failed run reported, below the table."""
    rows = []
    for target, timed in loops.items():
        status = "passed" if timed.ok else f"{len(timed.failures)} FAILED"
        spread = f"{min(timed.runs):.0f}-{max(timed.runs):.0f} s"
        rows.append(
            f"| wall time of `make {target}`, warm, median of {len(timed.runs)} |"
            f" {timed.median:.0f} s ({spread}; {status}) |"
        )
    for target, timed in loops.items():
        for failure in timed.failures:
            run, _, said = failure.partition(": ")
            rows.append(f"\n`make {target}` {run}:\n\n```text\n{said}\n```")
    return rows


def render(
    http: list[http_servers.HttpResult],
    parse: list[parsing.ParseResult],
    size: int,
    fuzz: list[toolkit.FuzzResult],
    faults: list[toolkit.FaultTime],
    loops: dict[str, toolkit.MakeTime],
    when: str,
    safety: list[reliability.Row],
) -> str:
    lines = [f"Measured {when} on {machine.describe()}.", ""]
    peer = http[-1]
    bare = next((row for row in http if row.name == http_servers.BARE), None)
    lines += [
        "**HTTP, same 10-job request with the demo token** (wrk: 1 thread, 16 connections; all"
        f" servers started together, {http_servers.ROUNDS} interleaved rounds each, median; "
        "each ratio is the median of the rounds' ratios, lowest to highest in brackets: a"
        " round measures every server close in time; "
        f"latency at a fixed {peer.rate} requests/s; the bare Granian app only reads the body"
        " and answers a fixed body of the same shape: the floor)",
        "",
        "| server | requests/s (median) | spread of the rounds | vs prism mock | of bare Granian"
        " | p50 ms | p99 ms | non-2xx (all rounds) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in http:
        share = "not measured"
        if bare:
            ratio, lowest, highest = row.ratio_to(bare)
            share = f"{ratio:.0%} ({lowest:.0%}-{highest:.0%})"
        times, fewest, most = row.ratio_to(peer)
        low, high = row.spread
        lines.append(
            f"| {row.name} | {row.rps:,.0f} | {low:,.0f}-{high:,.0f} |"
            f" {times:.1f}x ({fewest:.1f}-{most:.1f}x) | {share} |"
            f" {row.p50_ms:.2f} | {row.p99_ms:.2f} | {row.non_2xx} |"
        )
    sdk = parse[0]
    lines += [
        "",
        f"**Parsing {parsing.JOBS:,} jobs** in {parsing.JOBS // parsing.ANSWER_JOBS} answers of"
        f" {parsing.ANSWER_JOBS:,}, the most one answer holds ({size / 1e6:.1f} MB of JSON;"
        " each parser"
        f" alone in a fresh interpreter, {parsing.PROCESSES} processes x {parsing.REPEAT}"
        " parses; median of the process medians, spread = fastest to slowest process)",
        "",
        "| parser | ms, GC on | spread | vs the provider's SDK (worst to best) "
        "| ms, GC paused | vs SDK, GC paused |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for parsed in parse:
        ratio = sdk.median_ms / parsed.median_ms
        worst = sdk.spread_ms[0] / parsed.spread_ms[1]
        best = sdk.spread_ms[1] / parsed.spread_ms[0]
        paused = sdk.median_ms_gc_paused / parsed.median_ms_gc_paused
        lines.append(
            f"| {parsed.name} | {parsed.median_ms:,.0f} | {parsed.spread_ms[0]:,.0f}-"
            f"{parsed.spread_ms[1]:,.0f} | {ratio:.1f}x ({worst:.1f}-{best:.1f}x) | "
            f"{parsed.median_ms_gc_paused:,.0f} | {paused:.1f}x |"
        )
    lines += ["", "**Toolkit**", "", "| what | figure |", "| --- | ---: |"]
    for run in fuzz:
        verdict = {0: "passed", 1: "FAILED", 2: "could not test"}.get(run.exit_code, "?")
        lines.append(
            f"| `make fuzz` on the reference server, {run.max_examples:,} examples per phase | "
            f"{run.cases:,} generated cases in {run.schemathesis_seconds:.1f} s of schemathesis = "
            f"{run.per_second:.0f} cases/s, + {run.probe_requests} probe requests ({verdict});"
            f" {run.seconds:.1f} s wall in all |"
        )
    if faults:
        slowest = max(faults, key=lambda f: f.seconds)
        caught = sum(f.caught for f in faults)
        lines.append(
            f"| self-test faults caught (default 100 examples) | {caught} of {len(faults)};"
            f" slowest {slowest.fault} {slowest.seconds:.1f} s to the verdict |"
        )
    lines += loop_rows(loops)
    if faults:
        lines += [
            "",
            "**Time to catch each self-test fault** (wall, server start to verdict, seed "
            f"{toolkit.SEED})",
            "",
            "| fault | seconds | caught by |",
            "| --- | ---: | --- |",
        ]
        lines += [
            f"| {f.fault} | {f.seconds:.1f} | {f.caught_by if f.caught else 'NOT CAUGHT'} |"
            for f in faults
        ]
    if safety:
        lines += [
            "",
            "**Reliability** (the reference server with its default limits; see README"
            ' "Reliability")',
            "",
            "| attack | what happened | bar | met |",
            "| --- | --- | --- | --- |",
        ]
        lines += [
            f"| {r.what} | {r.figure} | {r.bar} | {'yes' if r.met else 'NO'} |" for r in safety
        ]
    lines += [
        "",
        "Parsing allocates tens of thousands of objects, so Python's cyclic garbage collector "
        'runs many times during one parse; the "GC paused" columns time the same parse inside '
        "`gc.disable()` (what a service parsing large answers can do around the call).",
        "",
        "The reference server keeps each job's validated JSON in memory and drops it whenever "
        'the database changes; the "job cache off" row validates every job on every request.',
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seconds", type=int, default=5, help="wrk run per server and round (default 5)"
    )
    parser.add_argument(
        "--skip-check", action="store_true", help="do not time `make test` and `make check`"
    )
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument(
        "--only-check",
        action="store_true",
        help="only time `make test` and `make check`, print them, write nothing",
    )
    args = parser.parse_args(argv)
    if args.only_check:
        timed = {target: toolkit.make_seconds(target) for target in ("test", "check")}
        print("\n".join(["| what | figure |", "| --- | ---: |", *loop_rows(timed)]))
        return 0 if all(t.ok for t in timed.values()) else 1
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    print("bench: HTTP (reference server vs prism mock) ...", flush=True)
    http = http_servers.run(seconds=args.seconds)
    print(f"bench: parsing {parsing.JOBS:,} jobs ...", flush=True)
    parse, size = parsing.run()
    print("bench: fuzz throughput ...", flush=True)
    fuzz = [toolkit.fuzz_run(100), toolkit.fuzz_run(1000)]
    print("bench: time to catch each fault ...", flush=True)
    faults = toolkit.fault_times()
    safety = reliability.run()
    loops: dict[str, toolkit.MakeTime] = {}
    if not args.skip_check:
        for target in ("test", "check"):  # the inner loop: test, then all of check
            print(f"bench: make {target} ...", flush=True)
            loops[target] = toolkit.make_seconds(target)
    print("bench: spec diff vs Optic, per pair ...", flush=True)
    diffs = specdiff_vs_optic.run()
    print("bench: stand-in vs pytest-httpserver and WireMock ...", flush=True)
    stand_in_rows = stand_in_bench.run()
    sandbox_rows = stand_in_sandbox.run()
    table = render(http, parse, size, fuzz, faults, loops, when, safety)
    table += specdiff_vs_optic.render(diffs)
    table += stand_in_bench.render(stand_in_rows)
    table += stand_in_sandbox.render(sandbox_rows)
    print()
    print(table)
    if not args.no_write:
        RESULTS.mkdir(parents=True, exist_ok=True)
        day = when.split()[0]
        (RESULTS / f"{day}.md").write_text(table)
        (RESULTS / "latest.md").write_text(table)
        raw = {
            "when": when,
            "machine": machine.describe(),
            "http": [vars(r) for r in http],
            "parse": [vars(r) for r in parse],
            "parse_bytes": size,
            "fuzz": [vars(run) | {"per_second": run.per_second} for run in fuzz],
            "faults": [vars(f) for f in faults],
            "make_seconds": {target: list(timed.runs) for target, timed in loops.items()},
            "reliability": [vars(r) for r in safety],
            "specdiff_vs_optic": [vars(r) for r in diffs],
            "stand_in": [vars(r) for r in stand_in_rows],
            "stand_in_sandbox": [vars(r) for r in sandbox_rows],
        }
        (RESULTS / "latest.json").write_text(json.dumps(raw, indent=2) + "\n")
        print(f"bench: wrote {RESULTS / 'latest.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
