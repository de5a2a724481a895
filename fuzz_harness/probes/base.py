"""What every family of probes shares: a probe, the request it sends, the identities' job
IDs, the near misses of a credential, and the registry a family keeps its makers in."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from fuzz_harness.exchange import Request, Signing, scheme_of
from fuzz_harness.jobids import INT64_MAX
from fuzz_harness.options import FuzzOptions, Identity
from jobs_metrics_spec import Contract

JSON = ("Content-Type", "application/json")


@dataclass(frozen=True)
class Probe:
    rule: str
    name: str
    request: Request
    # Who sends it: a 200 answer is held to this identity's known jobs (and the other's
    # jobs count as foreign).
    asker: Identity | None = None
    # A must rule a probe of a should rule also tests: any answer but a refusal with the
    # error body breaks it (the should rule only says which refusal).
    floor: str | None = None
    # The answer has no body by HTTP's definition (HEAD): judged on status and headers.
    bodiless: bool = False
    # A redirect (307/308) to this path is as good as the refusal: a client that follows it
    # reaches the operation itself (frameworks redirect a trailing slash by default).
    redirect_to: str | None = None
    # The jobs the canonical request got: a meaning-preserving transform of it must get
    # exactly these (fuzz_harness.transforms).
    expected_jobs: tuple[Any, ...] | None = None


@dataclass(frozen=True)
class Skipped:
    rule: str
    reason: str


def path_for(contract: Contract, project_id: str) -> str:
    return contract.path.format(project_id=project_id)


def token_header(identity: Identity, spelling: str = "${}") -> tuple[str, str]:
    """The identity's token header; ``spelling`` makes a near miss of it (see exchange)."""
    return ("X-Auth-Token", spelling.replace("{}", identity.variable))


def auth_headers(contract: Contract, identity: Identity) -> tuple[tuple[str, str], ...]:
    """The auth headers a probe lists: the token, or none for a signed operation (the
    sender adds the signature when it sends, see :class:`Signing`)."""
    return () if contract.signed else (token_header(identity),)


def signing_of(identity: Identity, **fault: Any) -> Signing:
    """The identity's signature, with one signing fault if asked (see :class:`Signing`)."""
    keys = {"access": f"${identity.ak_variable}", "secret": f"${identity.sk_variable}"}
    return Signing(**{**keys, **fault})


def post(
    contract: Contract,
    identity: Identity,
    body: Any,
    *,
    project_id: str | None = None,
    headers: tuple[tuple[str, str], ...] | None = None,
    token: tuple[str, str] | None = None,
    method: str = "POST",
    signing: Signing | None = None,
) -> Request:
    """A request to ``contract``'s operation, authenticated as ``identity`` (its token, or
    signed with its AK/SK, ``signing`` saying how) unless ``headers`` say otherwise."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    auth = (token,) if token else auth_headers(contract, identity)
    chosen = headers if headers is not None else (*auth, JSON)
    sign = (signing or signing_of(identity)) if contract.signed else None
    if sign is not None and sign.scheme is None:  # signed as the spec under test says
        sign = replace(sign, scheme=scheme_of(contract.signature))
    path = path_for(contract, project_id or identity.project_id)
    return Request(method, path, chosen, raw, signing=sign)


def unknown_ids(rng: random.Random, options: FuzzOptions, count: int) -> list[int]:
    """IDs we do not know to exist (they may, on a server with more jobs than JOB_IDS)."""
    taken = [options.identity.job_ids, *([options.other.job_ids] if options.other else [])]
    found: list[int] = []
    while len(found) < count:
        candidate = rng.randrange(10**12, INT64_MAX)
        if not any(candidate in ids for ids in taken) and candidate not in found:
            found.append(candidate)
    return found


def some_ids(rng: random.Random, identity: Identity, count: int) -> list[int]:
    return identity.job_ids.sample(rng, count) if identity.job_ids else [1, 2][:count]


def other_project(identity: Identity) -> str:
    """A well-formed project ID that is not the token's."""
    flipped = "".join("0123456789abcdef"[15 - int(c, 16)] for c in identity.project_id)
    return flipped


def malformed_projects(project_id: str) -> list[str]:
    upper = project_id.upper() if project_id.upper() != project_id else "ABCDEF" + project_id[6:]
    return [upper, project_id[:-1], project_id + "0", "g" + project_id[1:]]


ProbeMaker = Callable[[Contract, FuzzOptions, random.Random], Iterator[Probe | Skipped]]


class Family:
    """The probe makers of one family of rules (the spec's ``family``: ``auth``, ``body``...),
    each registered beside its code by the rule id it probes (:meth:`probes`)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.makers: dict[str, ProbeMaker] = {}

    def probes(self, rule: str) -> Callable[[ProbeMaker], ProbeMaker]:
        def register(maker: ProbeMaker) -> ProbeMaker:
            self.makers[rule] = maker
            return maker

        return register


def refusal(rule: str, name: str, request: Request) -> Probe:
    return Probe(rule, name, request)


def data_probe(
    contract: Contract, rule: str, name: str, identity: Identity, ids: list[int]
) -> Probe:
    return Probe(rule, name, post(contract, identity, {"job_ids": ids}), identity)


def near_misses(variable: str, value: str, what: str) -> list[tuple[str, str]]:
    """The near misses of a credential (a token, an access key, a secret key): ``what`` with
    a character appended, with its last dropped, and in swapped letter case (where that
    changes it). A comparison by prefix, by length or without case accepts one of them.
    Spelled as bash expansions of ``variable`` (:mod:`fuzz_harness.exchange` expands them),
    so reports never show the credential."""
    misses = [
        (f"{what} with a character appended", f"${{{variable}}}x"),
        (f"{what} with its last character dropped", f"${{{variable}%?}}"),
    ]
    if value.swapcase() != value:
        misses.append((f"{what} in swapped letter case", f"${{{variable}~~}}"))
    return misses


# Room left under max_header_bytes for the headers the HTTP client and a proxy add (Host,
# User-Agent, Accept, X-Forwarded-For, ...): "just under" the limit is this far below it.
HEADER_MARGIN = 1024


def padded(ids: list[int], size: int) -> bytes:
    core = json.dumps({"job_ids": ids}).encode()
    return core + b" " * (size - len(core))


# The largest padding field: common HTTP servers cap one field at 8 KiB (aiohttp) while the
# spec's limit is on the whole block, so the block is made of fields below that.
FIELD_BYTES = 4000


# What a signature adds to the headers a probe lists: Host, X-Sdk-Date and Authorization.
SIGNATURE_BYTES = 300


def header_block(contract: Contract, identity: Identity, size: int) -> tuple[tuple[str, str], ...]:
    """The auth headers and content type, padded so that names and values add up to ``size``."""
    fixed = (*auth_headers(contract, identity), JSON)
    used = sum(len(name) + len(value) for name, value in fixed)
    if contract.signed:
        used += SIGNATURE_BYTES
    else:
        used += len(identity.token) - len(f"${identity.variable}")  # the placeholder is resolved
    padding: list[tuple[str, str]] = []
    left = size - used
    while left > 0:  # fields of at most FIELD_BYTES: the limit is on the block, not one field
        name = f"X-JM-Fuzz-Padding-{len(padding)}"
        value = "a" * max(1, min(FIELD_BYTES, left - len(name)))
        padding.append((name, value))
        left -= len(name) + len(value)
    return (*fixed, *padding)
