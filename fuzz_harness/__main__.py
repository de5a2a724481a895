"""``python -m fuzz_harness``: the harness' commands (:mod:`fuzz_harness.cli`)."""

import sys

from fuzz_harness.cli import main

if __name__ == "__main__":
    sys.exit(main())
