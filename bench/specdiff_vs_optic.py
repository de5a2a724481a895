"""``make diff`` against Optic 1.0.9 on the same spec pairs, each timed in the same run.

The pairs are the corpus of ``bench/specdiff_pairs.py`` (what API teams do to a spec, each
with the verdict it deserves). Both tools run as a pull-request check runs them: one fresh
process per pair on two files (``python -m specdiff --format json``; ``optic diff A B
--check``, Optic's default breaking-change rules), wall time from start to exit. A tool is
right on a pair when it blocks exactly the pairs that break a message (expected verdict
``breaking``); specdiff's finer verdict is also compared with the expected one.

Optic is a bench-only peer (``package.json`` devDependency; it starts only with ``ajv``
pinned to 8.17.1 by npm ``overrides``). It runs with its telemetry and update check off,
in a directory of its own. If it does not start, every row says so and the bench goes on.

    python -m bench.specdiff_vs_optic           # this table alone
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bench.specdiff_pairs import PAIRS, Pair, sides
from specdiff.witness import BUDGET, SEED

ROOT = Path(__file__).resolve().parent.parent
OPTIC = ROOT / "node_modules" / ".bin" / "optic"
OPTIC_TIMEOUT_S = 120
# Optic phones home (Segment, Sentry, update-notifier) unless told not to; CI=true would
# make it write ci-run-details.json.
OPTIC_ENV = {"OPTIC_TELEMETRY_LEVEL": "off", "NO_UPDATE_NOTIFIER": "1"}


@dataclass(frozen=True)
class DiffRow:
    pair: str
    expected: str  # the verdict the pair deserves
    specdiff_verdict: str
    specdiff_blocks: bool  # exit code 1
    specdiff_ms: float
    optic_blocks: bool | None  # None: Optic gave no verdict (see optic_note)
    optic_ms: float | None
    optic_note: str = ""
    witness_ms: float | None = None  # in-process time of the witness search (issue #31)


def _optic_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    return env | OPTIC_ENV


def optic_problem(optic: Path = OPTIC) -> str | None:
    """Why Optic cannot run here (one line), or ``None`` when ``optic --version`` works."""
    try:
        done = subprocess.run(
            [str(optic), "--version"],
            capture_output=True, text=True, timeout=OPTIC_TIMEOUT_S, env=_optic_env(),
            check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"Optic did not start ({type(exc).__name__}: {exc})"
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines() or ["no output"]
        return f"Optic did not start (exit {done.returncode}: {lines[-1][:120]})"
    return None


def _timed(
    command: list[str], cwd: Path, env: dict[str, str] | None = None
) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.perf_counter()
    done = subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=OPTIC_TIMEOUT_S, env=env,
        check=False,
    )  # fmt: skip
    return done, (time.perf_counter() - started) * 1000


def witness_ms(base: dict[str, object], head: dict[str, object]) -> float:
    """Milliseconds ``diff_specs`` spends searching for witnesses on one pair, in process
    (the search is wrapped for the call, and restored)."""
    import specdiff.witness as witness  # (bench may use any module)
    from specdiff import diff_specs

    search = witness.search
    spent = [0.0]

    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return search(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - started

    witness.search = timed
    try:
        diff_specs(base, head)
    finally:
        witness.search = search
    return spent[0] * 1000


def run(pairs: list[Pair] | None = None, optic: Path = OPTIC) -> list[DiffRow]:
    """Each pair through specdiff, then Optic, one after the other."""
    problem = optic_problem(optic)
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-specdiff-") as tmp:
        work = Path(tmp)
        for pair in PAIRS if pairs is None else pairs:
            base, head = sides(pair)
            (work / "base.yaml").write_text(yaml.safe_dump(base, sort_keys=False))
            (work / "head.yaml").write_text(yaml.safe_dump(head, sort_keys=False))
            done, specdiff_ms = _timed(
                [sys.executable, "-m", "specdiff", "--base-file", str(work / "base.yaml"),
                 "--head-file", str(work / "head.yaml"), "--format", "json"],
                ROOT,
            )  # fmt: skip
            verdict = json.loads(done.stdout)["verdict"] if done.returncode in (0, 1) else "?"
            optic_blocks, optic_ms, note = None, None, problem or ""
            if problem is None:
                try:
                    found, optic_ms = _timed(
                        [str(optic), "diff", "base.yaml", "head.yaml", "--check"],
                        work,
                        _optic_env(),
                    )
                except subprocess.TimeoutExpired:
                    note = f"Optic gave no answer in {OPTIC_TIMEOUT_S} s"
                else:
                    if found.returncode in (0, 1):
                        optic_blocks = found.returncode == 1
                    else:
                        last = (found.stderr or found.stdout).strip().splitlines() or [""]
                        note = f"Optic exit {found.returncode}: {last[-1][:80]}"
            rows.append(
                DiffRow(
                    pair.name, pair.verdict, verdict, done.returncode == 1, specdiff_ms,
                    optic_blocks, optic_ms, note, witness_ms(base, head),
                )
            )  # fmt: skip
    return rows


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _witness_lines(rows: list[DiffRow]) -> list[str]:
    """What the witness search costs of specdiff's time per pair."""
    spent = [r.witness_ms for r in rows if r.witness_ms is not None]
    if not spent:
        return []
    return [
        f"specdiff's median per pair: {statistics.median(r.specdiff_ms for r in rows):,.0f} ms "
        f"(a fresh process); of it the witness search (at most {BUDGET} instances per changed "
        f"part, seed {SEED}): median {statistics.median(spent):,.1f} ms, at most "
        f"{max(spent):,.0f} ms",
        "",
    ]


