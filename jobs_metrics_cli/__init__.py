"""``jobs-metrics``: the toolkit's one command, installed with the toolkit wheel.

Each subcommand hands its arguments, unchanged, to the tool that owns the capability, so
``jobs-metrics fuzz --help`` is the harness' own help and the make targets, the command and
``python -m <package>`` can never disagree:

- ``fuzz``    - :mod:`fuzz_harness` ``run``: check a server against every rule of the spec
- ``replay``  - :mod:`fuzz_harness` ``replay``: resend one failure of a fuzz report
- ``serve``   - :mod:`reference_server` ``serve``: the reference implementation
- ``load``    - :mod:`reference_server` ``load``: import metrics into its database
- ``diff``    - :mod:`specdiff`: classify the changes between two versions of a spec
- ``version`` - the toolkit's version and the spec version it carries

Exit codes are the tools' own (``fuzz``: 0 conforms, 1 violations, 2 could not test).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from importlib.metadata import version

__all__ = ["main"]


def _fuzz(args: list[str]) -> int:
    from fuzz_harness.cli import main as harness

    return harness(["run", *args])


def _replay(args: list[str]) -> int:
    from fuzz_harness.cli import main as harness

    return harness(["replay", *args])


def _serve(args: list[str]) -> int:
    from reference_server.__main__ import main as server

    return server(["serve", *args])


def _load(args: list[str]) -> int:
    from reference_server.__main__ import main as server

    return server(["load", *args])


def _diff(args: list[str]) -> int:
    from specdiff.__main__ import main as specdiff

    return specdiff(args)


def _version(args: list[str]) -> int:
    from jobs_metrics_spec import spec_document

    spec = spec_document()
    print(f"jobs-metrics-toolkit {version('jobs-metrics-toolkit')}, spec {spec['info']['version']}")
    return 0


# Imports happen inside each command: `jobs-metrics serve` does not load schemathesis.
COMMANDS: dict[str, tuple[Callable[[list[str]], int], str]] = {
    "fuzz": (_fuzz, "check a server against every rule of the spec (--base-url ...)"),
    "replay": (_replay, "resend one failure of a fuzz report (failures/F<n>.json)"),
    "serve": (_serve, "run the reference server (127.0.0.1:8080, demo data)"),
    "load": (_load, "import a metrics file into the reference server's database"),
    "diff": (_diff, "classify spec changes: breaking, possibly breaking, additive"),
    "version": (_version, "print the toolkit and spec versions"),
}


def usage() -> str:
    lines = ["usage: jobs-metrics <command> [arguments]   (jobs-metrics <command> --help)", ""]
    lines += [f"  {name:<8} {text}" for name, (_, text) in COMMANDS.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(usage())
        return 0 if args else 2
    command = COMMANDS.get(args[0])
    if command is None:
        print(f"jobs-metrics: unknown command {args[0]!r}\n\n{usage()}", file=sys.stderr)
        return 2
    return command[0](args[1:])
