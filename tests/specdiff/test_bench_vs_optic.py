"""The spec-diff bench runs, and says so when Optic does not start (no timing asserted).

A stand-in for Optic (a script answering as ``optic diff --check`` does: exit 1 blocks,
exit 0 passes) keeps the test off the network and fast; the real Optic runs in `make bench`.
"""

from __future__ import annotations

import stat
from pathlib import Path

from bench import specdiff_vs_optic
from bench.specdiff_pairs import PAIRS

TWO = [p for p in PAIRS if p.name in ("security header renamed", "a tag description edited")]


def fake_optic(tmp_path: Path, body: str) -> Path:
    script = tmp_path / "optic"
    script.write_text("#!/bin/sh\n" + body + "\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def test_rows_say_when_optic_does_not_start(tmp_path):
    rows = specdiff_vs_optic.run(TWO, optic=tmp_path / "no-such-optic")
    assert [(r.pair, r.specdiff_verdict) for r in rows] == [
        ("security header renamed", "breaking"),
        ("a tag description edited", "none"),
    ]
    assert all(r.optic_blocks is None and r.optic_ms is None for r in rows)
    assert all(r.optic_note.startswith("Optic did not start") for r in rows)
    table = specdiff_vs_optic.render(rows)
    assert "Optic did not start" in table
    assert "Optic 0 of 0 answered" in table


def test_rows_take_optics_verdict_from_its_exit_code(tmp_path):
    # --version answers; a diff blocks when the head spec names X-Api-Token
    optic = fake_optic(
        tmp_path,
        '[ "$1" = "--version" ] && { echo 1.0.9; exit 0; }\n'
        "grep -q X-Api-Token head.yaml && exit 1\nexit 0",
    )
    rows = {r.pair: r for r in specdiff_vs_optic.run(TWO, optic=optic)}
    assert rows["security header renamed"].optic_blocks is True
    assert rows["a tag description edited"].optic_blocks is False
    assert all(r.optic_ms is not None and r.specdiff_ms > 0 for r in rows.values())
    table = specdiff_vs_optic.render(list(rows.values()))
    assert "Optic 2 of 2 answered" in table
    assert "| security header renamed | breaking | breaking (blocks) |" in table


def test_optic_exit_2_is_no_verdict(tmp_path):
    optic = fake_optic(tmp_path, '[ "$1" = "--version" ] && exit 0\necho boom >&2\nexit 2')
    rows = specdiff_vs_optic.run(TWO[:1], optic=optic)
    assert rows[0].optic_blocks is None
    assert rows[0].optic_note == "Optic exit 2: boom"
