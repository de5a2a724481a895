"""The benchmark code runs (small sizes, no timing asserted): benchmarks must not rot."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bench import http_servers, parse_one, parsing, reliability
from bench.__main__ import render
from bench.http_servers import HttpResult
from bench.toolkit import FaultTime, FuzzResult, MakeTime, what_failed


def test_every_parser_reads_the_same_jobs():
    jobs = parsing.make_jobs(parsing.ANSWER_JOBS + 50)  # two answers, the first one full
    table, size = parsing.contenders(jobs)
    assert size > 0
    assert {name: parse() for name, parse in table.items()} == dict.fromkeys(table, len(jobs))


def test_each_parser_runs_alone_in_its_own_process(tmp_path):
    """The benchmark's method: a fresh interpreter per contender, importing only its parser."""
    parse_one.write_bodies(tmp_path, *parsing.bodies(parsing.make_jobs(20)))
    probe = (
        "import sys, pathlib; from bench import parse_one; "
        "fn = parse_one.build(sys.argv[1], *parse_one.read_bodies(pathlib.Path(sys.argv[2]))); "
        "roots = ('huaweicloudsdkcore', 'jobs_metrics_models', 'jobs_metrics_client', 'msgspec'); "
        "print(fn(), sorted(m for m in sys.modules if m in roots))"
    )
    files = [str(tmp_path)]
    for name, own in [
        (parse_one.MODELS, "jobs_metrics_models"),
        (parse_one.SDK, "huaweicloudsdkcore"),
    ]:
        out = subprocess.run(
            [sys.executable, "-c", probe, name, *files],
            capture_output=True, text=True, check=True, timeout=120,
        ).stdout  # fmt: skip
        assert out.split(" ", 1) == ["20", f"['{own}']\n"], (name, out)
    result = parsing._one_process(parse_one.MODELS, tmp_path, 2)
    assert result["jobs"] == 20


def test_a_ratio_is_taken_round_by_round() -> None:
    """The floor's second round was slow (the machine was), ours too: the rounds' ratios
    agree (80-86%); the medians' ratio would have read the slow round into neither."""
    ours = HttpResult("ours", 8000.0, 0, 1.0, 2.0, 400, (6000.0, 8100.0), (8000.0, 6000.0, 8100.0))
    bare = HttpResult(http_servers.BARE, 10000.0, 0, 0.5, 1.0, 400, (7000.0, 10000.0),
                      (10000.0, 7000.0, 10000.0))  # fmt: skip
    ratio, lowest, highest = ours.ratio_to(bare)
    assert (round(ratio, 3), round(lowest, 3), round(highest, 3)) == (0.81, 0.8, 0.857)
    unpaired = HttpResult("prism", 1000.0, 0, 1.5, 3.0, 400)  # no rounds: the medians' ratio
    assert ours.ratio_to(unpaired) == (8.0, 8.0, 8.0)


def test_table_names_the_peers_and_ratios():
    http = [
        HttpResult("ours", 5000.0, 0, 1.0, 2.0, 400, (4800.0, 5100.0)),
        HttpResult(http_servers.BARE, 10000.0, 0, 0.5, 1.0, 400),
        HttpResult("prism mock (peer)", 1000.0, 0, 1.5, 3.0, 400),
    ]
    parse = [
        parsing.ParseResult("sdk (peer)", 400.0, 300.0, 10, (380.0, 420.0)),
        parsing.ParseResult("models", 200.0, 100.0, 10, (190.0, 210.0)),
    ]
    fuzz = [FuzzResult(1000, 1000, 20.0, 12.5, 60, 0)]
    faults = [FaultTime("no-body-limit", 3.2, "body-too-large", True)]
    safety = [reliability.Row("poison file", "loader exit 2", "refused", True)]
    loops = {
        "test": MakeTime((41.0, 39.5, 40.0)),
        "check": MakeTime((58.0, 61.0, 57.0), ("run 2: FAILED tests/test_x.py::test_y",)),
    }
    table = render(http, parse, 3_500_000, fuzz, faults, loops, "today", safety)
    assert "| ours | 5,000 | 4,800-5,100 | 5.0x (5.0-5.0x) | 50% (50%-50%) |" in table
    assert "| models | 200 | 190-210 | 2.0x (1.8-2.2x) | 100 | 3.0x |" in table
    assert "80 cases/s, + 60 probe requests (passed)" in table
    assert "| no-body-limit | 3.2 | body-too-large |" in table
    assert "| poison file | loader exit 2 | refused | yes |" in table
    assert "| wall time of `make test`, warm, median of 3 | 40 s (40-41 s; passed) |" in table
    assert "| wall time of `make check`, warm, median of 3 | 58 s (57-61 s; 1 FAILED) |" in table
    assert "\n`make check` run 2:\n\n```text\nFAILED tests/test_x.py::test_y\n```" in table


@pytest.mark.slow  # starts servers for the reliability rows; CI runs it in test-slow
def test_reliability_rows_run_at_small_sizes():
    """Rows measure and judge (full sizes in `make bench`; the attacks: tests/reliability)."""
    rows = [
        reliability.poison(),
        reliability.mixed_loads(seconds=1),
        reliability.refusals_on_a_kept_connection(pairs=20),
        reliability.signed_and_nested_attacks(seconds=1),
    ]
    assert [row.met for row in rows] == [True, True, True, True], rows


def test_a_failed_run_is_reported_with_its_assertion_not_only_its_name() -> None:
    """The one-line summary cuts the message to the terminal's width: the ``E`` lines keep it."""
    output = "\n".join(
        [
            "    def test_y():",
            ">       assert outcome.exit_code == 0, outcome",
            "E       AssertionError: Outcome(caught_by='connection-stable')",
            "E       assert 1 == 0",
            "FAILED tests/test_x.py::test_y - AssertionError: Outcome(caug...",
        ]
    )
    assert what_failed(output).splitlines() == [
        "FAILED tests/test_x.py::test_y - AssertionError: Outcome(caug...",
        "E       AssertionError: Outcome(caught_by='connection-stable')",
        "E       assert 1 == 0",
    ]
    assert what_failed("make: *** [test] Killed\nlast") == "make: *** [test] Killed\nlast"


def test_the_stand_in_rows_render_their_goal_and_peer() -> None:
    from bench.stand_in_sandbox import SandboxRow, render

    rows = [
        SandboxRow("start", 0.3, "s", "under 2 s", True, "beside"),
        SandboxRow("cycle", 12.0, "ms", "under 10 ms", False, "WireMock: 5 ms"),
    ]
    table = render(rows)
    assert "| start | 0.3 s | under 2 s | yes | beside |" in table
    assert "| cycle | 12 ms | under 10 ms | NO | WireMock: 5 ms |" in table
