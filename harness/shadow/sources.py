"""What runs as a shadow: the hollow compute (optionally with a behaviour change), an image,
a command, or a real nova build; each becomes a launch spec in shadow mode reading its bundle."""

import shlex
import sys
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from harness.errors import UsageError
from harness.launchers import LaunchSpec
from harness.launchers.base import CREDENTIALS_MOUNT, RECORDS_MOUNT, SIDE_ENV
from harness.nova.shard import DEV_NOVA
from harness.shadow.candidates import CHANGES

HOLLOW = "hollow"
NOVA = "nova"


@dataclass(frozen=True)
class ShardSource:
    """`hollow`, `hollow:CHANGE`, an image (`image:NAME`), a command (`cmd:...`), or real
    nova-compute (`nova`, `nova:dev`: the dev venv's; `nova:PATH`: a checkout or venv)."""

    kind: str  # hollow | image | command | nova
    value: str = ""

    @classmethod
    def parse(cls, text: str, option: str) -> "ShardSource":
        """Read --candidate / --control; a mistake names the option and the choices."""
        if text == HOLLOW:
            return cls("hollow")
        head, _, rest = text.partition(":")
        if head == HOLLOW and rest in CHANGES:
            return cls("hollow", rest)
        if head == "image" and rest:
            return cls("image", rest)
        if head == "cmd" and rest:
            return cls("command", rest)
        if head == NOVA:
            return cls(NOVA, rest or DEV_NOVA)
        raise UsageError(f"{option} {text!r}: use hollow, hollow:CHANGE ({', '.join(CHANGES)}), "
                         "image:NAME, cmd:COMMAND, nova or nova:PATH")

    @property
    def launcher(self) -> str:
        """How this source runs."""
        return "docker" if self.kind == "image" else "process"

    def spec(self, session: str, role: str, host: str, conf_dir: Path, records: Path,
             log_dir: Path, allowed: tuple[tuple[str, int], ...]) -> LaunchSpec:
        """The launch spec of a shadow shard on the production host's name, in shadow mode,
        reaching only the `allowed` endpoints; it finds its bundle and records directory where
        either launcher mounts them."""
        env = {"HARNESS_MODE": "shadow", SIDE_ENV: role, "HARNESS_RECORDS": RECORDS_MOUNT}
        if self.kind == NOVA:
            raise ValueError("a real nova shadow is launched by harness.shadow.nova_side")
        confined = partial(LaunchSpec, credentials_dir=conf_dir, writable_dir=records,
                           allowed_endpoints=allowed, env=env)
        if self.kind == "command":
            return confined(session, role, shlex.split(self.value), log_dir)
        base = Path(CREDENTIALS_MOUNT)
        args = ["--config-file", str(base / "credentials.conf"), "--config-file",
                str(base / "shard.conf"), "--host", host, "--mode", "shadow",
                "--effects-dir", RECORDS_MOUNT, "--side", role, "--session", session]
        if self.value and self.kind == "hollow":
            args += ["--change", self.value]
        if self.kind == "image":
            return confined(session, role, args, log_dir, image=self.value)
        return confined(session, role, [sys.executable, "-m", "harness", "hollow", "run", *args],
                        log_dir)
