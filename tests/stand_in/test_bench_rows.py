"""The stand-in's bench rows (bench/stand_in.py) judge ratios and never print a number for a
peer that could not be measured (no timing asserted here: speed is the bench's business)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bench.stand_in import StandInRow, render


def test_rows_give_the_ratio_and_whether_the_bar_is_met() -> None:
    met = StandInRow("first answer", 0.3, "WireMock", 0.9, "s", "0.5x")
    missed = StandInRow("per-test overhead", 30.0, "pytest-httpserver", 20.0, "ms", "1x")
    table = render([met, missed])
    assert "| first answer | 0.3 s | WireMock: 0.9 s | 0.33x | 0.5x | yes |" in table
    assert "| per-test overhead | 30 ms | pytest-httpserver: 20 ms | 1.50x | 1x | NO |" in table


def test_a_peer_not_measured_says_why_and_shows_no_figure() -> None:
    row = StandInRow("first answer", 0.3, "WireMock", None, "s", "0.5x", "needs java and npm")
    assert row.render() == (
        "| first answer | 0.3 s | WireMock: not measured: needs java and npm | - | 0.5x | - |"
    )


def test_a_row_without_a_bar_shows_its_ratio_and_judges_nothing() -> None:
    row = StandInRow("with own client", 20.0, "pytest-httpserver", 20.0, "ms", "-")
    assert row.render() == "| with own client | 20 ms | pytest-httpserver: 20 ms | 1.00x | - | - |"


def test_each_bench_test_sends_with_the_client_it_says() -> None:
    from bench.stand_in import OURS_TEST, PEER_TEST, bench_test_source

    for template in (OURS_TEST, PEER_TEST):
        shared = bench_test_source(template, shared_client=True).replace("{count}", "3")
        own = bench_test_source(template, shared_client=False).replace("{count}", "3")
        compile(shared, "shared", "exec")
        compile(own, "own", "exec")
        assert "CLIENT = httpx.Client()" in shared
        assert "CLIENT.post(" in shared
        assert "CLIENT" not in own
        assert "httpx.post(" in own


def test_a_failing_run_of_ours_raises_and_the_peer_s_is_its_note(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bench import stand_in

    def run(folder: Path, source: str, env: dict[str, str]) -> list[float]:
        if source == "broken":
            raise RuntimeError("E   assert 'CS.10008' == 'CS.10007'")
        return [2.0, 4.0]

    monkeypatch.setattr(stand_in, "_test_intervals_ms", run)
    assert stand_in.per_test_ms(("ours", {}), ("peer", {})) == (3.0, 3.0, "")
    ours, theirs, why = stand_in.per_test_ms(("ours", {}), ("broken", {}))
    assert (ours, theirs) == (3.0, None)
    assert why.startswith("its run failed: E   assert")
    with pytest.raises(RuntimeError, match=r"CS\.10008"):
        stand_in.per_test_ms(("broken", {}), ("peer", {}))


def test_a_bench_run_times_each_test_from_its_start_to_the_next(tmp_path: Path) -> None:
    from bench.stand_in import MANY, SKIP, _test_intervals_ms

    source = "import pytest, time\n\n@pytest.mark.parametrize('n', range({count}))\n"
    source += "def test_one(n):\n    time.sleep(0.002)\n"
    intervals = _test_intervals_ms(tmp_path, source, dict(os.environ))
    assert len(intervals) == MANY - SKIP - 1
    assert min(intervals) >= 2.0
