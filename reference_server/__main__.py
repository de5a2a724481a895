"""``python -m reference_server serve|load``: the same commands as ``jobs-metrics serve|load``
(:mod:`reference_server.cli`)."""

import sys

from reference_server.cli import main

if __name__ == "__main__":
    sys.exit(main())
