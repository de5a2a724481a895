"""Operating-system limits the server raises for itself at start."""

from __future__ import annotations

import resource
import sys


def raise_open_file_limit(wanted: int) -> None:
    """Lift the soft limit on open files towards ``wanted`` (each connection is one).

    A soft limit of 1,024 (common on Linux) would refuse connections long before
    ``--max-connections``; the hard limit is the most an unprivileged process may take.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    if target < wanted:
        print(
            f"warning: open-file limit {hard} is below the {wanted} wanted (one per"
            " connection); raise the hard limit (ulimit -Hn) or lower --max-connections",
            file=sys.stderr,
        )
