"""The process exit status is the command's: findings 1, usage 2, infrastructure 3."""

import subprocess
import sys


def test_ctx_exit_code_reaches_the_shell() -> None:
    """A command ending with ctx.exit(1) (findings) must make the process exit 1."""
    code = ("import click, harness.cli as c\n"
            "@click.command(name='x')\n@click.pass_context\n"
            "def x(ctx): ctx.exit(1)\n"
            "c.cli.add_command(x)\nc.main(['x'])\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, check=False)
    assert done.returncode == 1
