"""Importing the harness changes nothing in schemathesis: its hook and check are registered
only when a run starts (``fuzz_harness.hooks.register``, called by the module the harness'
schemathesis configuration names), so a user's own schemathesis tests beside it are left alone.
"""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import schemathesis
from schemathesis.checks import CHECKS
from schemathesis.hooks import GLOBAL_HOOK_DISPATCHER

def registered():
    names = [check.__name__ for check in CHECKS.get_all()]
    hooked = bool(GLOBAL_HOOK_DISPATCHER.get_all_by_name("map_body"))
    return hooked, "jobs_match_known_data" in names

import fuzz_harness, fuzz_harness.hooks, fuzz_harness.runner, fuzz_harness.replay, fuzz_harness.cli
print(registered())
fuzz_harness.hooks.register()
print(registered())
"""


def test_importing_the_harness_registers_nothing_until_a_run_asks() -> None:
    # A fresh interpreter: schemathesis' registries are process-wide.
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["(False,", "False)", "(True,", "True)"], result.stdout
