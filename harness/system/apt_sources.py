"""The machine's own Debian mirror and release, read from its apt configuration."""

import re
from dataclasses import dataclass
from pathlib import Path

from harness.errors import InfrastructureError

APT_DIR = Path("/etc/apt")


@dataclass(frozen=True)
class AptSource:
    """A Debian mirror URL and the release (suite) it serves."""

    uri: str
    suite: str


def _codename() -> str:
    """This machine's Debian release codename, from /etc/os-release."""
    text = Path("/etc/os-release").read_text()
    found = re.search(r"^VERSION_CODENAME=(\S+)$", text, re.MULTILINE)
    if not found:
        raise InfrastructureError("/etc/os-release has no VERSION_CODENAME")
    return found.group(1).strip('"')


def _deb822_sources(text: str) -> list[tuple[str, list[str]]]:
    """(URI, suites) of each deb stanza in a deb822 .sources file."""
    found: list[tuple[str, list[str]]] = []
    for stanza in re.split(r"\n\s*\n", text):
        fields = dict(re.findall(r"^(\w[\w-]*):\s*(.*)$", stanza, re.MULTILINE))
        if "deb" in fields.get("Types", "").split() and fields.get("Enabled", "yes") != "no":
            found.extend((uri, fields.get("Suites", "").split()) for uri in fields["URIs"].split())
    return found


def _one_line_sources(text: str) -> list[tuple[str, list[str]]]:
    """(URI, [suite]) of each `deb` line in a sources.list file."""
    found: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        words = re.sub(r"\[[^]]*\]", "", line).split()
        if len(words) >= 3 and words[0] == "deb":
            found.append((words[1], [words[2]]))
    return found


def machine_debian_source() -> AptSource:
    """The mirror that serves this machine's own release (not its security suite)."""
    codename = _codename()
    candidates: list[tuple[str, list[str]]] = []
    for path in sorted(APT_DIR.glob("sources.list.d/*.sources")):
        candidates += _deb822_sources(path.read_text())
    for path in [APT_DIR / "sources.list", *sorted(APT_DIR.glob("sources.list.d/*.list"))]:
        if path.is_file():
            candidates += _one_line_sources(path.read_text())
    for uri, suites in candidates:
        if codename in suites:
            return AptSource(uri.rstrip("/"), codename)
    raise InfrastructureError(f"no apt source in {APT_DIR} serves the release {codename!r}")