def render(rows: list[DiffRow]) -> str:
    """The per-pair table and who got how many right, as Markdown."""
    if not rows:
        return ""
    should_block = [r.expected == "breaking" for r in rows]
    specdiff_right = sum(r.specdiff_verdict == r.expected for r in rows)
    specdiff_gate = sum(r.specdiff_blocks == b for r, b in zip(rows, should_block, strict=True))
    answered = [
        (r, b) for r, b in zip(rows, should_block, strict=True) if r.optic_blocks is not None
    ]
    optic_gate = sum(r.optic_blocks == b for r, b in answered)
    timed = [r for r in rows if r.optic_ms is not None]
    lines = [
        "",
        f"**Spec diff vs Optic 1.0.9** ({len(rows)} single-change pairs of "
        "`bench/specdiff_pairs.py`, one fresh process per tool and pair, same run)",
        "",
        f"specdiff verdicts right: {specdiff_right} of {len(rows)}; blocks exactly the "
        f"breaking pairs: specdiff {specdiff_gate} of {len(rows)}, Optic {optic_gate} of "
        f"{len(answered)} answered"
        + (
            f"; median time Optic / specdiff "
            f"{statistics.median(r.optic_ms / r.specdiff_ms for r in timed if r.optic_ms):.1f}x"
            if timed
            else ""
        ),
        "",
        *_witness_lines(rows),
        "| pair | expected | specdiff | ms | Optic | ms | Optic / specdiff |",
        "| --- | --- | --- | ---: | --- | ---: | ---: |",
    ]
    for row in rows:
        if row.optic_blocks is None:
            optic, optic_ms, ratio = row.optic_note or "no verdict", "-", "-"
        else:
            optic = "blocks" if row.optic_blocks else "passes"
            optic_ms = f"{row.optic_ms:,.0f}" if row.optic_ms is not None else "-"
            ratio = f"{row.optic_ms / row.specdiff_ms:.1f}x" if row.optic_ms else "-"
        specdiff = row.specdiff_verdict + (" (blocks)" if row.specdiff_blocks else "")
        lines.append(
            f"| {_cell(row.pair)} | {row.expected} | {specdiff} | {row.specdiff_ms:,.0f} | "
            f"{_cell(optic)} | {optic_ms} | {ratio} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render(run()))
