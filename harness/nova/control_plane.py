"""`harness dev up --nova`: the local real nova cloud, brought up step by step, idempotently."""

from pathlib import Path
from typing import Any

from harness.dev.local_cloud import local_cloud
from harness.dev.services.nova import NovaProcess, nova_services
from harness.dev.services.rabbitmq import LOCAL_USER, local_management
from harness.dev.state import DevState
from harness.errors import InfrastructureError
from harness.nova.control_conf import write_control_conf
from harness.nova.databases import ensure_databases, sync_schemas
from harness.nova.layout import (
    BROKER_USER,
    FLAVOR,
    VHOST,
    ControlSecrets,
    endpoint,
    placement_access_log,
)
from harness.nova.rest import compute_client
from harness.nova.venv import NOVA_VERSION, ensure_venv, nova_facts

Progress = Any  # a callable taking one line


def nova_local_cloud(compute_rpc: str) -> dict[str, Any]:
    """The `nova-local` entry of clouds.yaml: the local cloud's broker and Vault, its own vhost,
    nova's endpoints, placement's access log, and no database (the control plane's is its own,
    never a shard's)."""
    base = local_cloud()
    bus = dict(base["bus"])
    bus["url"] = bus["url"].rstrip("/") + f"/{VHOST}"
    return {
        "bus": bus,
        "vault": base["vault"],
        "endpoints": {name: endpoint(name) for name in ("compute", "placement", "image",
                                                        "network")},
        "rpc_version_caps": {"compute": compute_rpc, "conductor": "3.0"},
        "access_logs": {"placement": str(placement_access_log())},
    }


def stock_paste_ini(venv: Path) -> Path:
    """The api-paste.ini nova ships in its wheel."""
    for candidate in (venv / "etc" / "nova" / "api-paste.ini",
                      *venv.glob("lib/python*/site-packages/nova/api/openstack/api-paste.ini")):
        if candidate.is_file():
            return candidate
    raise InfrastructureError(f"{venv}: nova ships no api-paste.ini")


def ensure_broker(secrets: ControlSecrets) -> None:
    """The vhost, the control plane's broker user, and the local administrator's access to it."""
    admin = local_management()
    admin.create_vhost(VHOST)
    admin.create_user(BROKER_USER, secrets.broker)
    admin.set_permissions(VHOST, BROKER_USER)
    admin.set_permissions(VHOST, LOCAL_USER)


def ensure_flavor() -> bool:
    """The flavor traffic boots with; whether it was created now."""
    api = compute_client(endpoint("compute"))
    if api.request("GET", f"/flavors/{FLAVOR['id']}", ok=(200, 404))[0] == 200:
        return False
    api.request("POST", "/flavors", {"flavor": FLAVOR})
    return True


def nova_up(state: DevState, say: Progress) -> dict[str, Any]:
    """Bring every part up that is not yet; return what was done and the cloud entry."""
    done: dict[str, Any] = {}
    say(f"dev up --nova: nova {NOVA_VERSION} venv (about a minute the first time) ...")
    venv, built = ensure_venv()
    done["venv"] = f"{venv} ({'built' if built else 'cached'})"
    secrets = ControlSecrets.load_or_create()
    ensure_broker(secrets)
    created = ensure_databases(secrets)
    changed = write_control_conf(secrets, stock_paste_ini(venv))
    say("dev up --nova: databases ...")
    done["schemas"] = "synced" if sync_schemas(venv, fresh=bool(created)) else "already synced"
    started = []
    for service in nova_services():
        say(f"dev up --nova: {service.name} ...")
        if (changed or service.stale()) and service.probe().answering:
            _restart(service, state)  # its config changed under it
        record = service.ensure()
        if record is not None:
            state.started[service.name] = record
            state.save()
            started.append(service.name)
    done["started"] = ", ".join(started) or "nothing (all running)"
    done["flavor"] = "created" if ensure_flavor() else "present"
    done["cloud"] = nova_local_cloud(nova_facts(venv / "bin" / "python", None)["compute_rpc"])
    return done


def _restart(service: NovaProcess, state: DevState) -> None:
    """Stop a running service so that ensure() starts it with its new config."""
    service.stop(state.started.pop(service.name, {"pid": service.pid()}))
    state.save()
