"""ARCHITECTURE.md's recipe "Adding a rule", followed for real (issue #35): a throwaway rule
added to a temporary copy of the repository in four hand-edited files (the spec, one check,
one probe, one fault) is a whole unit there, and the spec edit alone is not."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import ROOT

RULE = "header-throwaway"
# The four edits of the recipe: (file, the text an edit goes before, the text it adds).
SPEC_EDIT = (
    "openapi/jobs-metrics.openapi.yaml",
    "          - id: json-malformed\n",
    f"""          - id: {RULE}
            family: headers
            when: A request carrying the header `X-JM-Throwaway` is refused.
            status: 400
            error_id: CS.10003
            level: must
            level_reason: The recipe's test adds it to a copy of the repository.
""",
)
CHECK_EDIT = (
    "reference_server/app.py",
    "    # The checks, each naming the rules it refuses with",
    f"""    def check_throwaway(self, request: Request) -> None:
        if b"x-jm-throwaway" in request.headers:
            raise Refusal("{RULE}", "X-JM-Throwaway: not allowed")

""",
)
CHECK_ROW = (  # the row, in TOKEN_CHECKS (the first table): before the body is read
    "reference_server/app.py",
    '    Check(("body-too-large",), JobsMetricsApp.read_body),\n',
    f'    Check(("{RULE}",), JobsMetricsApp.check_throwaway),\n',
)
PROBE_EDIT = (
    "fuzz_harness/probes/headers.py",
    None,  # at the end
    f'''

@FAMILY.probes("{RULE}")
def _throwaway(contract: Contract, options: FuzzOptions, rng: random.Random) -> Iterator[Probe]:
    from fuzz_harness.probes.base import JSON, auth_headers, post, refusal, some_ids

    me = options.identity
    headers = (*auth_headers(contract, me), JSON, ("X-JM-Throwaway", "1"))
    request = post(contract, me, {{"job_ids": some_ids(rng, me, 1)}}, headers=headers)
    yield refusal("{RULE}", "X-JM-Throwaway sent", request)
''',
)
FAULT_EDIT = (  # the first fault of the table
    "fuzz_selftest/faults.py",
    '        Fault(\n            "wrong-type",',
    f"""        Fault(
            "throwaway-ignored",
            "X-JM-Throwaway ignored",
            breaks="{RULE}",
            before=lambda ex, _: ex.headers.pop(b"x-jm-throwaway", None) and None,
        ),
""",
)
UNIT_TESTS = (
    "tests/contract/test_rule_units.py",
    "tests/fuzz_harness/test_probe_families.py",
    "tests/test_spec_facts_in_code.py",
)


def _copy(target: Path) -> Path:
    """The repository's tracked files (as they are now), without the venv and the caches."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    for name in listed:
        source = ROOT / name
        if source.is_file() and not name.startswith(("bench/results/", "docs/site/")):
            destination = target / name
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination, follow_symlinks=False)
    return target


def _edit(root: Path, file: str, anchor: str | None, text: str) -> None:
    """Add ``text`` to ``file`` of ``root``: before ``anchor`` (its first occurrence), or at
    the end when there is none."""
    path = root / file
    source = path.read_text()
    if anchor is None:
        path.write_text(source + text)
        return
    assert anchor in source, (file, anchor)
    path.write_text(source.replace(anchor, text + anchor, 1))


def _run(root: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [sys.executable, *args], cwd=root, env=env, capture_output=True, text=True,
        timeout=timeout, check=False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def copy_with_the_spec_edit(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = _copy(tmp_path_factory.mktemp("repo"))
    _edit(root, *SPEC_EDIT)
    return root


def test_the_spec_edit_alone_is_not_a_unit(copy_with_the_spec_edit: Path) -> None:
    done = _run(copy_with_the_spec_edit, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                "tests/contract/test_rule_units.py")  # fmt: skip
    assert done.returncode == 1, done.stdout[-2000:]
    for part in ("no probe", "no fault", "no check"):
        assert f"{RULE}: {part}" in done.stdout, done.stdout[-3000:]


@pytest.fixture(scope="module")
def copy_with_the_recipe(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = _copy(tmp_path_factory.mktemp("repo"))
    for edit in (SPEC_EDIT, CHECK_EDIT, CHECK_ROW, PROBE_EDIT, FAULT_EDIT):
        _edit(root, *edit)
    return root


def test_the_recipe_touches_four_files_and_makes_a_unit(copy_with_the_recipe: Path) -> None:
    touched = {edit[0] for edit in (SPEC_EDIT, CHECK_EDIT, CHECK_ROW, PROBE_EDIT, FAULT_EDIT)}
    assert len(touched) == 4
    # the regenerated output the recipe names: the report's golden record lists every rule
    update = _run(copy_with_the_recipe, "-m", "tests.fuzz_harness.test_report_golden")
    assert update.returncode == 0, update.stderr[-2000:]
    done = _run(copy_with_the_recipe, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                *UNIT_TESTS, "tests/fuzz_harness/test_report_golden.py")  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:]


def test_the_new_check_answers_as_the_spec_says(copy_with_the_recipe: Path) -> None:
    script = (
        "import asyncio, json\n"
        "from jobs_metrics_spec import demo, spec_operations\n"
        "from reference_server import Settings, create_app\n"
        "app = create_app(Settings(db=':memory:'))\n"
        "path = spec_operations()[0].path.format(project_id=demo.PROJECT_A)\n"
        "sent = []\n"
        "async def call():\n"
        "    async def receive():\n"
        "        return {'type': 'http.request', 'body': b'{\"job_ids\": [1]}'}\n"
        "    async def send(message):\n"
        "        sent.append(message)\n"
        "    headers = [(b'x-auth-token', demo.TOKEN_A.encode()),\n"
        "               (b'content-type', b'application/json'), (b'x-jm-throwaway', b'1')]\n"
        "    await app({'type': 'http', 'method': 'POST', 'path': path, 'headers': headers,\n"
        "               'http_version': '1.1'}, receive, send)\n"
        "asyncio.run(call())\n"
        "print(sent[0]['status'], json.loads(sent[1]['body'])['error_id'])\n"
    )
    done = _run(copy_with_the_recipe, "-c", script)
    assert done.stdout.split() == ["400", "CS.10003"], done.stderr[-2000:]


@pytest.mark.slow  # two fuzz runs (the correct server, the fault): CI runs it in test-slow
def test_the_self_test_catches_the_new_fault(copy_with_the_recipe: Path) -> None:
    done = _run(copy_with_the_recipe, "-m", "fuzz_selftest", "--seed", "1", "--max-examples",
                "5", "throwaway-ignored")  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:]
    assert "1/1 faults caught" in done.stdout, done.stdout[-3000:]
