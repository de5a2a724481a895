"""Serve the reference server with one injected fault: ``python -m fuzz_harness.fault_server``.

The same command line as ``python -m reference_server serve`` plus ``--fault NAME``, so
:class:`fuzz_harness.server_process.ServerProcess` starts either the same way. Granian
imports :func:`create_faulty_app` in its worker, where only the environment travels: the
fault's name goes in ``JM_FAULT`` (the reference server's own options in its variables).
"""

from __future__ import annotations

import os
import sys

from fuzz_harness.faults import FAULTS, faulty_app
from reference_server.asgi_types import ASGIApp
from reference_server.settings import Settings

ENV_FAULT = "JM_FAULT"


def create_faulty_app() -> ASGIApp:
    return faulty_app(os.environ[ENV_FAULT], Settings.from_env())


def main(argv: list[str] | None = None) -> int:
    from reference_server.__main__ import main as reference_main

    args = list(sys.argv[1:] if argv is None else argv)
    if "--fault" not in args:
        print(
            f"usage: --fault NAME (one of {', '.join(FAULTS)}) and the serve options",
            file=sys.stderr,
        )
        return 2
    index = args.index("--fault")
    name = args[index + 1]
    if name not in FAULTS:
        print(f"unknown fault {name!r}; known: {', '.join(FAULTS)}", file=sys.stderr)
        return 2
    os.environ[ENV_FAULT] = name
    del args[index : index + 2]
    return reference_main(args, factory="fuzz_harness.fault_server:create_faulty_app")


if __name__ == "__main__":
    sys.exit(main())
