"""``python -m fuzz_harness``: see :mod:`fuzz_harness.cli`."""

import sys

from fuzz_harness.cli import main

sys.exit(main())
