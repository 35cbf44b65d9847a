"""The process launcher's confinement: any command run as its shard's own uid, in a private
mount namespace, with no capabilities and no way to gain any.

The namespace (util-linux `unshare`, then `setpriv`) has a read-only root, fresh tmpfs on /tmp,
/dev/shm and /run, a /proc showing the shard's own processes only, its bundle read-only at
CREDENTIALS_MOUNT and its records directory at RECORDS_MOUNT, as in a container. What the
command needs from below a directory other users cannot enter (a Python under /root, a clone
in a private home) is bound read-only into a tmpfs laid over that directory, so the rest of it
stays out of sight. Network, as for containers, is the host's: the broker is on loopback.
"""

import os
import shlex
import shutil
import stat
import sys
from collections.abc import Iterable
from pathlib import Path

from harness.errors import UsageError
from harness.launchers.base import CREDENTIALS_MOUNT, RECORDS_MOUNT, SCRATCH
from harness.launchers.identity import ShardIdentity

SCRATCH_SIZE = "256m"
MAX_PROCESSES = 512  # per shard uid, threads included
MAX_OPEN_FILES = 4096
FIRST_FD = 3  # sources are opened before anything hides them; dash redirects fds 3 to 9
LAST_FD = 9
PROJECT_ROOT = Path(__file__).resolve().parents[2]
REPLACED = ("/run", SCRATCH, "/dev/shm")  # each gets a fresh tmpfs


def _others_may_enter(path: Path) -> bool:
    return bool(path.stat().st_mode & stat.S_IXOTH)


def hidden_below(path: Path) -> Path | None:
    """The outermost directory above `path` that other users cannot enter, if any."""
    for ancestor in reversed(path.parents):
        if not _others_may_enter(ancestor):
            return ancestor
    return None


def _program_dirs(argv: list[str]) -> Iterable[Path]:
    """The directories a command reads its program from: its executable's, Python's prefixes
    and the harness's tree (for `python -m harness`), and those of absolute paths it names."""
    yield from (Path(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix))
    yield PROJECT_ROOT
    yield from (Path(p) for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p)
    found = shutil.which(argv[0]) if argv else None
    named = [found] if found else []
    for item in [*named, *(a for a in argv if a.startswith("/"))]:
        for path in {Path(item).absolute(), Path(item).resolve()}:
            if path.exists():
                yield path if path.is_dir() else path.parent


def _replaced(path: Path) -> bool:
    """Whether the namespace lays a fresh tmpfs over this path's directory."""
    return any(Path(top) == path or Path(top) in path.parents for top in REPLACED)


def exposures(argv: list[str]) -> dict[Path | None, list[Path]]:
    """The outermost program directories the shard must read but would not see, by the
    directory others cannot enter above them (None: below a tmpfs of the namespace)."""
    wanted: dict[Path | None, set[Path]] = {}
    for path in _program_dirs(argv):
        path = path.resolve()
        ancestor = hidden_below(path)
        if ancestor is None and not _replaced(path):
            continue
        mode = path.stat().st_mode
        if not mode & stat.S_IROTH or not mode & stat.S_IXOTH:
            raise UsageError(f"{path}: other users cannot read it, so the shard, which runs as "
                             "an unprivileged uid of its own, could not run from it (chmod o+rx, "
                             "or install the harness where others may read)")
        wanted.setdefault(ancestor, set()).add(path)
    return {a: sorted(p for p in paths if not any(o in p.parents for o in paths))
            for a, paths in wanted.items()}


def _script(identity: ShardIdentity, credentials: Path | None, records: Path | None,
            hidden: dict[Path | None, list[Path]], workdir: Path) -> str:
    """The shell run as root inside the new mount namespace, ending in exec setpriv."""
    q = shlex.quote
    binds: list[tuple[Path, str, str]] = []  # source, target, mode
    if credentials:
        binds.append((credentials, CREDENTIALS_MOUNT, "ro"))
    if records:
        binds.append((records, RECORDS_MOUNT, "rw"))
    binds += [(path, str(path), "ro") for paths in hidden.values() for path in paths]
    if FIRST_FD + len(binds) - 1 > LAST_FD:
        raise UsageError(f"the shard needs {len(binds)} directories bound in, at most "
                         f"{LAST_FD - FIRST_FD + 1} fit: install the harness in one place "
                         "others may read")
    fds = range(FIRST_FD, FIRST_FD + len(binds))
    lines = ["set -e", "umask 022"]  # the mount points it makes must be enterable by the shard
    lines += [f"exec {fd}<{q(str(source))}" for fd, (source, _, _) in zip(fds, binds, strict=True)]
    lines += ["mount -o remount,bind,ro /",
              "mount -t tmpfs -o mode=0755,size=16m harness /run",
              f"mkdir -p {CREDENTIALS_MOUNT} {RECORDS_MOUNT}",
              f"mount -t tmpfs -o mode=1777,nosuid,nodev,size={SCRATCH_SIZE} harness {SCRATCH}",
              "mount -t tmpfs -o mode=1777,nosuid,nodev,size=64m harness /dev/shm",
              "mount -t proc -o hidepid=invisible,nosuid,nodev,noexec proc /proc"]
    for ancestor in (a for a in hidden if a is not None):
        lines += [f"mkdir -p {q(str(ancestor))}",
                  f"mount -t tmpfs -o mode=0755,size=1m harness {q(str(ancestor))}"]
    for fd, (_, target, mode) in zip(fds, binds, strict=True):
        if target not in (CREDENTIALS_MOUNT, RECORDS_MOUNT):
            lines.append(f"mkdir -p {q(target)}")
        lines.append(f"mount -c --bind -o {mode},nosuid,nodev /proc/self/fd/{fd} {q(target)}")
    lines.append("exec " + " ".join(f"{fd}<&-" for fd in fds) if binds else ":")
    lines += ["ulimit -c 0", f"ulimit -n {MAX_OPEN_FILES}", f"ulimit -p {MAX_PROCESSES}",
              f"cd {q(str(workdir))} 2>/dev/null || cd /"]
    lines.append(f"exec setpriv --reuid {identity.uid} --regid {identity.gid} --clear-groups "
                 "--no-new-privs --inh-caps=-all --bounding-set=-all -- \"$@\"")
    return "\n".join(lines)


def confined(argv: list[str], identity: ShardIdentity, credentials: Path | None,
             records: Path | None) -> list[str]:
    """argv wrapped so that it runs confined (the same pid: every step execs the next)."""
    script = _script(identity, credentials, records, exposures(argv), Path.cwd())
    return ["unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c", script,
            "shard", *argv]
