"""Sets of job IDs written as ``1-600,9223372036854775807``: parse, test, sample.

The fuzzer is told which jobs exist (``JOB_IDS``) and which belong to another project
(``OTHER_JOB_IDS``). Real sets can be large (a range of 10^9 IDs), so they are kept as
inclusive ranges, never expanded.
"""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass

INT64_MAX = 2**63 - 1


class JobIdsError(ValueError):
    """A job ID list that cannot be read; the message says which part and why."""


@dataclass(frozen=True)
class JobIdSet:
    """Sorted, disjoint inclusive ranges of non-negative int64 job IDs."""

    ranges: tuple[tuple[int, int], ...] = ()

    @classmethod
    def parse(cls, text: str | None) -> JobIdSet:
        """``"1-600,7,9223372036854775807"`` -> a set; empty or None -> the empty set."""
        pairs: list[tuple[int, int]] = []
        for part in filter(None, (p.strip() for p in (text or "").split(","))):
            low_text, dash, high_text = part.partition("-")
            try:
                low = int(low_text)
                high = int(high_text) if dash else low
            except ValueError:
                raise JobIdsError(
                    f"{part!r} is neither a job ID nor a range such as 1-600"
                ) from None
            if not 0 <= low <= high <= INT64_MAX:
                raise JobIdsError(
                    f"{part!r}: job IDs are 0 to {INT64_MAX}, and a range goes low-high"
                )
            pairs.append((low, high))
        merged: list[tuple[int, int]] = []
        for low, high in sorted(pairs):
            if merged and low <= merged[-1][1] + 1:
                merged[-1] = (merged[-1][0], max(merged[-1][1], high))
            else:
                merged.append((low, high))
        return cls(tuple(merged))

    def __bool__(self) -> bool:
        return bool(self.ranges)

    @property
    def size(self) -> int:
        """How many IDs (may exceed what ``len()`` can return: up to 2^63)."""
        return sum(high - low + 1 for low, high in self.ranges)

    def __contains__(self, job_id: object) -> bool:
        if not isinstance(job_id, int) or isinstance(job_id, bool):
            return False
        index = bisect.bisect_right(self.ranges, (job_id, INT64_MAX)) - 1
        return index >= 0 and self.ranges[index][0] <= job_id <= self.ranges[index][1]

    def overlaps(self, other: JobIdSet) -> bool:
        return any(
            low <= other_high and other_low <= high
            for low, high in self.ranges
            for other_low, other_high in other.ranges
        )

    def sample(self, rng: random.Random, count: int) -> list[int]:
        """Up to ``count`` distinct IDs, uniformly over the whole set."""
        size = self.size
        if size <= 10**6:
            picks = rng.sample(range(size), min(count, size))
        else:  # far more IDs than asked for: repeats are rare, so draw until enough
            chosen: dict[int, None] = {}
            while len(chosen) < count:
                chosen[rng.randrange(size)] = None
            picks = list(chosen)
        return [self._nth(index) for index in picks]

    def _nth(self, index: int) -> int:
        for low, high in self.ranges:
            width = high - low + 1
            if index < width:
                return low + index
            index -= width
        raise IndexError(index)

    def __str__(self) -> str:
        return ",".join(str(low) if low == high else f"{low}-{high}" for low, high in self.ranges)
