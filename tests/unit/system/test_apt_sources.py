"""The base image's mirror comes from the machine's own apt configuration, in either format."""

from pathlib import Path

import pytest

from harness.errors import InfrastructureError
from harness.system import apt_sources

DEB822 = """\
Types: deb
URIs: http://mirror.invalid/debian
Suites: bookworm bookworm-updates
Components: main

Types: deb
URIs: http://mirror.invalid/debian-security
Suites: bookworm-security
Components: main
"""


@pytest.fixture
def apt_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "sources.list.d").mkdir()
    monkeypatch.setattr(apt_sources, "APT_DIR", tmp_path)
    monkeypatch.setattr(apt_sources, "_codename", lambda: "bookworm")
    return tmp_path


def test_deb822_file(apt_dir: Path) -> None:
    (apt_dir / "sources.list.d" / "debian.sources").write_text(DEB822)
    found = apt_sources.machine_debian_source()
    assert found == apt_sources.AptSource("http://mirror.invalid/debian", "bookworm")


def test_one_line_file_with_options(apt_dir: Path) -> None:
    (apt_dir / "sources.list").write_text(
        "# comment\ndeb [arch=amd64 signed-by=/k.gpg] http://mirror.invalid/deb/ bookworm main\n")
    assert apt_sources.machine_debian_source().uri == "http://mirror.invalid/deb"


def test_no_matching_release_is_infrastructure_error(apt_dir: Path) -> None:
    (apt_dir / "sources.list").write_text("deb http://mirror.invalid/deb trixie main\n")
    with pytest.raises(InfrastructureError, match="serves the release 'bookworm'"):
        apt_sources.machine_debian_source()
