"""What one fuzz run is asked to do: the target, the identities it may use, the data it knows.

Built from the command line (``jobs-metrics fuzz --help``; ``make fuzz`` exports its knobs as
the options' environment variables). The command line checks each option's type and range;
this module checks them together (identities, job sets, rules to skip) before a request is
sent: a bad option is exit 2 with one line saying which and why.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

from fuzz_harness.jobids import JobIdsError, JobIdSet
from fuzz_harness.transport import Transport
from jobs_metrics_spec import demo, spec_project_ids

MODES = ("positive", "negative", "all")


class OptionsError(ValueError):
    """An option that makes the run impossible; exit 2."""


@dataclass(frozen=True)
class Identity:
    """A token (and an AK/SK pair), the project they are for, and the jobs known to exist there.

    The AK/SK pair signs requests to the successor operation; without one, that operation's
    rules are "not exercised".
    """

    token: str
    project_id: str
    job_ids: JobIdSet
    variable: str  # the environment variable a user sets to reproduce with this token
    access_key: str = ""
    secret_key: str = ""

    @property
    def ak_variable(self) -> str:
        """``AK`` beside ``AUTH_TOKEN``, ``OTHER_AK`` beside ``OTHER_AUTH_TOKEN``."""
        return self.variable.replace("AUTH_TOKEN", "AK")

    @property
    def sk_variable(self) -> str:
        return self.variable.replace("AUTH_TOKEN", "SK")

    @property
    def signs(self) -> bool:
        return bool(self.access_key and self.secret_key)


@dataclass(frozen=True)
class FuzzOptions:
    base_url: str | None  # None: a fresh reference server with its demo data
    identity: Identity
    other: Identity | None
    max_examples: int
    seed: int
    mode: str
    workers: int
    report_dir: Path
    # Where this run writes while it runs (its own folder; None: report_dir itself). The
    # reports are published into report_dir when the run ends, so two runs never share
    # working files and an aborted run leaves the previous report as it was.
    work_dir: Path | None = None
    # Should rules fail the run (h2spec's --strict); without it their failures are warnings.
    strict: bool = False
    # Rules the user deliberately differs from: reported "skipped", never "passed".
    skip_rules: frozenset[str] = frozenset()
    # How requests reach the server (TLS, proxy, extra headers, timeout, rate).
    transport: Transport = field(default_factory=Transport)
    # The operations to test (operationIds); empty: every operation of the spec.
    operations: frozenset[str] = frozenset()

    @property
    def secrets(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for identity in (self.identity, *([self.other] if self.other else [])):
            found[identity.variable] = identity.token
            if identity.signs:
                found[identity.ak_variable] = identity.access_key
                found[identity.sk_variable] = identity.secret_key
        return found

    def skips(self, key: str) -> bool:
        """Whether the user skipped a report row: by its key, or by the bare rule id (which
        skips the rule on every operation that has it)."""
        return key in self.skip_rules or key.rsplit("/", 1)[-1] in self.skip_rules

    @property
    def scratch_dir(self) -> Path:
        """Where the run's files are written while it runs."""
        return self.work_dir or self.report_dir


def demo_identities() -> tuple[Identity, Identity]:
    """The reference server's demo projects: what a run with no BASE_URL uses."""

    def ids(jobs: range) -> JobIdSet:
        return JobIdSet(((jobs.start, jobs.stop - 1),))

    d = demo
    return (
        Identity(d.TOKEN_A, d.PROJECT_A, ids(d.PROJECT_A_JOBS), "AUTH_TOKEN", d.ACCESS_KEY_A,
                 d.SECRET_KEY_A),
        Identity(d.TOKEN_B, d.PROJECT_B, ids(d.PROJECT_B_JOBS), "OTHER_AUTH_TOKEN",
                 d.ACCESS_KEY_B, d.SECRET_KEY_B),
    )  # fmt: skip


