"""Every limit of the stand-in, each with its reason (STAND_IN.md has the table; each one is
tested in ``tests/stand_in/test_limits.py``).

The stand-in is one process holding every sandbox in memory, shared by a test suite's
workers: each limit keeps one careless test from taking the memory or the time of the others.
A request to the control API that would pass one is refused in one line naming the limit.
"""

from __future__ import annotations

# Sandboxes alive at once: a parallel test suite creating one per test and closing it holds a
# few dozen; 256 leave room for leaks to show as a refusal, not as memory growth.
MAX_SANDBOXES = 256
# Jobs one sandbox holds: ten answers of the largest request (1,000 IDs), about 3 MB.
MAX_JOBS = 10_000
# Script entries one sandbox holds (spent ones included, until the script is cleared).
MAX_SCRIPT_ENTRIES = 100
# Requests one sandbox's journal keeps; older ones are dropped (and counted), never refused:
# a journal limit must not change what the API answers.
MAX_JOURNAL_ENTRIES = 1_000
# Bytes of a request body kept in a journal entry (the body's full size is recorded).
MAX_JOURNAL_BODY_BYTES = 8 * 1024
# Seconds one delay entry may add, and one hang or dribble may last: a test waiting longer
# than a minute for one answer tests nothing a shorter wait does not.
MAX_DELAY_SECONDS = 60.0
MAX_HANG_SECONDS = 120.0
# Bytes of a control API request body: MAX_JOBS jobs of a generous size.
MAX_CONTROL_BODY_BYTES = 16 * 1024 * 1024
# Jobs generated from the schema in one call.
MAX_GENERATED_JOBS = MAX_JOBS
# A throttle's limit: above the gateway's default of 200 calls per second per API.
MAX_PER_SECOND = 10_000

LIMITS = {
    "sandboxes": MAX_SANDBOXES,
    "jobs_per_sandbox": MAX_JOBS,
    "script_entries_per_sandbox": MAX_SCRIPT_ENTRIES,
    "journal_entries_per_sandbox": MAX_JOURNAL_ENTRIES,
    "journal_body_bytes": MAX_JOURNAL_BODY_BYTES,
    "delay_seconds": MAX_DELAY_SECONDS,
    "hang_seconds": MAX_HANG_SECONDS,
    "control_body_bytes": MAX_CONTROL_BODY_BYTES,
    "throttle_per_second": MAX_PER_SECOND,
}
