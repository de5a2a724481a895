"""The benchmark code runs (small sizes, no timing asserted): benchmarks must not rot."""

from __future__ import annotations

from bench import parsing, reliability
from bench.__main__ import render
from bench.http_servers import HttpResult
from bench.toolkit import FaultTime, FuzzResult


def test_every_parser_reads_the_same_jobs():
    jobs = parsing.make_jobs(50)
    table, size = parsing.contenders(jobs)
    assert size > 0
    assert {name: parse() for name, parse in table.items()} == dict.fromkeys(table, 50)


def test_table_names_the_peers_and_ratios():
    http = [
        HttpResult("ours", 5000.0, 0, 1.0, 2.0, 400),
        HttpResult("prism mock (peer)", 1000.0, 0, 1.5, 3.0, 400),
    ]
    parse = [
        parsing.ParseResult("sdk (peer)", 400.0, 300.0, 10),
        parsing.ParseResult("models", 200.0, 100.0, 10),
    ]
    fuzz = [FuzzResult(1000, 1000, 20.0, 12.5, 60, 0)]
    faults = [FaultTime("no-body-limit", 3.2, "body-too-large", True)]
    safety = [reliability.Row("poison file", "loader exit 2", "refused", True)]
    table = render(http, parse, 3_500_000, fuzz, faults, (90.0, True), "today", safety)
    assert "| ours | 5,000 | 5.0x |" in table
    assert "| models | 200 | 2.0x | 100 | 3.0x |" in table
    assert "80 cases/s, + 60 probe requests (passed)" in table
    assert "| no-body-limit | 3.2 | body-too-large |" in table
    assert "| poison file | loader exit 2 | refused | yes |" in table


def test_reliability_rows_run_at_small_sizes():
    """Rows measure and judge (full sizes in `make bench`; the attacks: tests/reliability)."""
    rows = [reliability.poison(), reliability.mixed_loads(seconds=1)]
    assert [row.met for row in rows] == [True, True], rows
