"""Failures that explain themselves: is a failure the server's answer, or its connection's?

A probe that failed on the run's keep-alive connection is sent again before it is reported:
``TRIES`` times alone, each on a fresh connection, and, if it passes there, twice more on a
fresh connection right after the request that preceded it. That tells three cases apart:

- ``consistent``: it fails every time; an ordinary finding of its rule;
- ``reused connection``: it fails only after the request before it on the same connection (a
  server that leaves part of a request unread, or answers the wrong request);
- ``intermittent``: it fails sometimes, whatever the connection (k of n).

The last two are not what the probe's rule is about: the run reports each kind once, under
``connection-stable``, listing the probes it showed in, instead of one failure per rule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fuzz_harness.exchange import Answer, Request, Sender

CONSISTENT, REUSED, INTERMITTENT = "consistent", "reused connection", "intermittent"
RULE = "connection-stable"
TRIES = 3
PAIR_TRIES = 2


@dataclass(frozen=True)
class Recheck:
    kind: str
    text: str


def recheck(
    sender: Sender,
    request: Request,
    previous: Request | None,
    fails: Callable[[Answer], bool],
) -> Recheck:
    """Send ``request`` again and classify the failure it showed once (see the module)."""
    fresh = sum(fails(sender.send_fresh(request)[0]) for _ in range(TRIES))
    if fresh == TRIES:
        return Recheck(CONSISTENT, f"fails again alone on a fresh connection ({TRIES} of {TRIES})")
    paired = 0
    if fresh == 0 and previous is not None:
        paired = sum(fails(sender.send_fresh(previous, request)[-1]) for _ in range(PAIR_TRIES))
        if paired == PAIR_TRIES:
            return Recheck(
                REUSED,
                f"only on a reused connection: it fails right after the request before it on"
                f" the same connection ({PAIR_TRIES} of {PAIR_TRIES}) and passes alone on a"
                f" fresh one ({TRIES} of {TRIES})",
            )
    tries = 1 + TRIES + (PAIR_TRIES if fresh == 0 and previous is not None else 0)
    return Recheck(
        INTERMITTENT, f"intermittent: failed {1 + fresh + paired} of {tries} sends of it"
    )
