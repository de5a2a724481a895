"""``python -m specdiff``: the ``jobs-metrics diff`` command (:func:`specdiff.cli.main`)."""

import sys

from specdiff.cli import main

if __name__ == "__main__":
    sys.exit(main())
