"""The process launcher: a shard as a subprocess in its own session, with a scrubbed environment,
confined to an unprivileged uid of its own (see harness.launchers.confine)."""

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

from harness.launchers import identity
from harness.launchers.base import (
    CREDENTIALS_ENV,
    CREDENTIALS_MOUNT,
    LAUNCHED_BY_ENV,
    SCRATCH,
    SESSION_ENV,
    SHARD_ENV,
    STATE_ENV,
    Launcher,
    LaunchSpec,
    ShardHandle,
    launcher_marks,
)
from harness.launchers.confine import confined
from harness.launchers.gate import gated
from harness.procinfo import start_time
from harness.scheduling import follow_idle_launcher

# Only these of the harness's own variables reach a shard: never VAULT_TOKEN or similar.
PASSED_THROUGH = ("PATH", "LANG", "LC_ALL", "TZ", "PYTHONPATH", "VIRTUAL_ENV")


def _parse_ref(ref: str) -> tuple[int, str]:
    pid, _, started = ref.partition(":")
    return int(pid), started


def _reap(pid: int) -> None:
    """Collect our own child's exit status so it does not linger as a zombie."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


class ProcessLauncher(Launcher):
    """Runs a shard as a local process; the embedded default."""

    name = "process"

    def launch(self, spec: LaunchSpec) -> ShardHandle:
        """Start argv detached and confined, output to <log_dir>/<shard>.log, marked with its
        session; its bundle and records directory become its uid's own; given allowed
        endpoints, in a network namespace of its own where only those answer."""
        spec.log_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        log_path = spec.log_dir / f"{spec.shard}.log"
        env = {k: os.environ[k] for k in PASSED_THROUGH if k in os.environ}
        env.update(spec.env)
        state, launched_by = launcher_marks()
        env.update({SESSION_ENV: spec.session, SHARD_ENV: spec.shard, STATE_ENV: state,
                    LAUNCHED_BY_ENV: launched_by, "HOME": SCRATCH})
        if spec.credentials_dir:
            env[CREDENTIALS_ENV] = CREDENTIALS_MOUNT
        with identity.claimed_for(spec.credentials_dir, spec.writable_dir) as shard_id:
            argv = confined(spec.argv, shard_id, spec.credentials_dir, spec.writable_dir)
            if spec.allowed_endpoints is not None:
                argv = gated(spec, spec.allowed_endpoints) + argv
            with log_path.open("ab") as log:
                child = subprocess.Popen(
                    argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                    env=env, start_new_session=True, close_fds=True,
                )
            identity.hold(shard_id, child.pid)
        follow_idle_launcher(child.pid)
        started = start_time(child.pid) or ""
        return ShardHandle(self.name, spec.session, spec.shard, f"{child.pid}:{started}",
                           str(log_path), shard_id.uid, state, launched_by)

    def alive(self, handle: ShardHandle) -> bool:
        """Alive when the pid exists, is no zombie, and started when we started it."""
        pid, started = _parse_ref(handle.ref)
        _reap(pid)
        return start_time(pid) == started

    def stop(self, handle: ShardHandle, grace: float = 10) -> None:
        """SIGTERM the shard's process group, then SIGKILL after the grace period."""
        pid, _ = _parse_ref(handle.ref)
        if self.alive(handle):
            self._signal_group(pid, signal.SIGTERM)
            deadline = time.monotonic() + grace
            while time.monotonic() < deadline and self.alive(handle):
                time.sleep(0.05)
            if self.alive(handle):
                self._signal_group(pid, signal.SIGKILL)
                while self.alive(handle):
                    time.sleep(0.02)
        identity.release(handle.uid)

    @staticmethod
    def _signal_group(pid: int, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, sig)

    def logs(self, handle: ShardHandle, follow: bool = False) -> Iterator[str]:
        """Lines of the shard's log file; with follow, keep reading until it exits."""
        with open(handle.log_path, errors="replace") as log:
            while True:
                line = log.readline()
                if line:
                    yield line.rstrip("\n")
                elif follow and self.alive(handle):
                    time.sleep(0.2)
                else:
                    return

    def discover(self) -> list[ShardHandle]:
        """Every live process of this pid namespace running as a shard's uid and carrying a
        harness session mark in its environment (a container's shard carries the mark too, but
        is the docker launcher's; a shard's network gate, root's, is not a shard)."""
        found, ours = [], os.readlink("/proc/self/ns/pid")
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                if os.readlink(entry / "ns" / "pid") != ours:
                    continue
                environ = (entry / "environ").read_bytes().split(b"\0")
            except OSError:
                continue
            marks = dict(v.decode(errors="replace").split("=", 1) for v in environ if b"=" in v)
            uid = identity.uid_of(int(entry.name))
            if SESSION_ENV in marks and SHARD_ENV in marks and identity.is_shard_uid(uid):
                started = start_time(int(entry.name))
                if started:
                    found.append(ShardHandle(self.name, marks[SESSION_ENV], marks[SHARD_ENV],
                                             f"{entry.name}:{started}", "", uid,
                                             marks.get(STATE_ENV, ""),
                                             marks.get(LAUNCHED_BY_ENV, "")))
        return found


LAUNCHER_CLASS = ProcessLauncher
