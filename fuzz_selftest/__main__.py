"""``python -m fuzz_selftest``: what ``make fuzz-selftest`` runs."""

import sys

from fuzz_selftest.cli import main

sys.exit(main())
