"""``make fuzz-selftest``: a thin entry point to ``python -m fuzz_harness selftest``."""

from __future__ import annotations

import sys

from fuzz_harness.cli import main

if __name__ == "__main__":
    sys.exit(main(["selftest", *sys.argv[1:]]))
