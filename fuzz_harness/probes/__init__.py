"""The probes: for every rule of the spec's ``x-contract``, requests that break exactly it.

Each probe is one request with everything valid but the one thing its rule is about (no
token, a foreign project, 17 KiB of headers, ...), and the rule says the exact answer. Data
rules are probed with the job IDs the user said exist (``JOB_IDS``) and belong to another
project (``OTHER_JOB_IDS``). A rule with no probe here, or whose probes need data that was
not given, is reported "not exercised", never "passed".

One module per family of rules (the spec's ``family`` of each rule): ``request``, ``auth``,
``path``, ``headers``, ``signature``, ``body``, ``data``; what they share is ``base``. A
maker is registered on its module's :class:`Family` beside its code, by the rule id it
probes; :data:`FAMILIES` lists the modules' families, and nothing else gathers them.
"""

from __future__ import annotations

import random
from collections.abc import Collection

from fuzz_harness.judge import ANSWER_RULES
from fuzz_harness.options import FuzzOptions
from fuzz_harness.probes import auth, body, data, headers, path, request, signature
from fuzz_harness.probes.base import (
    Family,
    Probe,
    ProbeMaker,
    Skipped,
    post,
    some_ids,
    unknown_ids,
)
from jobs_metrics_spec import Contract

FAMILIES: tuple[Family, ...] = (
    request.FAMILY,
    auth.FAMILY,
    path.FAMILY,
    headers.FAMILY,
    signature.FAMILY,
    body.FAMILY,
    data.FAMILY,
)
# Every maker, by the rule id it probes.
MAKERS: dict[str, ProbeMaker] = {
    rule: maker for family in FAMILIES for rule, maker in family.makers.items()
}


def all_probes(
    contract: Contract, options: FuzzOptions, judged_elsewhere: Collection[str] = ()
) -> list[Probe | Skipped]:
    """Every probe of every rule the spec lists, in the spec's order; seeded by SEED.

    ``judged_elsewhere``: rules the runner checks by other means than a probe of their own
    (answers compared with each other, failures sent again).
    """
    rng = random.Random(options.seed)
    found: list[Probe | Skipped] = []
    for rule in contract.rules:
        maker = MAKERS.get(rule.id)
        if rule.untestable:
            found.append(Skipped(rule.id, rule.untestable))
        elif maker is None and rule.id in (*ANSWER_RULES, *judged_elsewhere):
            continue  # judged on every answer (fuzz_harness.judge) or by the runner
        elif maker is None:
            found.append(Skipped(rule.id, "the harness has no probe for this rule"))
        else:
            found.extend(maker(contract, options, rng))
    return found


__all__ = [
    "FAMILIES",
    "MAKERS",
    "Family",
    "Probe",
    "ProbeMaker",
    "Skipped",
    "all_probes",
    "post",
    "some_ids",
    "unknown_ids",
]
