"""Reading a file a user names (credentials, a script, a CA bundle) as an input should be
read: a regular file of a bounded size, opened without blocking.

Why one helper: ``Path.read_bytes`` on a FIFO waits for a writer for good, and on
``/dev/zero`` reads until memory runs out; each command that reads a user's file got that
wrong once (``serve --aksk-file``, ``stand-in --script``). The type is checked on the open
descriptor, so a file swapped for a FIFO between a check and the open cannot hang either.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


class InputFileError(ValueError):
    """Why a file cannot be used as an input, in a few words; the caller names the file."""


def read_input_file(path: Path, max_bytes: int) -> bytes:
    """The bytes of ``path``, a regular file of at most ``max_bytes``."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise InputFileError(exc.strerror or str(exc)) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise InputFileError("not a regular file")
        with os.fdopen(os.dup(fd), "rb") as file:
            data = file.read(max_bytes + 1)
    except OSError as exc:
        raise InputFileError(exc.strerror or str(exc)) from None
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise InputFileError(f"larger than {max_bytes} bytes")
    return data
