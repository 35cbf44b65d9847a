"""Imports point down the layers: read from the source (AST), not by importing it."""

import ast
import sys
from pathlib import Path

import pytest
from importlinter import cli as import_linter

ROOT = Path(__file__).resolve().parents[2]

# The project's packages each standalone package must never import.
FORBIDDEN = {
    "shims": {"harness", "credentials", "ddl_check"},
    "credentials": {"harness", "ddl_check", "shims"},
    "ddl_check": {"harness", "credentials", "shims"},
}
SHIMS_MAY_IMPORT = {"kombu", "shims"}


def imported_names(path: Path) -> list[tuple[int, str]]:
    """(line, top-level package) of every absolute import in a file, lazy ones included."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module.split(".")[0]))
    return found


def imports_of(package: Path, names: set[str]) -> list[str]:
    """`file:line imports X` for each import of one of `names` anywhere in the package."""
    return [f"{path.relative_to(package.parent)}:{line} imports {name}"
            for path in sorted(package.rglob("*.py"))
            for line, name in imported_names(path) if name in names]


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_standalone_package_never_imports_harness(package: str) -> None:
    """ddl_check and credentials stand alone; shims runs inside a shard."""
    assert imports_of(ROOT / package, FORBIDDEN[package]) == []


def test_shims_imports_only_the_standard_library_and_kombu() -> None:
    """Shims run inside the component under test, whose environment has little else."""
    outside = {name for path in (ROOT / "shims").rglob("*.py") for _, name in imported_names(path)}
    assert outside - set(sys.stdlib_module_names) - SHIMS_MAY_IMPORT == set()


def test_a_lazy_import_of_harness_is_found(tmp_path: Path) -> None:
    """An import inside a function counts as much as one at the top of the file."""
    package = tmp_path / "ddl_check"
    package.mkdir()
    (package / "plugin.py").write_text("def late():\n    from harness.errors import ConfigError\n")
    assert imports_of(package, FORBIDDEN["ddl_check"]) == ["ddl_check/plugin.py:2 imports harness"]


def test_layer_contracts_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    """The contracts in pyproject.toml (the order of harness's layers) are all kept."""
    monkeypatch.chdir(ROOT)
    assert import_linter.lint_imports(no_cache=True) == import_linter.EXIT_STATUS_SUCCESS
