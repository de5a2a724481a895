"""``python -m jobs_metrics_stand_in [OPTIONS]``: the stand-in (``jobs-metrics stand-in``)."""

import sys

from jobs_metrics_stand_in.cli import main

if __name__ == "__main__":
    sys.exit(main())
