"""Run in a child interpreter by ``tests/test_import_side_effects.py``: import every module of
the named packages and print, one JSON line each, what importing did that only a running
command may do (a file read, an environment variable read, a child process started).

Why a child: the parent's modules are already imported (and its audit hooks would stay for
the whole test session: ``sys.addaudithook`` cannot be undone).

What counts: an action whose innermost frame outside the import machinery is in one of our
packages. Reading a module's own code (``.py``, ``.pyc``, extension modules) is the import
itself; a third-party module's own import-time work is not ours to judge.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import sys
import sysconfig
from pathlib import Path
from types import FrameType
from typing import Any

# Packages to import, then (after ``--skip``) modules whose import is a command starting.
_WANTED, _, _SKIPPED = (" ".join(sys.argv[1:]) + " ").partition(" --skip ")
PACKAGES, SKIPPED = _WANTED.split(), _SKIPPED.split()
CODE_SUFFIXES = (".py", ".pyc", ".so", ".pyd")
PROCESS_EVENTS = ("subprocess.Popen", "os.posix_spawn", "os.fork", "os.system", "os.exec")
found: list[dict[str, str]] = []
importing: list[str] = []


STDLIB = sysconfig.get_paths()["stdlib"]


def _our_frame(frame: FrameType | None) -> tuple[str, bool] | None:
    """Where an action was caused by our code, and whether directly: walking out from the
    innermost frame, past the standard library (the import machinery, ``pathlib``,
    ``subprocess``), to the first frame of ours - direct when no third-party frame came
    between (a third-party function our code called, ``BaseSettings()``, is indirect); None
    when a third-party module's own import-time code (its ``<module>`` frame) comes first."""
    direct = True
    while frame is not None:
        name = frame.f_globals.get("__name__", "")
        filename = frame.f_code.co_filename
        in_stdlib = filename.startswith(("<frozen", STDLIB)) and "-packages" not in filename
        if not in_stdlib and name != __name__:
            if name.split(".")[0] in PACKAGES:
                return " <- ".join(_our_callers(frame)), direct
            if frame.f_code.co_name == "<module>":
                return None
            direct = False
        frame = frame.f_back
    return None


# What is ours to read, when a library reads it for our code: our variables, and files of
# our packages and the spec's folder (a library reading its own configuration, pydantic's
# PYDANTIC_DISABLE_PLUGINS or its plugins' entry points when a model is defined, is the
# library's business).
OUR_VARIABLES = ("JOBS_METRICS_", "JM_")


def _ours(kind: str, what: str) -> bool:
    if kind == "environment":
        return what.startswith(OUR_VARIABLES)
    if kind == "file":
        return any(f"/{folder}/" in what for folder in (*PACKAGES, "openapi"))
    return True


def _our_callers(frame: FrameType | None) -> list[str]:
    """``module:line`` of each frame of ours from ``frame`` out to the module being imported."""
    callers = []
    while frame is not None:
        name = frame.f_globals.get("__name__", "")
        if name.split(".")[0] in PACKAGES:
            callers.append(f"{name}:{frame.f_lineno}")
            if frame.f_code.co_name == "<module>":
                break
        frame = frame.f_back
    return callers


def _note(kind: str, what: str) -> None:
    caused = _our_frame(sys._getframe(2))
    if caused is not None and (caused[1] or _ours(kind, what)):
        found.append({"module": importing[-1], "kind": kind, "what": what, "where": caused[0]})


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if event == "open":
        path = str(args[0])
        if isinstance(args[0], int) or path.endswith(CODE_SUFFIXES) or Path(path).is_dir():
            return
        _note("file", path)
    elif event.startswith(PROCESS_EVENTS):
        _note("process", event)


class _RecordingEnviron(os._Environ):  # type: ignore[type-arg]  # os.environ's own class
    """``os.environ`` that notes each read (``os.getenv`` reads through it too)."""

    def __getitem__(self, key: str) -> str:
        _note("environment", key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        _note("environment", str(key))
        return super().__contains__(key)


def _forget_cached_reads() -> None:
    """Clear the ``functools.cache`` of every function of ours: a read cached by one module's
    import would otherwise hide the same read done by the next module's."""
    for module in list(sys.modules.values()):
        if getattr(module, "__name__", "").split(".")[0] not in PACKAGES:
            continue
        for value in list(vars(module).values()):
            clear = getattr(value, "cache_clear", None)
            if callable(clear):
                clear()


def main() -> None:
    modules: list[str] = []
    for package in PACKAGES:
        # Found on disk, not by pkgutil.walk_packages: that imports each subpackage to look
        # inside, before the hook is on, and its imports would go unseen.
        root = importlib.util.find_spec(package)
        assert root is not None, package
        assert root.submodule_search_locations, package
        for folder in root.submodule_search_locations:
            for path in sorted(Path(folder).rglob("*.py")):
                parts = path.relative_to(folder).with_suffix("").parts
                name = ".".join((package, *parts)).removesuffix(".__init__")
                if parts[-1] != "__main__" and name not in SKIPPED:
                    modules.append(name)
    sys.addaudithook(_hook)
    os.environ.__class__ = _RecordingEnviron
    for name in modules:
        importing.append(name)
        importlib.import_module(name)
        _forget_cached_reads()
    for item in found:
        print(json.dumps(item))


if __name__ == "__main__":
    main()
