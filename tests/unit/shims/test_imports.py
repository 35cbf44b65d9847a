"""shims runs inside components under test: it may import the standard library and kombu only."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[3]


def test_shims_never_import_harness() -> None:
    modules = [p.stem for p in (ROOT / "shims").glob("*.py") if p.stem != "__init__"]
    code = (
        "import sys\n"
        + "".join(f"import shims.{name}\n" for name in modules)
        + "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('harness', 'credentials'))\n"
        + "print(','.join(bad))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    assert len(modules) >= 6
    assert done.stdout.strip() == ""
