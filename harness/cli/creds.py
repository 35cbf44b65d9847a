"""`harness creds`: bootstrap Vault for the harness, issue shard credentials, list, revoke, gc."""

import functools
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from credentials.approle import wrapped_secret_id
from credentials.bootstrap import bootstrap as bootstrap_vault
from credentials.database_grants import Mode
from credentials.redaction import REDACTOR, install_log_filter, scrubbed_errors
from harness.atomic import write_text
from harness.cli.output import emit_json, json_option
from harness.config import Cloud, load_cloud
from harness.config.secrets import vault_client
from harness.creds import state as store
from harness.creds.gc import collect, revoke_session
from harness.creds.session import CredentialSession
from harness.creds.targets import bootstrap_plan, layout_for
from harness.errors import UsageError
from harness.tables import format_table

F = TypeVar("F", bound=Callable[..., Any])
WRAPPING_TOKEN_FILE = "wrapping-token"


def redacted(func: F) -> F:
    """Scrub every secret issued in this process from log records and error messages."""

    @functools.wraps(func)
    def run(*args: Any, **kwargs: Any) -> Any:
        install_log_filter()
        with scrubbed_errors():
            return func(*args, **kwargs)

    return run  # type: ignore[return-value]


def cloud_option(func: F) -> F:
    """--cloud NAME, looked up in the clouds.yaml in force."""
    return click.option("--cloud", "cloud_name", required=True, help="Cloud in clouds.yaml.")(func)


def suffix_option(func: F) -> F:
    """--mount-suffix: keep several harness setups (or tests) apart in one Vault."""
    return click.option(
        "--mount-suffix", default="", envvar="HARNESS_CREDS_MOUNT_SUFFIX", show_default=False,
        help="Suffix for every mount, policy and role name (default: none).",
    )(func)


def _cloud(ctx: click.Context, name: str) -> Cloud:
    return load_cloud(name, ctx.obj.get("cloud_config"))


@click.group(name="creds")
def command() -> None:
    """Vault-issued credentials for shards: bootstrap, issue, list, revoke, gc."""


