"""The conformance harness of ``make fuzz``: does a server keep every rule of the spec?

Layers, each importing only those above it:

- ``jobids``, ``exchange``: job ID sets, one HTTP request/answer with its curl line (the
  spec's ``x-contract`` rules and schemas are ``jobs_metrics_spec``'s ``Contract``);
- ``judge``: pure functions holding one answer to the rules;
- ``options``, ``probes``, ``hooks``: what a run may send (identities, known jobs), the
  probes per rule, and schemathesis' hooks and checks (public schemathesis API only);
- ``st_run``, ``runner``, ``report``: the schemathesis process, one run end to end, the
  conformance report;
- ``cli``, ``replay``: the commands; ``server_process`` starts a server process (the
  reference server by default; the self-test's fault-injected variants live apart, in
  ``fuzz_selftest``, which the wheel does not ship).
"""

from fuzz_harness.cli import replay_command, run_command
from fuzz_harness.jobids import JobIdSet
from fuzz_harness.options import FuzzOptions, Identity, OptionsError, build_options
from fuzz_harness.runner import CONFORMS, COULD_NOT_TEST, VIOLATIONS, Outcome, execute
from jobs_metrics_spec import Contract, Rule, default_contract, load_contract

__all__ = [
    "CONFORMS",
    "COULD_NOT_TEST",
    "VIOLATIONS",
    "Contract",
    "FuzzOptions",
    "Identity",
    "JobIdSet",
    "OptionsError",
    "Outcome",
    "Rule",
    "build_options",
    "default_contract",
    "execute",
    "load_contract",
    "replay_command",
    "run_command",
]
