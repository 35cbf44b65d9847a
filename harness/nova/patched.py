"""Seeded regressions in real nova: one-line patches against nova 34.0.0, kept as package data,
each applied to a copy of the dev venv's nova package to make a candidate checkout
(`shard up --nova PATH`, `--candidate nova:PATH`).

A patch file opens with `#` lines saying what it changes and an `Expect:` line naming what
the comparator must report for it (`CATEGORY EFFECT [PATH]`, or `nothing`), then the diff.
"""

import contextlib
import hashlib
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from harness.errors import InfrastructureError, UsageError
from harness.nova.venv import NOVA_VERSION, require_venv, venv_dir

CLEAN = "clean"  # the dev venv's nova, copied unpatched: a candidate with nothing to report
EXPECT = "Expect:"
NOTHING = "nothing"


@dataclass(frozen=True)
class Expected:
    """What the comparator reports for a regression: category, effect kind and path."""

    category: str
    effect: str
    path: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        """As a report's mismatch names it: category, effect, path."""
        return self.category, self.effect, self.path


@dataclass(frozen=True)
class Regression:
    """One seeded change: its name, what it does, what must be reported, its diff."""

    name: str
    says: str
    expect: Expected | None  # None: nothing may be reported (clean, only slower)
    diff: str

    @property
    def touched(self) -> list[str]:
        """The files the diff changes, relative to the package root."""
        return [line[len("+++ b/"):].split("\t")[0] for line in self.diff.splitlines()
                if line.startswith("+++ b/")]


def _expected(name: str, words: list[str]) -> Expected | None:
    """An `Expect:` line's words, or an error naming the regression and the field."""
    if words == [NOTHING]:
        return None
    if len(words) in (2, 3):
        return Expected(*words)
    raise UsageError(f"regression {name}: field Expect: want CATEGORY EFFECT [PATH] or "
                     f"{NOTHING}, got {' '.join(words)!r}")


def read_regression(name: str, text: str) -> Regression:
    """A patch file's header and diff, or an error naming the file's field."""
    says: list[str] = []
    expect: list[Expected | None] = []
    diff: list[str] = []
    for line in text.splitlines(keepends=True):
        if diff or line.startswith("--- "):
            diff.append(line)
        elif line.startswith("#"):
            says.append(line[1:].strip())
        elif line.startswith(EXPECT):
            expect.append(_expected(name, line[len(EXPECT):].split()))
    if len(expect) != 1 or not diff:
        raise UsageError(f"regression {name}: want one {EXPECT} line and a unified diff")
    return Regression(name, " ".join(says), expect[0], "".join(diff))


def regressions() -> dict[str, Regression]:
    """Every seeded regression, by name (the patch file's stem)."""
    folder = resources.files("harness.nova") / "regressions"
    return {entry.name.removesuffix(".patch"): read_regression(entry.name.removesuffix(".patch"),
                                                      entry.read_text())
            for entry in sorted(folder.iterdir(), key=lambda e: e.name)
            if entry.name.endswith(".patch")}


def dev_nova_package() -> Path:
    """The dev venv's installed nova package directory."""
    require_venv()
    found = sorted((venv_dir() / "lib").glob("python3*/site-packages/nova"))
    if not found:
        raise InfrastructureError(f"{venv_dir()}: no nova package in its site-packages")
    return found[0]


def _link_or_copy(source: str, target: str) -> None:
    """Hard-link a file of the copy (cheap); copy where the file system refuses links."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def patched_nova(name: str) -> Path:
    """A nova checkout (a directory holding `nova/`) with the shipped regression `name` applied,
    or the unpatched copy for `clean`."""
    known = regressions()
    if name != CLEAN and name not in known:
        raise UsageError(f"no nova regression {name!r}: choose {CLEAN} or one of "
                         f"{', '.join(known)}")
    return nova_with(known.get(name))


def nova_with(regression: Regression | None) -> Path:
    """A nova checkout with this regression applied (a shipped one, or any patch file read by
    read_regression), the unpatched copy for None; made once per patch text and reused,
    readable by any uid."""
    name, diff = (regression.name, regression.diff) if regression else (CLEAN, "")
    digest = hashlib.sha256(f"{NOVA_VERSION}\n{diff}".encode()).hexdigest()[:12]
    root = venv_dir().parent / "patched"
    target = root / f"{name}-{digest}"
    if (target / "nova" / "__init__.py").is_file():
        return target
    root.mkdir(mode=0o755, parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=root))
    try:
        _build(dev_nova_package(), building, regression)
        building.chmod(0o755)
        with contextlib.suppress(OSError):  # another process made it first
            building.rename(target)
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return target


def _build(package: Path, into: Path, regression: Regression | None) -> None:
    """Copy the package into `into/nova` (hard links) and apply the regression's diff to real
    copies of the files it touches, so the venv's own files never change."""
    shutil.copytree(package, into / "nova", copy_function=_link_or_copy)
    if regression is None:
        return
    for relative in regression.touched:
        path = into / relative
        path.unlink()
        shutil.copy2(package.parent / relative, path)
    done = subprocess.run(["patch", "-p1", "--batch", "--forward", "--silent", "-d", str(into)],
                          input=regression.diff, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise InfrastructureError(f"regression {regression.name} does not apply to nova "
                                  f"{NOVA_VERSION}: {(done.stdout + done.stderr).strip()}")