@command.command()
@cloud_option
@suffix_option
@click.option("--wrapped-secret-id-file", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write a response-wrapped single-use AppRole secret_id here (0600).")
@json_option
@click.pass_context
@redacted
def bootstrap(ctx: click.Context, cloud_name: str, mount_suffix: str,
              wrapped_secret_id_file: Path | None, as_json: bool) -> None:
    """Configure Vault for the harness (mounts, policies, AppRole, connections); idempotent."""
    cloud = _cloud(ctx, cloud_name)
    layout = layout_for(cloud, mount_suffix)
    client = vault_client(cloud)
    result = bootstrap_vault(client, bootstrap_plan(cloud, layout))
    if wrapped_secret_id_file:
        token = wrapped_secret_id(client, layout.approle, layout.harness_role)
        REDACTOR.add(token)
        write_text(wrapped_secret_id_file, token + "\n")
    report = {"cloud": cloud.name, "created": result.created, "role_id": result.role_id,
              "layout": layout.to_dict(),
              "wrapped_secret_id_file": str(wrapped_secret_id_file or "")}
    if as_json:
        emit_json(report)
        return
    for line in result.created or ["nothing new: already configured"]:
        click.echo(line)
    click.echo(f"AppRole {layout.approle}/role/{layout.harness_role} role_id: {result.role_id}")


@command.command()
@cloud_option
@suffix_option
@click.option("--host", required=True, help="The shard's host name (certificate CN, queues).")
@click.option("--mode", type=click.Choice(["shadow", "production"]), required=True)
@click.option("--shard", help="Shard name (default: the host name).")
@click.option("--ttl", type=click.IntRange(min=1), help="Lease TTL in seconds (default: cloud's).")
@click.option("--kv", "kv_pairs", multiple=True, metavar="SECTION.OPTION=MOUNT/PATH#KEY",
              help="Also deliver a static KV v2 secret as this INI option (repeatable).")
@click.option("--wrapped", is_flag=True,
              help="Deliver a single-use wrapping token file instead of the bundle itself.")
@click.option("--owner-pid", type=int, default=os.getppid, show_default="the calling process",
              help="`creds gc` revokes everything once this process is gone.")
@json_option
@click.pass_context
@redacted
def issue(ctx: click.Context, cloud_name: str, mount_suffix: str, host: str, mode: Mode,
          shard: str | None, ttl: int | None, kv_pairs: tuple[str, ...], wrapped: bool,
          owner_pid: int, as_json: bool) -> None:
    """Issue one shard's credentials; prints lease ids, expiry and the bundle's path only."""
    kv = dict(_kv_pair(pair) for pair in kv_pairs)
    cloud = _cloud(ctx, cloud_name)
    session = CredentialSession(cloud, vault_client(cloud), layout_for(cloud, mount_suffix),
                                owner_pid=owner_pid, renew=False)
    try:
        delivery = session.issue(host, mode, shard, ttl, kv, wrapped=wrapped)
    except BaseException:
        session.abandon()
        raise
    path = delivery.conf_path
    if delivery.wrapping_token:
        path = store.bundles_dir(session.session, delivery.record.shard) / WRAPPING_TOKEN_FILE
        write_text(path, delivery.wrapping_token + "\n")
    report = {"session": session.session, "shard": delivery.record.shard, "host": host,
              "mode": mode, "bundle": str(path), "vhost": delivery.record.vhost,
              "leases": [lease.model_dump() for lease in delivery.record.leases]}
    if as_json:
        emit_json(report)
        return
    click.echo(f"session {session.session}, shard {delivery.record.shard} ({mode})")
    click.echo(f"bundle: {path}")
    click.echo(format_table(["lease", "kind", "expires"], [
        (lease.lease_id, lease.kind, _when(lease.expires_at))
        for lease in delivery.record.leases
    ]))


def _kv_pair(pair: str) -> tuple[str, str]:
    """SECTION.OPTION=MOUNT/PATH#KEY, checked before anything is issued."""
    option, sep, reference = pair.partition("=")
    if not sep or not option or "#" not in reference or "/" not in reference:
        raise UsageError(f"--kv {pair!r}: expected SECTION.OPTION=MOUNT/PATH#KEY")
    return option, reference


def _when(epoch: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(epoch))


@command.command(name="ls")
@json_option
@redacted
def list_sessions(as_json: bool) -> None:
    """List credentials sessions, their owners and leases (ids only)."""
    rows: list[dict[str, Any]] = []
    for state in store.all_sessions():
        leases = [lease for shard in state.shards for lease in shard.leases]
        rows.append({
            "session": state.session, "cloud": state.cloud, "status": state.status,
            "owner_pid": state.owner_pid, "orphaned": store.is_orphaned(state),
            "shards": [shard.shard for shard in state.shards],
            "leases": [lease.lease_id for lease in leases],
            "expires_at": min((lease.expires_at for lease in leases), default=None),
        })
    if as_json:
        emit_json(rows)
        return
    click.echo(format_table(
        ["session", "cloud", "status", "owner", "shards", "leases", "first expiry"],
        [(r["session"], r["cloud"], "orphaned" if r["orphaned"] else r["status"],
          r["owner_pid"], ",".join(r["shards"]), len(r["leases"]),
          _when(r["expires_at"]) if r["expires_at"] else "-") for r in rows],
    ))


@command.command()
@click.argument("session")
@click.option("--force", is_flag=True, help="Revoke even though the owner still runs.")
@click.pass_context
@redacted
def revoke(ctx: click.Context, session: str, force: bool) -> None:
    """Revoke every credential of a session, delete its vhosts and bundles."""
    state = store.load_session(session)
    if not store.is_orphaned(state) and not force:
        raise UsageError(
            f"session {session} is owned by running process {state.owner_pid}; "
            "stop it, or pass --force"
        )
    revoke_session(state, ctx.obj.get("cloud_config"))
    click.echo(f"revoked session {session}")


@command.command()
@click.option("--dry-run", is_flag=True, help="Only list what would be revoked.")
@json_option
@click.pass_context
@redacted
def gc(ctx: click.Context, dry_run: bool, as_json: bool) -> None:
    """Revoke the credentials of sessions whose owner is gone or that ended half torn down."""
    results = collect(ctx.obj.get("cloud_config"), dry_run)
    if as_json:
        emit_json([{"session": r.session, "cloud": r.cloud, "owner_pid": r.owner_pid,
                    "leases": r.leases, "revoked": not dry_run and r.error is None,
                    "error": str(r.error) if r.error else None} for r in results])
    else:
        verb = "would revoke" if dry_run else "revoked"
        for r in results:
            outcome = f"failed: {r.error}" if r.error else verb
            click.echo(f"session {r.session} (cloud {r.cloud}, pid {r.owner_pid} gone): {outcome}")
        if not results:
            click.echo("nothing to collect")
    failed = next((r.error for r in results if r.error), None)
    if failed:
        raise failed
