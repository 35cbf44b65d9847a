"""The state directory's subdirectories are each named in one place."""

import ast
from pathlib import Path

import pytest

from harness.nova.layout import nova_dir
from harness.paths import dev_dir

ROOT = Path(__file__).resolve().parents[2]


def private_dir_calls(name: str) -> list[str]:
    """`file:line` of every `private_dir(name, ...)` call in the harness package."""
    return [f"{path.relative_to(ROOT)}:{node.lineno}"
            for path in sorted((ROOT / "harness").rglob("*.py"))
            for node in ast.walk(ast.parse(path.read_text(), str(path)))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == "private_dir" and node.args
            and isinstance(node.args[0], ast.Constant) and node.args[0].value == name]


def test_the_dev_directory_is_named_only_by_harness_paths() -> None:
    """The dev installer and nova's layout both take it from harness.paths.dev_dir."""
    assert [call.partition(":")[0] for call in private_dir_calls("dev")] == ["harness/paths.py"]


def test_the_nova_cloud_lives_in_the_dev_directory(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARNESS_STATE_DIR", str(tmp_path))
    assert nova_dir() == dev_dir() / "nova" == tmp_path / "dev" / "nova"
