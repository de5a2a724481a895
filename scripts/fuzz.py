"""``make fuzz``: a thin entry point to :mod:`fuzz_harness` (``python -m fuzz_harness run``)."""

from __future__ import annotations

import sys

from fuzz_harness.cli import main

if __name__ == "__main__":
    sys.exit(main(["run", *sys.argv[1:]]))
