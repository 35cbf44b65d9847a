"""A real nova-compute's own config: nova.conf rendered from the cloud, host and state, next to
the Vault-issued bundle (transport_url with the issued broker user). No database section."""

import uuid
from pathlib import Path

from credentials.delivery import Bundle, render_ini
from harness.atomic import write_text
from harness.config.schema import Cloud
from harness.errors import ConfigError
from harness.nova.control_conf import service_sections

COMPUTE_CONF = "nova-compute.conf"
NEEDED_ENDPOINTS = ("compute", "placement", "image", "network")
# A fake driver whose node uuid is read from state_path/compute_id: restarts keep the node.
COMPUTE_DRIVER = "fake.PredictableNodeUUIDDriver"
# The fake driver reports 2 vCPUs and 8 GiB: overcommitted, a host takes 128 one-vCPU servers
# of 64 MiB (the harness.tiny flavor) instead of 8.
FAKE_HOST_OVERCOMMIT = {"cpu_allocation_ratio": "64.0", "ram_allocation_ratio": "1.0"}


def require_nova_endpoints(cloud: Cloud) -> dict[str, str]:
    """The cloud's nova endpoints, or an error naming the field that lacks one."""
    missing = [name for name in NEEDED_ENDPOINTS if name not in cloud.endpoints]
    if missing:
        raise ConfigError(f"cloud {cloud.name!r}: field endpoints: no {', '.join(missing)} "
                          "endpoint, which a real nova-compute needs (`harness dev up --nova` "
                          "writes the nova-local cloud)")
    return dict(cloud.endpoints)


def node_uuid(host: str) -> str:
    """The host's compute node uuid, the same on every start."""
    return str(uuid.uuid5(uuid.NAMESPACE_DNS, host))


def write_compute_conf(directory: Path, cloud: Cloud, host: str, state: Path,
                       state_seen_as: Path) -> Path:
    """Write nova-compute.conf into the shard's private directory, and the node identity into
    its state directory, which the shard sees (writable) at `state_seen_as`."""
    state.mkdir(mode=0o700, parents=True, exist_ok=True)
    (state / "compute_id").write_text(node_uuid(host))
    sections = {
        "DEFAULT": {"host": host, "state_path": str(state_seen_as),
                    "compute_driver": COMPUTE_DRIVER,
                    "control_exchange": cloud.bus.control_exchange, **FAKE_HOST_OVERCOMMIT},
        "oslo_concurrency": {"lock_path": str(state_seen_as)},
        "upgrade_levels": dict(cloud.rpc_version_caps),
        **service_sections(require_nova_endpoints(cloud)),
    }
    path = directory / COMPUTE_CONF
    write_text(path, render_ini(Bundle(sections), directory), mode=0o600)
    return path
