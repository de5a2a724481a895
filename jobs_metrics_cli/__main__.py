"""``python -m jobs_metrics_cli``: the same as the ``jobs-metrics`` command."""

import sys

from jobs_metrics_cli import main

sys.exit(main())
