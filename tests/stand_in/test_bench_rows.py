"""The stand-in's bench rows (bench/stand_in.py) judge ratios and never print a number for a
peer that could not be measured (no timing asserted here: speed is the bench's business)."""

from __future__ import annotations

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
