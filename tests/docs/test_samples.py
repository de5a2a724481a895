"""Sample outputs in the docs cannot go stale: each block marked ``<!-- sample: fuzz ... -->``
is compared with a fresh run of the same command (issue 36: the README showed "26 passed
... 5 not exercised" long after a run had 60 and 6).

The lines compared are the ones that matter and that a fixed seed makes stable: ``levels:``,
``rules:`` (the counts) and ``verdict:``. The counts change with the spec: a failure here
means the sample needs the fresh lines, which the assertion prints.

Marker: ``<!-- sample: fuzz NAME=value ... -->`` before a ```text block. No ``BASE_URL``: the
default run (a fresh reference server, the demo identities). ``BASE_URL=fault:NAME``: the
self-test's fault-injected server NAME, checked with the demo identities of projects A and
B and their jobs, as the sample's command line shows (no AK/SK).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from fuzz_harness.server_process import ServerProcess
from tests.support import DEMO_KNOBS, ROOT

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
COMPARED = ("levels:", "rules:", "verdict:")
MARKER = re.compile(r"<!-- sample: fuzz(?P<args>[^>]*?)-->\s*```text\n(?P<block>.*?)```", re.S)
DEMO = DEMO_KNOBS
# Knobs of the harness a developer's shell may hold: never read by a sample's run.
KNOBS = re.compile(r"^(?:OTHER_)?(?:BASE_URL|AUTH_TOKEN|PROJECT_ID|JOB_IDS|AK|SK)$|^(?:STRICT|"
                   r"SKIP_RULES|HEADERS|TIMEOUT|CA_BUNDLE|CLIENT_CERT|CLIENT_KEY|INSECURE|"
                   r"PROXY|RATE_LIMIT|OPERATIONS|GITHUB_STEP_SUMMARY)$")  # fmt: skip


@dataclass(frozen=True)
class Sample:
    doc: str
    knobs: dict[str, str]
    lines: tuple[str, ...]

    @property
    def fault(self) -> str | None:
        base = self.knobs.get("BASE_URL", "")
        return base.removeprefix("fault:") if base.startswith("fault:") else None


def samples() -> list[Sample]:
    found = []
    for doc in DOCS:
        for match in MARKER.finditer(doc.read_text()):
            knobs = dict(re.findall(r"\b([A-Z_]+)=(\S+)", match["args"]))
            lines = tuple(line for line in match["block"].splitlines() if line.startswith(COMPARED))
            found.append(Sample(str(doc.relative_to(ROOT)), knobs, lines))
    return found


def fresh_run(sample: Sample, tmp_path: Path) -> str:
    env = {name: value for name, value in os.environ.items() if not KNOBS.match(name)}
    knobs = {name: value for name, value in sample.knobs.items() if name != "BASE_URL"}
    argv = [sys.executable, "-m", "jobs_metrics_cli", "fuzz", "--report-dir", str(tmp_path)]
    if "SEED" in knobs:
        argv += ["--seed", knobs.pop("SEED")]
    if sample.fault is None:
        return _run(argv, {**env, **knobs})
    with ServerProcess(
        tmp_path / "db.sqlite3",
        module="fuzz_selftest.fault_server",
        extra_args=("--fault", sample.fault),
    ) as server:
        return _run(argv, {**env, **DEMO, **knobs, "BASE_URL": server.base_url})


def _run(argv: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode in (0, 1), result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def _params() -> list[object]:
    params: list[object] = []
    for sample in samples():
        label = " ".join(f"{k}={v}" for k, v in sample.knobs.items()) or "default"
        # The default run (~6 s) runs in `make test`; each fault server's in test-slow.
        marks = [pytest.mark.slow] if sample.fault else []
        params.append(pytest.param(sample, id=f"{sample.doc}:{label}", marks=marks))
    return params


def test_the_docs_have_samples_of_a_default_and_a_failing_run():
    found = samples()
    assert any(not sample.knobs for sample in found)
    assert any(sample.fault for sample in found)
    for sample in found:
        assert [line.split(":")[0] for line in sample.lines if not line.startswith("levels")] == [
            "rules",
            "verdict",
        ], sample


@pytest.mark.parametrize("sample", _params())
def test_sample_output_matches_a_fresh_run(sample: Sample, tmp_path: Path):
    output = fresh_run(sample, tmp_path)
    fresh = [line for line in output.splitlines() if line.startswith(COMPARED)]
    wanted = [
        line for line in fresh if line.split(":")[0] in {s.split(":")[0] for s in sample.lines}
    ]
    assert list(sample.lines) == wanted, (
        f"{sample.doc}: the sample marked {sample.knobs or 'default'} is stale; a fresh run "
        "prints:\n" + "\n".join(fresh)
    )
