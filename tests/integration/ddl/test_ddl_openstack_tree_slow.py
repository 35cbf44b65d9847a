"""neutron's real alembic tree, installed from the package registry into a scratch venv.

Slow (a few minutes: installing neutron, building its database from kilo): run it with
`pytest -m slow`. Skipped when the registry cannot be reached; nothing of neutron is kept.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]

HARNESS = Path(sys.executable).with_name("harness")
FIELD = r"^{0} = ['\"](\w+)['\"]"


def _pip(venv: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """pip of the scratch venv, by package name through its ordinary index."""
    return subprocess.run(
        [str(venv / "bin" / "pip"), "--disable-pip-version-check", *args],
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )


def _first_revision(branch: Path) -> str:
    """The revision of a release's branch directory that the others in it build on."""
    downs = {}
    for path in branch.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        rev = re.search(FIELD.format("revision"), text, re.M)
        down = re.search(FIELD.format("down_revision"), text, re.M)
        if rev and down:
            downs[rev[1]] = down[1]
    [first] = [rev for rev, down in downs.items() if down not in downs]
    return first


def test_neutrons_latest_release_is_checked_in_neutrons_environment(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    probe = _pip(venv, "download", "--no-deps", "neutron", "-d", str(tmp_path / "dl"))
    if probe.returncode:
        pytest.skip(f"package registry unreachable: {probe.stderr.strip().splitlines()[-1:]}")
    installed = _pip(venv, "install", "--quiet", "neutron", "PyMySQL")
    assert installed.returncode == 0, installed.stderr[-2000:]
    [ini] = venv.glob("lib/python3*/site-packages/neutron/db/migration/alembic.ini")
    versions = ini.parent / "alembic_migrations" / "versions"
    latest = max(
        (d for d in versions.glob("*/expand") if any(d.glob("*.py"))),
        key=lambda d: (d.parent.name[0].isdigit(), d.parent.name),  # liberty..zed, then 2023.1..
    )
    out = tmp_path / "report.json"
    done = subprocess.run(
        [
            *(str(HARNESS), "ddl", "check", "--migrations", str(ini), "--engine", "mariadb"),
            *("--python", str(venv / "bin" / "python")),
            *("--patch-from", _first_revision(latest), "--format", "json", "-o", str(out)),
        ],
        capture_output=True,
        text=True,
        timeout=1500,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    [report] = json.loads(out.read_text())["patches"]
    assert {Path(s["file"]).resolve().parent for s in report["statements"]} == {latest.resolve()}