def build_options(
    *,
    base_url: str,
    auth_token: str,
    project_id: str,
    job_ids: str,
    other_auth_token: str,
    other_project_id: str,
    other_job_ids: str,
    max_examples: int,
    seed: int,
    mode: str,
    workers: int,
    report_dir: Path,
    demo: tuple[Identity, Identity] | None,
    ak: str = "",
    sk: str = "",
    other_ak: str = "",
    other_sk: str = "",
    strict: bool = False,
    skip_rules: str = "",
    rule_ids: Collection[str] = (),
) -> FuzzOptions:
    """Check the options together; ``demo`` fills in the reference server's identities."""
    url = base_url.strip().rstrip("/") or None
    if url is not None and not re.match(r"https?://[^/\s]+", url):
        raise OptionsError(f"BASE_URL {base_url!r} is not an http(s) URL")
    if url is None and demo is not None:
        first, second = demo
        identity = _identity(
            auth_token or first.token,
            project_id or first.project_id,
            job_ids or str(first.job_ids),
            "AUTH_TOKEN",
            (ak, sk) if ak or sk else (first.access_key, first.secret_key),
        )
        other = _identity(
            other_auth_token or second.token,
            other_project_id or second.project_id,
            other_job_ids or str(second.job_ids),
            "OTHER_AUTH_TOKEN",
            (other_ak, other_sk)
            if other_ak or other_sk
            else (second.access_key, second.secret_key),
        )
    else:
        if not auth_token or not project_id:
            raise OptionsError(
                "AUTH_TOKEN and PROJECT_ID are required with BASE_URL: a valid token and the"
                " project it was issued for"
            )
        identity = _identity(auth_token, project_id, job_ids, "AUTH_TOKEN", (ak, sk))
        other = None
        if other_auth_token or other_project_id or other_job_ids:
            if not other_auth_token or not other_project_id:
                raise OptionsError(
                    "OTHER_AUTH_TOKEN and OTHER_PROJECT_ID go together: a second valid token"
                    " and its project"
                )
            other = _identity(
                other_auth_token,
                other_project_id,
                other_job_ids,
                "OTHER_AUTH_TOKEN",
                (other_ak, other_sk),
            )
    if other is not None:
        if other.project_id == identity.project_id:
            raise OptionsError("OTHER_PROJECT_ID must differ from PROJECT_ID")
        if other.token == identity.token:
            raise OptionsError("OTHER_AUTH_TOKEN must differ from AUTH_TOKEN")
        if other.signs and other.access_key == identity.access_key:
            raise OptionsError("OTHER_AK must differ from AK")
        if identity.job_ids.overlaps(other.job_ids):
            raise OptionsError(
                "JOB_IDS and OTHER_JOB_IDS overlap: a job belongs to one project only"
            )
    # Ranges and choices of single options (MAX_EXAMPLES, WORKERS, MODE) are the command
    # line's types (fuzz_harness.cli); what is checked here is options together.
    skip = frozenset(filter(None, (part.strip() for part in skip_rules.split(","))))
    known = {*rule_ids, *(key.rsplit("/", 1)[-1] for key in rule_ids)}  # bare ids too
    unknown = sorted(skip - known)
    if unknown:
        raise OptionsError(
            f"SKIP_RULES: no rule {', '.join(map(repr, unknown))}; the rules are"
            f" {', '.join(rule_ids)}"
        )
    return FuzzOptions(
        url,
        identity,
        other,
        max_examples=max_examples,
        seed=seed,
        mode=mode,
        workers=workers,
        report_dir=report_dir,
        strict=strict,
        skip_rules=skip,
    )


def _identity(
    token: str, project_id: str, job_ids: str, variable: str, keys: tuple[str, str] = ("", "")
) -> Identity:
    label = "PROJECT_ID" if variable == "AUTH_TOKEN" else "OTHER_PROJECT_ID"
    access_key, secret_key = keys
    if bool(access_key) != bool(secret_key):
        ak, sk = variable.replace("AUTH_TOKEN", "AK"), variable.replace("AUTH_TOKEN", "SK")
        raise OptionsError(
            f"{ak} and {sk} go together: an access key of {label} and its secret key"
        )
    if not spec_project_ids().fullmatch(project_id):
        raise OptionsError(
            f"{label} {project_id!r} is not 32 lowercase hexadecimal characters (the spec's"
            " shape); no valid request could be sent"
        )
    try:
        ids = JobIdSet.parse(job_ids)
    except JobIdsError as exc:
        name = "JOB_IDS" if variable == "AUTH_TOKEN" else "OTHER_JOB_IDS"
        raise OptionsError(f"{name}: {exc}") from None
    return Identity(token, project_id, ids, variable, access_key, secret_key)
