"""``make bench``: run every benchmark, print the table, write it to bench/results/.

The table goes to ``bench/results/<date>.md`` and ``bench/results/latest.md`` (with the date
and the machine), and into README.md between the ``bench:start`` / ``bench:end`` markers,
so the README always quotes what the last ``make bench`` measured.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from pathlib import Path

from bench import http_servers, machine, parsing, toolkit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
README = ROOT / "README.md"


def render(
    http: list[http_servers.HttpResult],
    parse: list[parsing.ParseResult],
    size: int,
    fuzz: toolkit.FuzzResult | None,
    check: tuple[float, bool] | None,
    when: str,
) -> str:
    lines = [f"Measured {when} on {machine.describe()}.", ""]
    peer = http[-1]
    lines += [
        "**HTTP, same 10-job request with the demo token** (wrk: 1 thread, 16 connections; "
        f"latency at a fixed {peer.rate} requests/s)",
        "",
        "| server | requests/s | vs prism mock | p50 ms | p99 ms | non-2xx |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in http:
        lines.append(
            f"| {row.name} | {row.rps:,.0f} | {row.rps / peer.rps:.1f}x | {row.p50_ms:.2f} | "
            f"{row.p99_ms:.2f} | {row.non_2xx} |"
        )
    sdk = parse[0]
    lines += [
        "",
        f"**Parsing a {parsing.JOBS:,}-job answer** ({size / 1e6:.1f} MB of JSON, median of 7)",
        "",
        "| parser | ms | vs the provider's SDK | ms, GC paused | vs SDK, GC paused |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for parsed in parse:
        ratio = sdk.median_ms / parsed.median_ms
        paused = sdk.median_ms_gc_paused / parsed.median_ms_gc_paused
        lines.append(
            f"| {parsed.name} | {parsed.median_ms:,.0f} | {ratio:.1f}x | "
            f"{parsed.median_ms_gc_paused:,.0f} | {paused:.1f}x |"
        )
    lines += ["", "**Toolkit**", "", "| what | figure |", "| --- | ---: |"]
    if fuzz:
        verdict = "passed" if fuzz.passed else "FAILED"
        lines.append(
            "| `make fuzz` against the reference server, 1,000 examples per phase | "
            f"{fuzz.cases:,} cases in {fuzz.schemathesis_seconds:.1f} s of schemathesis = "
            f"{fuzz.per_second:.0f} cases/s ({verdict}); {fuzz.seconds:.1f} s in all |"
        )
    if check:
        status = "passed" if check[1] else "FAILED"
        lines.append(f"| wall time of `make check` | {check[0]:.0f} s ({status}) |")
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


def update_readme(table: str) -> None:
    text = README.read_text()
    start, end = "<!-- bench:start -->", "<!-- bench:end -->"
    if start not in text:
        return
    new = re.sub(f"{start}.*?{end}", lambda _: f"{start}\n{table}{end}", text, flags=re.S)
    README.write_text(new)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10, help="wrk run per server (default 10)")
    parser.add_argument("--skip-check", action="store_true", help="do not time `make check`")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    print("bench: HTTP (reference server vs prism mock) ...", flush=True)
    http = http_servers.run(seconds=args.seconds)
    print("bench: parsing 10,000 jobs ...", flush=True)
    parse, size = parsing.run()
    print("bench: fuzz throughput ...", flush=True)
    fuzz = toolkit.fuzz_throughput()
    check = None
    if not args.skip_check:
        print("bench: make check ...", flush=True)
        check = toolkit.make_check_seconds()
    table = render(http, parse, size, fuzz, check, when)
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
            "fuzz": vars(fuzz) | {"per_second": fuzz.per_second},
            "make_check_seconds": check,
        }
        (RESULTS / "latest.json").write_text(json.dumps(raw, indent=2) + "\n")
        update_readme(table)
        print(f"bench: wrote {RESULTS / 'latest.md'} and the README's Performance section")
    return 0


if __name__ == "__main__":
    sys.exit(main())
