"""Imports go one way (ARCHITECTURE.md): a module importing against the layers fails here."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.support import ROOT

OURS = {
    "jobs_metrics_spec",
    "jobs_metrics_models",
    "jobs_metrics_client",
    "reference_server",
    "specdiff",
    "fuzz_harness",
    "fuzz_selftest",
    "jobs_metrics_stand_in",
    "jobs_metrics_cli",
    "scripts",
    "bench",
    "tests",
}
# Folder -> the packages of ours its modules may import (besides itself).
ALLOWED = {
    "jobs_metrics_spec": set(),
    "generated/jobs-metrics-models/jobs_metrics_models": set(),
    "generated/jobs-metrics-client/jobs_metrics_client": set(),
    "reference_server": {"jobs_metrics_models", "jobs_metrics_spec"},
    "specdiff": set(),
    # The harness judges a server it did not write: it never imports the reference server.
    "fuzz_harness": {"jobs_metrics_spec"},
    # Test support (not shipped): the fault-injected servers and the self-test's run.
    "fuzz_selftest": {"fuzz_harness", "reference_server", "jobs_metrics_spec"},
    # The stand-in (issue #33): an engine beside the harness, on the reference server's app.
    "jobs_metrics_stand_in": {"reference_server", "jobs_metrics_spec"},
    "jobs_metrics_cli": {
        "fuzz_harness",
        "jobs_metrics_stand_in",
        "reference_server",
        "specdiff",
        "jobs_metrics_spec",
    },
    "scripts": OURS - {"tests", "bench", "fuzz_selftest"},
    "bench": OURS - {"tests", "scripts"},  # fuzz_selftest: the self-test's time is a figure
}
SELF = {
    "generated/jobs-metrics-models/jobs_metrics_models": "jobs_metrics_models",
    "generated/jobs-metrics-client/jobs_metrics_client": "jobs_metrics_client",
}


def imported(path: Path) -> set[str]:
    """Top-level names of our packages that ``path`` imports (anywhere in the module)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found & OURS


@pytest.mark.parametrize("folder", sorted(ALLOWED))
def test_imports_follow_the_layers(folder: str) -> None:
    own = SELF.get(folder, folder.split("/")[-1])
    wrong = {
        str(path.relative_to(ROOT)): sorted(imported(path) - ALLOWED[folder] - {own})
        for path in (ROOT / folder).rglob("*.py")
        if imported(path) - ALLOWED[folder] - {own}
    }
    assert not wrong, f"imports against ARCHITECTURE.md: {wrong}"


def test_every_package_of_ours_has_a_layer() -> None:
    """A new top-level package must be placed in ARCHITECTURE.md and here."""
    packages = {
        path.parent.name
        for path in ROOT.glob("*/__init__.py")
        if path.parent.name not in ("tests",)
    }
    assert packages <= set(ALLOWED), packages - set(ALLOWED)


def test_the_checker_sees_a_wrong_arrow(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from fuzz_harness.judge import judge_body\nimport specdiff.catalogue\n")
    assert imported(bad) == {"fuzz_harness", "specdiff"}


# The packages whose public API is their top-level ``__all__`` (tools and tests are exempt:
# scripts, bench and tests may reach inside, nobody imports them).
PRODUCT = (
    "reference_server",
    "fuzz_harness",
    "specdiff",
    "jobs_metrics_cli",
    "jobs_metrics_spec",
    "jobs_metrics_stand_in",
)


def public_api(package: Path) -> set[str]:
    """The names in ``__all__`` of ``package/__init__.py``, read without importing it."""
    for node in ast.parse((package / "__init__.py").read_text()).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "__all__" for target in node.targets
        ):
            return set(ast.literal_eval(node.value))
    return set()


def private_imports(path: Path, own: str, root: Path = ROOT) -> list[str]:
    """Imports in ``path`` of another product package that go past its ``__all__``: a
    submodule (``from reference_server.store import Store``) or a name it does not export."""
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
            found += [f"import {m}" for m in modules if m.split(".")[0] in PRODUCT and "." in m
                      and m.split(".")[0] != own]  # fmt: skip
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            package = node.module.split(".")[0]
            if package not in PRODUCT or package == own:
                continue
            if node.module != package:
                found.append(f"from {node.module} import ... (a submodule)")
                continue
            exported = public_api(root / package)
            found += [f"from {package} import {alias.name} (not in its __all__)"
                      for alias in node.names if alias.name not in exported]  # fmt: skip
    return [f"{path.name}:{line}" for line in found]


@pytest.mark.parametrize("package", PRODUCT)
def test_other_layers_use_only_a_package_s_all(package: str) -> None:
    """ARCHITECTURE.md: each package's public API is its ``__all__``; another of our product
    packages imports from the package itself, and only names listed there."""
    wrong = [
        found
        for path in sorted((ROOT / package).rglob("*.py"))
        for found in private_imports(path, package)
    ]
    assert not wrong, wrong


