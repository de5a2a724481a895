"""Processes that must not outlive the process that started them.

A ``kill -9`` of Granian's main process used to leave its worker serving for minutes (parent
PID 1) and holding the port, so a restart was refused until someone found it. Linux can
deliver a signal to a process when its parent dies (``prctl(PR_SET_PDEATHSIG)``); elsewhere
a watchdog thread polls the parent's PID (the fallback, also used when ``prctl`` fails).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
WATCHDOG_INTERVAL = 0.5  # seconds between two looks at the parent's PID (fallback only)


def die_with_parent(sig: int = signal.SIGTERM) -> str:
    """Arrange for this process to get ``sig`` when its parent exits; return how.

    Must be called in the child. If the parent already died before the call (a race
    ``prctl`` cannot see), the process signals itself at once.
    """
    parent = os.getppid()
    how = "watchdog"
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            if libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0:
                how = "prctl"
        except OSError:
            pass
    if how == "watchdog":
        threading.Thread(target=_watch, args=(parent, sig), daemon=True).start()
    if os.getppid() != parent:  # the parent died before prctl took effect
        os.kill(os.getpid(), sig)
    return how


def _watch(parent: int, sig: int) -> None:
    while os.getppid() == parent:
        time.sleep(WATCHDOG_INTERVAL)
    os.kill(os.getpid(), sig)
