"""The README's shard and shadow examples, run as written on the test's cloud instead of `local`.

The only change to each command is the cloud's name, and the ids the commands before it
printed in place of SESSION_ID; `sandbox up` runs in the background, as in its own terminal.
"""

import json
import re
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.integration.shards.conftest import shard_cloud  # noqa: F401 (a fixture)
from tests.integration.shards.harness_cli import cloud_of
from tests.unit.docs.markdown import README, commands, fenced

SHARD_SESSION = re.compile(r"^session (\S+):", re.MULTILINE)
SHADOW_SESSION = re.compile(r"^shadow session (\S+) of", re.MULTILINE)


def readme_block(first: str) -> list[str]:
    """The commands of the README's sh block that begins with this one."""
    for block in fenced(README.read_text(), "sh"):
        lines = commands(block)
        if lines and lines[0].startswith(first):
            return lines
    raise LookupError(f"no sh block in the README starts with {first!r}")


class Example:
    """Runs README lines on one clouds.yaml, the cloud named in place of `local`."""

    def __init__(self, config: Path, workdir: Path) -> None:
        self.config, self.workdir = config, workdir
        self.cloud = cloud_of(config).name
        self.session = ""

    def argv(self, line: str) -> list[str]:
        """The line's harness command on this cloud, SESSION_ID the last session printed."""
        words = shlex.split(line.replace("--cloud local", f"--cloud {self.cloud}")
                            .replace("SESSION_ID", self.session))
        assert words[0] == "harness", line
        return [sys.executable, "-m", "harness", "--cloud-config", str(self.config), *words[1:]]

    def run(self, line: str, code: int | None = 0) -> str:
        """Run the line; insist on its exit code unless None; its output."""
        done = subprocess.run(self.argv(line), cwd=self.workdir, capture_output=True, text=True,
                              timeout=240, check=False)
        assert code is None or done.returncode == code, f"{line}: {done.stderr}"
        return done.stdout

    def start(self, line: str) -> subprocess.Popen[str]:
        """Run the line in the background, as in a terminal of its own."""
        return subprocess.Popen(self.argv(line), cwd=self.workdir, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True)


def stop(process: subprocess.Popen[str]) -> None:
    """Ctrl-C, as its terminal would send it."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)


def wait_until_up(sandbox: subprocess.Popen[str]) -> None:
    """Until `sandbox up` says it is up, as a user would wait for its first line."""
    assert sandbox.stderr is not None
    for line in sandbox.stderr:
        if " up; " in line:
            return
    raise AssertionError(f"sandbox up exited {sandbox.wait()} before it was up")


def relayed(example: Example, expected: int) -> int:
    """How many messages the session relayed, once it relayed `expected` or a minute passed."""
    deadline, count = time.monotonic() + 60, 0
    while count < expected and time.monotonic() < deadline:
        time.sleep(1)
        rows = json.loads(example.run(f"harness shadow status {example.session} --json"))
        count = rows[0].get("relayed", 0) if rows else 0
    return count


def test_the_shard_and_shadow_examples_run_as_written(
        shard_cloud: Path, tmp_path: Path) -> None:  # noqa: F811
    example = Example(shard_cloud, tmp_path)
    sandbox_up, shard_up, shard_ls = readme_block("harness sandbox up")
    start, boot, status, stop_session, report = readme_block("harness shadow start")
    sandbox = example.start(sandbox_up)
    shard = ""
    try:
        wait_until_up(sandbox)
        found = SHARD_SESSION.search(example.run(shard_up))
        assert found, "shard up printed no session id"
        shard = found.group(1)
        assert "cmp-a" in example.run(shard_ls)

        found = SHADOW_SESSION.search(example.run(start))
        assert found, "shadow start printed no session id"
        example.session = found.group(1)
        stop(sandbox)  # `sandbox boot` runs the control plane itself
        example.run(boot)
        assert relayed(example, 60) >= 60  # 20 lifecycles of build, reboot and delete
        assert example.session in example.run(status)
        example.run(stop_session)
        example.run(report)  # exit 0: a candidate that is only slower differs in nothing
        assert "build_and_run_instance" in (tmp_path / "report.html").read_text()
    finally:
        stop(sandbox)
        if example.session:  # stopped already unless the test failed before
            example.run("harness shadow stop SESSION_ID", code=None)
        if shard:
            example.run(f"harness shard down {shard}")
