"""The body helper: a child interpreter that parses large request bodies off the event loop.

Why a child interpreter (running this module's ``main``) and not a
``multiprocessing`` pool: a spawned pool worker re-imports its parent's main script, so a
script that builds the app without a ``__main__`` guard ran again inside the helper (the
spec diff's pattern checker met the same trap). This one runs this module and nothing else.

Protocol on stdin/stdout, one request at a time: a 4-byte big-endian length and the body in;
a 4-byte length and a JSON document out: the list of job IDs, or ``{"error_id", "cause"}``.
The helper dies with its parent (the worker) and runs at a lower priority, so that on a busy
machine the event loop, and every other client, gets the CPU first.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import struct
import subprocess
import sys
import threading
from typing import IO

import orjson

from reference_server import request_body
from reference_server.errors import Refusal
from reference_server.lifetime import die_with_parent

HEADER = struct.Struct(">I")
NICENESS = 10
# Bodies up to this size are parsed on the event loop (at most ~1 ms of CPU, whatever they
# hold); a full request of 1,000 twenty-digit IDs is about 22 KB. Larger ones go to the
# helper.
INLINE_LIMIT = 32 * 1024


class BodyParser:
    """Job IDs of a body: small bodies on the event loop, large ones in the body helper.

    Parsing 1 MiB of the costliest shape (349,000 ``[]``) takes ~30 ms of CPU inside one C
    call, which no thread can interrupt (it holds the GIL). Two clients sending such bodies
    back to back kept the event loop busy: a normal client's median went from 1 ms to 60 ms.
    In the helper the parse costs the attackers time, not the others: the event loop only
    hands over the bytes and awaits.
    """

    def __init__(self, inline_limit: int = INLINE_LIMIT) -> None:
        self.inline_limit = inline_limit
        # One helper per process, whatever the number of apps in it (tests and scripts
        # build several): each is an interpreter of ~50 MB.
        self.helper = SHARED_HELPER

    def inline_job_ids(self, body: bytes) -> list[int] | None:
        """The job IDs of a body small enough to parse here; None for one that is not."""
        if len(body) <= self.inline_limit:
            return request_body.job_ids_of(body)
        return None

    async def job_ids(self, body: bytes) -> list[int]:
        job_ids = self.inline_job_ids(body)
        return job_ids if job_ids is not None else await self.helper.job_ids(body)

    def close(self) -> None:
        self.helper.close()


# The answer for a body whose parse failed in a way no body should make it fail (a bug):
# the request gets the internal-error answer, and the helper lives on for the next body.
INTERNAL = "internal"


def decide(body: bytes) -> bytes:
    """The answer frame's payload for ``body``: its job IDs, or the refusal.

    Any failure of one body is that body's answer, never the helper's death: a helper that
    died took 0.6-0.9 s to replace, and every request queued on it waited or failed."""
    try:
        return orjson.dumps(request_body.job_ids_of(body))
    except Refusal as exc:
        return orjson.dumps({"rule": exc.rule_id, "cause": exc.cause})
    except Exception as exc:
        return orjson.dumps({"rule": INTERNAL, "cause": type(exc).__name__})


def _read_exactly(stream: IO[bytes], size: int) -> bytes | None:
    data = stream.read(size)
    return data if len(data) == size else None


def serve(source: IO[bytes], sink: IO[bytes]) -> None:
    """Answer frames until the parent closes the pipe."""
    while (header := _read_exactly(source, HEADER.size)) is not None:
        body = _read_exactly(source, HEADER.unpack(header)[0])
        if body is None:
            return
        answer = decide(body)
        sink.write(HEADER.pack(len(answer)) + answer)
        sink.flush()


def main() -> int:
    die_with_parent()
    with contextlib.suppress(OSError):
        os.nice(NICENESS)
    serve(sys.stdin.buffer, sys.stdout.buffer)
    return 0


_HELPER_MAIN = "import sys; from reference_server.body_helper import main; sys.exit(main())"


class BodyHelper:
    """The worker's side: one child, started on first use, one body at a time.

    The child is started from the event loop's thread (``PR_SET_PDEATHSIG`` ties it to the
    thread that started it, and that one lives as long as the worker); each exchange runs in
    a thread of the loop's default executor, which waits on the pipe without holding the
    GIL. A plain ``subprocess.Popen`` rather than asyncio's subprocesses: it belongs to no
    event loop, so code that runs the app under a new loop per call (tests, scripts) shares
    it too, and an exchange whose request was cancelled still completes, so the pipe never
    holds half a frame. A helper that died is replaced, once, for the same body.
    """

    def __init__(self) -> None:
        self._process: subprocess.Popen[bytes] | None = None
        self._turn = threading.Lock()  # one body at a time: attackers queue behind each other
        self._spawn = threading.Lock()  # held for moments only: the event loop takes it

    async def job_ids(self, body: bytes) -> list[int]:
        loop = asyncio.get_running_loop()
        for attempt in range(2):
            process = self._start()
            try:
                answer = await loop.run_in_executor(None, self._exchange, process, body)
                break
            except (OSError, EOFError):
                # That child died (killed, out of memory): retired, and only that one - a
                # child started meanwhile serves other requests - then a new one, once.
                self._retire(process)
                if attempt:
                    raise
        outcome = orjson.loads(answer)
        if isinstance(outcome, dict):
            if outcome["rule"] == INTERNAL:
                raise Refusal("internal-error", "An internal error occurred.")
            raise Refusal(outcome["rule"], outcome["cause"])
        job_ids: list[int] = outcome
        return job_ids

    def _start(self) -> subprocess.Popen[bytes]:
        with self._spawn:
            if self._process is None or self._process.poll() is not None:
                self._process = subprocess.Popen(
                    # Its main called, not run as ``-m``: the package imports this module
                    # first, and runpy then warned (RuntimeWarning) on every start.
                    [sys.executable, "-c", _HELPER_MAIN],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                )
            return self._process

    def _exchange(self, process: subprocess.Popen[bytes], body: bytes) -> bytes:
        with self._turn:
            if process is not self._process or process.stdin is None or process.stdout is None:
                raise EOFError("that body helper was retired while this body waited")
            process.stdin.write(HEADER.pack(len(body)) + body)
            process.stdin.flush()
            header = _read_exactly(process.stdout, HEADER.size)
            answer = header and _read_exactly(process.stdout, HEADER.unpack(header)[0])
            if answer is None or header is None:
                raise EOFError("the body helper exited")
            return answer

    @property
    def pid(self) -> int | None:
        """The running child's PID (for tests and operators), None before the first body."""
        process = self._process
        return process.pid if process is not None and process.poll() is None else None

    def close(self) -> None:
        with self._spawn:
            process, self._process = self._process, None
        if process is not None:
            _stop(process)

    def _retire(self, process: subprocess.Popen[bytes]) -> None:
        """Stop ``process`` (a child that failed), and forget it if it is still the current
        one; a newer child is left alone."""
        with self._spawn:
            if self._process is process:
                self._process = None
        _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(OSError):
        process.kill()
    process.wait()
    for pipe in (process.stdin, process.stdout):
        if pipe is not None:
            with contextlib.suppress(OSError):
                pipe.close()


SHARED_HELPER = BodyHelper()


if __name__ == "__main__":
    sys.exit(main())
