"""Handing credentials to a shard: a 0600 bundle in a directory only it reads, or a wrapped token.

The bundle is an oslo.config-style INI fragment plus PEM files. Secrets never go through argv,
another process's environment, or a log line.
"""

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import hvac

from credentials.wrapping import unwrap, wrap

CONF_NAME = "credentials.conf"


@dataclass(frozen=True)
class Bundle:
    """INI options by section, options naming files of the bundle, and those files' contents."""

    options: dict[str, dict[str, str]] = field(default_factory=dict)
    file_options: dict[str, dict[str, str]] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> str:
        """The whole bundle as one JSON document (for response wrapping)."""
        return json.dumps(
            {"options": self.options, "file_options": self.file_options, "files": self.files}
        )

    @classmethod
    def from_json(cls, text: str) -> "Bundle":
        """Read back what to_json wrote."""
        data = json.loads(text)
        return cls(data["options"], data["file_options"], data["files"])


def _oslo_value(value: str) -> str:
    """oslo.config expands $name in values; a literal $ is written $$."""
    return value.replace("$", "$$")


def render_ini(bundle: Bundle, directory: Path) -> str:
    """The INI fragment, with file options pointing into the bundle's directory."""
    sections: dict[str, dict[str, str]] = {s: dict(o) for s, o in bundle.options.items()}
    for section, options in bundle.file_options.items():
        for key, name in options.items():
            sections.setdefault(section, {})[key] = str(directory / name)
    lines: list[str] = []
    for section in sorted(sections, key=lambda s: (s != "DEFAULT", s)):
        lines.append(f"[{section}]")
        lines += [f"{key} = {_oslo_value(value)}" for key, value in sections[section].items()]
        lines.append("")
    return "\n".join(lines)


def _write_private(path: Path, text: str, owner_uid: int | None) -> None:
    """Create a file 0600 from the start (never briefly readable by others)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w") as handle:
        os.fchmod(handle.fileno(), 0o600)
        if owner_uid is not None:
            os.fchown(handle.fileno(), owner_uid, -1)
        handle.write(text)


def write_bundle(bundle: Bundle, directory: Path, owner_uid: int | None = None,
                 seen_as: Path | None = None) -> Path:
    """Write the bundle into a 0700 directory (given to owner_uid); returns the INI's path.

    `seen_as` is where the shard finds that directory (a container's mount of it): the paths
    the INI names are the shard's, not ours."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    directory.chmod(0o700)
    if owner_uid is not None:
        os.chown(directory, owner_uid, -1)
    for name, content in bundle.files.items():
        _write_private(directory / name, content, owner_uid)
    conf = directory / CONF_NAME
    _write_private(conf, render_ini(bundle, seen_as or directory), owner_uid)
    return conf


def wrap_bundle(client: hvac.Client, bundle: Bundle, ttl: int) -> str:
    """Response-wrap the bundle in Vault; the single-use wrapping token is all the shard gets."""
    return wrap(client, {"bundle": bundle.to_json()}, ttl)


def unwrap_bundle(address: str, wrapping_token: str, directory: Path) -> Path:
    """The shard's side: unwrap once and write the bundle where only it reads."""
    data = unwrap(address, wrapping_token, "the credentials bundle")
    return write_bundle(Bundle.from_json(str(data["bundle"])), directory)
