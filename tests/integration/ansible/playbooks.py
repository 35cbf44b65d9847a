"""Running real ansible-playbook from a test, and reading its recap."""

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parents[3]
PLAYBOOKS = REPOSITORY / "ansible" / "playbooks"
RECAP_LINE = re.compile(r"^(\S+)\s+:\s+(.*)$")


@dataclass
class Run:
    """One ansible-playbook run: its exit code, output and per-host recap counters."""

    returncode: int
    output: str

    def recap(self) -> dict[str, dict[str, int]]:
        """{host: {ok, changed, failed, unreachable, ...}} from the PLAY RECAP section."""
        counters: dict[str, dict[str, int]] = {}
        _, _, tail = self.output.rpartition("PLAY RECAP")
        for line in tail.splitlines()[1:]:
            match = RECAP_LINE.match(line.strip())
            if not match:
                break
            counters[match[1]] = {key: int(value) for key, value in
                                  (pair.split("=") for pair in match[2].split())}
        return counters

    def failures(self) -> str:
        """What a failed run says went wrong: each failed task's header and result, for the
        assertion message (a -vvv run's tail is only its timing table)."""
        blocks, keep = [], False
        for line in self.output.splitlines():
            if line.startswith(("TASK [", "PLAY RECAP")):
                keep = False
            if line.startswith(("fatal:", "failed:", "[ERROR]")):
                keep = True
            if keep:
                blocks.append(line)
        return "\n".join(blocks)[-6000:] or self.output[-3000:]

    def changed(self) -> dict[str, int]:
        """Changed tasks per host."""
        return {host: counters["changed"] for host, counters in self.recap().items()}


@dataclass
class Controller:
    """The test's Ansible controller: the collection on its path, a directory for run files."""

    collections: Path
    workdir: Path
    runs: int = 0

    def inventory(self, name: str, inventory: dict[str, Any]) -> Path:
        """Write an inventory (JSON is YAML) and return its path."""
        path = self.workdir / f"{name}.json"
        path.write_text(json.dumps(inventory, indent=2))
        return path

    def play(self, playbook: str, inventory: Path, *flags: str,
             extra_vars: dict[str, Any] | None = None,
             env: dict[str, str] | None = None) -> Run:
        """Run one of the collection's playbooks (or a file) against an inventory."""
        path = PLAYBOOKS / f"{playbook}.yml" if "/" not in playbook else Path(playbook)
        extra = self.workdir / "extra-vars.json"
        extra.write_text(json.dumps(extra_vars or {}))
        environment = {**os.environ, **(env or {}),
                       "ANSIBLE_COLLECTIONS_PATH": str(self.collections),
                       "ANSIBLE_PIPELINING": "true",
                       "ANSIBLE_CALLBACKS_ENABLED": "ansible.posix.profile_tasks",
                       "ANSIBLE_HOST_KEY_CHECKING": "false",
                       "ANSIBLE_FORCE_COLOR": "false", "ANSIBLE_NOCOLOR": "true",
                       "ANSIBLE_LOCAL_TEMP": str(self.workdir / "tmp")}
        done = subprocess.run(
            [str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(inventory),
             "-e", f"@{extra}", *flags, str(path)],
            capture_output=True, text=True, timeout=900, check=False, env=environment)
        self.runs += 1  # each run's output is kept beside the inventories, for a failing test
        (self.workdir / f"{self.runs:02d}-{path.stem}.log").write_text(done.stdout + done.stderr)
        return Run(done.returncode, done.stdout + done.stderr)
