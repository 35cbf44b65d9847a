"""Real nova-compute in a container runs the image's python3.11 on the build's venv, mounted
read-only with a checkout first on its path; a venv of another Python is refused."""

from pathlib import Path

import pytest

from harness.errors import UsageError
from harness.nova.shard import NovaBuild


def _venv(root: Path, python: str) -> Path:
    (root / "bin").mkdir(parents=True)
    (root / "lib" / python / "site-packages").mkdir(parents=True)
    return root / "bin" / "python"


def test_a_checkout_comes_first_then_the_venvs_packages(tmp_path: Path) -> None:
    build = NovaBuild(_venv(tmp_path / "venv", "python3.11"), str(tmp_path / "nova-src"), {})
    conf = Path("/run/harness/credentials")
    assert build.container_argv(conf) == ["python3.11", *build.argv(conf)[1:]]
    assert build.container_env() == {"PYTHONPATH": f"{tmp_path / 'nova-src'}:"
                                                   f"{tmp_path}/venv/lib/python3.11/site-packages"}
    assert build.shared_dirs() == (tmp_path / "venv", tmp_path / "nova-src")


def test_a_venv_of_another_python_is_refused(tmp_path: Path) -> None:
    build = NovaBuild(_venv(tmp_path / "venv", "python3.12"), None, {})
    with pytest.raises(UsageError, match=r"no Python 3.11 virtual environment"):
        build.container_env()
