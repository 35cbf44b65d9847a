"""An alembic tree as a patch, captured here or in the project's own interpreter (`--python`)."""

import json
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from ddl_check.alembic_capture import CapturedRevision, run_request
from ddl_check.alembic_tree import TreeOptions
from ddl_check.capture_child import URL_ENV
from ddl_check.errors import DDLCheckError, MigrationError, ScratchUnavailable
from ddl_check.model import Patch, Statement
from ddl_check.sqltext import split

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
# appended after the project's own paths, so its packages win any clash of names
CHILD = (
    "import sys; sys.path.append({root!r}); "
    "from ddl_check.capture_child import main; sys.exit(main(sys.argv[1], sys.argv[2]))"
)
ERRORS: dict[str, type[DDLCheckError] | type[ScratchUnavailable]] = {
    "migration": MigrationError,
    "unavailable": ScratchUnavailable,
}


def _child(python: str, request: dict[str, Any], url: str | None) -> dict[str, Any]:
    """Run one capture request in another interpreter; its answer comes back as a JSON file."""
    with tempfile.TemporaryDirectory(prefix="ddl_capture_") as tmp:
        ask, answer = Path(tmp, "request.json"), Path(tmp, "answer.json")
        ask.write_text(json.dumps(request), encoding="utf-8")
        env = {**os.environ, **({URL_ENV: url} if url else {})}
        try:
            done = subprocess.run(
                [python, "-c", CHILD.format(root=str(PACKAGE_ROOT)), str(ask), str(answer)],
                capture_output=True,
                env=env,
                check=False,
            )
        except OSError as error:
            raise MigrationError(f"--python {python}: cannot run it: {error.strerror}") from None
        if not answer.exists():
            lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise MigrationError(
                f"--python {python}: the capture exited {done.returncode} without an answer: "
                f"{lines[-1] if lines else 'no output'}"
            )
        data: dict[str, Any] = json.loads(answer.read_text(encoding="utf-8"))
    if "error" in data:
        raise ERRORS[data["error"]["kind"]](data["error"]["message"])
    return data


class TreePatch:
    """An alembic tree whose revisions become one patch's statements once captured."""

    def __init__(self, path: Path, options: TreeOptions, engine: str) -> None:
        self.path, self.options, self.engine = path, options, engine
        self.name = (path.parent if path.suffix == ".ini" else path).name
        self.captured: list[CapturedRevision] = []

    def _ask(self, action: str, url: str | None = None) -> dict[str, Any]:
        """One capture request, in this interpreter or in --python's."""
        request = {
            "tree": str(self.path),
            "options": self.options.to_json(),
            "action": action,
            "engine": self.engine,
        }
        if self.options.python:
            return _child(self.options.python, request, url)
        return run_request({**request, "url": url})

    def open(self) -> None:
        """Read the tree and import every revision, so a bad tree fails before any restore."""
        self._ask("open")

    def build(self, url: str) -> list[str]:
        """Run the revisions before the patch on an empty database."""
        return list(self._ask("build", url)["built"])

    def capture(self, url: str | None = None) -> Patch:
        """The patch's statements: online on the clone at `url`, offline without one."""
        data = self._ask("capture", url)
        self.captured = [CapturedRevision.from_json(r) for r in data["revisions"]]
        statements = [
            Statement(
                raw.sql, rev.phase, rev.file, rev.line, {**rev.allows, **raw.allows}, rev.exceptions
            )
            for rev in self.captured
            for chunk in rev.sql
            for raw in split(chunk, self.engine, rev.file)
        ]
        notes = [
            f"capture stopped at {rev.stopped}; later revisions were not run"
            for rev in self.captured
            if rev.stopped
        ]
        return Patch(self.name, statements, notes)