def test_every_name_in_all_exists() -> None:
    """``__all__`` is a promise: each name it lists is importable from the package."""
    import importlib

    for package in PRODUCT:
        module = importlib.import_module(package)
        missing = sorted(name for name in public_api(ROOT / package) if not hasattr(module, name))
        assert not missing, (package, missing)


def test_the_public_api_checker_sees_a_private_import(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text('__all__ = ["Public"]\n')
    (tmp_path / "reference_server").mkdir()
    (tmp_path / "reference_server" / "__init__.py").write_text('__all__ = ["Settings"]\n')
    user = tmp_path / "user.py"
    user.write_text(
        "from reference_server import Settings\n"
        "from reference_server import Store\n"
        "from reference_server.store import Store\n"
        "import reference_server.app\n"
        "from fuzz_harness import nothing\n"  # its own package: not checked
    )
    assert private_imports(user, "fuzz_harness", root=tmp_path) == [
        "user.py:from reference_server import Store (not in its __all__)",
        "user.py:from reference_server.store import ... (a submodule)",
        "user.py:import reference_server.app",
    ]


def module_graph(package: Path, name: str) -> dict[str, set[str]]:
    """Module -> the modules of the same package it imports (anywhere in it, lazily too)."""
    graph: dict[str, set[str]] = {}
    for path in package.rglob("*.py"):
        module = ".".join((name, *path.relative_to(package).with_suffix("").parts))
        module = module.removesuffix(".__init__")
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module)
                found |= {f"{node.module}.{alias.name}" for alias in node.names}
        graph[module] = {m for m in found if m.startswith(name + ".")} - {module}
    return {module: targets & graph.keys() for module, targets in graph.items()}


def cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle of ``graph`` (modules in order), or [] when there is none."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> list[str]:
        state[module] = 1
        path.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (found := visit(target)):
                return found
        path.pop()
        state[module] = 2
        return []

    for module in sorted(graph):
        if module not in state and (found := visit(module)):
            return found
    return []


PACKAGES = {folder: SELF.get(folder, folder.split("/")[-1]) for folder in ALLOWED}


@pytest.mark.parametrize("folder", sorted(PACKAGES))
def test_no_import_cycle_inside_a_package(folder: str) -> None:
    """A module of a package never imports, even lazily, one that imports it back."""
    found = cycle(module_graph(ROOT / folder, PACKAGES[folder]))
    assert not found, "import cycle: " + " -> ".join(found)


def test_the_cycle_checker_sees_a_cycle(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("def f():\n    from pkg.b import g\n")
    (package / "b.py").write_text("from pkg import a\n")
    assert cycle(module_graph(package, "pkg")) == ["pkg.a", "pkg.b", "pkg.a"]


def test_the_version_command_reads_the_spec_without_the_fuzz_engine() -> None:
    """`jobs-metrics version` takes the spec from its core package: schemathesis, the fuzz
    engine and the server stay unloaded."""
    import subprocess
    import sys

    probe = (
        "import sys; from jobs_metrics_cli import main; main(['version']);"
        " print(sorted(m for m in ('schemathesis', 'fuzz_harness', 'reference_server')"
        " if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.splitlines()[-1] == "[]", result.stdout
    assert ", spec " in result.stdout


def test_jobs_metrics_is_one_click_group_with_one_line_usage_errors() -> None:
    """Every subcommand is listed; a usage error is one line on stderr and exit 2."""
    import subprocess
    import sys

    from jobs_metrics_cli import cli

    assert set(cli.list_commands(None)) == {  # type: ignore[arg-type]
        "fuzz",
        "replay",
        "serve",
        "stand-in",
        "load",
        "diff",
        "version",
    }
    from jobs_metrics_cli import main
    from tests.support import run_tool

    outside = subprocess.run(  # the entry point itself, once
        [sys.executable, "-m", "jobs_metrics_cli", "nope"], capture_output=True, text=True
    )
    inside = [
        run_tool(main, a) for a in (["fuzz", "--mode", "sideways"], ["fuzz", "--max-examples", "0"])
    ]
    for result in (outside, *inside):
        assert result.returncode == 2, result.args
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert result.stderr.startswith("jobs-metrics: ")


def test_each_subcommand_is_a_public_command_of_its_package() -> None:
    """The group names each command by its package and a name in that package's __all__."""
    import importlib

    from jobs_metrics_cli import COMMANDS

    for name, (module, attribute, _) in COMMANDS.items():
        assert "." not in module, f"{name}: {module} is a submodule"
        assert attribute in importlib.import_module(module).__all__, name


def test_every_package_of_the_product_is_shipped_and_no_test_support() -> None:
    """The toolkit wheel lists its packages by name (``pyproject.toml``): a new subpackage of a
    product package must be listed (a wheel without it fails on import, as
    ``fuzz_harness.probes`` once did in ``make test-wheels``), and the self-test's faults
    (``fuzz_selftest``) must not be."""
    import tomllib

    shipped = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
                  ["packages"])  # fmt: skip
    found = {
        ".".join(path.parent.relative_to(ROOT).parts)
        for package in PRODUCT
        for path in (ROOT / package).rglob("__init__.py")
    }
    assert found == shipped
    assert "fuzz_selftest" not in shipped
