"""A scenario's shards as Kubernetes objects: a Deployment per shard group, their non-secret
config in a ConfigMap, and credentials from Vault through its Kubernetes auth method (the Vault
Agent injector writes each pod's broker credentials where the hollow compute reads them).
Kubernetes places the pods; the harness never schedules machines."""

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import yaml

from credentials.layout import VaultLayout
from harness.config.schema import Cloud
from harness.scale.scenario import Scenario
from harness.scale.shard_groups import groups_for
from harness.shards.shard_config import shard_conf_text

CREDENTIALS_DIR = "/run/harness/credentials"
CONFIG_DIR = "/run/harness/config"
MEMORY_BASE_MI = 96  # the hollow process itself
MEMORY_PER_SHARD_KI = 100  # hollow_density.py measured about 85 KB of RSS a shard
CPU_PER_THOUSAND_SHARDS_M = 500


@dataclass(frozen=True)
class KubernetesTarget:
    """Where and how the shards run: namespace, image, and the Vault role and mounts."""

    namespace: str = "shadow-harness"
    image: str = "shadow-harness/hollow:latest"
    vault_role: str = "hollow-compute"
    vault_auth_path: str = "auth/kubernetes"
    rabbitmq_mount: str = VaultLayout.rabbitmq


def _name(*parts: str) -> str:
    """A DNS-1123 name from parts."""
    return re.sub(r"[^a-z0-9-]+", "-", "-".join(parts).lower()).strip("-")[:63].rstrip("-")


def _credentials_template(cloud: Cloud, mount: str, role: str) -> str:
    """Vault Agent's template of the bundle: oslo's transport_url with the issued login."""
    bus = urlsplit(cloud.bus.url)
    where = f"{bus.hostname}:{bus.port or 5672}{bus.path or '/'}"
    return (f'{{{{- with secret "{mount}/creds/{role}" -}}}}\n[DEFAULT]\n'
            f"transport_url = rabbit://{{{{ .Data.username }}}}:{{{{ .Data.password }}}}"
            f"@{where}\n{{{{- end }}}}\n")


def _deployment(scenario: Scenario, cloud: Cloud, target: KubernetesTarget, group: str,
                replicas: int, per_process: int, config_map: str,
                service_account: str) -> dict[str, Any]:
    """One shard group: `replicas` pods of `per_process` hollow shards each."""
    labels = {"app.kubernetes.io/name": "hollow-compute", "app.kubernetes.io/part-of":
              "shadow-harness", "harness/scenario": _name(scenario.name), "harness/group": group}
    memory = MEMORY_BASE_MI + per_process * MEMORY_PER_SHARD_KI // 1024
    cpu = max(50, per_process * CPU_PER_THOUSAND_SHARDS_M // 1000)
    shards = scenario.shards
    args = ["--config-file", f"{CREDENTIALS_DIR}/credentials.conf", "--config-file",
            f"{CONFIG_DIR}/shard.conf", "--host", "$(POD_NAME)",
            "--report-interval", f"{shards.report_interval:g}",
            "--resource-interval", f"{shards.resource_interval:g}"]
    if per_process > 1:
        args += ["--count", str(per_process)]
    annotations = {
        "vault.hashicorp.com/agent-inject": "true",
        "vault.hashicorp.com/auth-path": target.vault_auth_path,
        "vault.hashicorp.com/role": target.vault_role,
        "vault.hashicorp.com/secret-volume-path": CREDENTIALS_DIR,
        "vault.hashicorp.com/agent-inject-secret-credentials.conf":
            f"{target.rabbitmq_mount}/creds/{target.vault_role}",
        "vault.hashicorp.com/agent-inject-template-credentials.conf":
            _credentials_template(cloud, target.rabbitmq_mount, target.vault_role),
    }
    container = {
        "name": "hollow-compute", "image": shards.image or target.image, "args": args,
        "env": [{"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                {"name": "HARNESS_MODE", "value": "production"}],
        "resources": {"requests": {"cpu": f"{cpu}m", "memory": f"{memory}Mi"},
                      "limits": {"memory": f"{memory * 2}Mi"}},
        "volumeMounts": [{"name": "shard-conf", "mountPath": CONFIG_DIR, "readOnly": True}],
        "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                            "runAsNonRoot": True, "runAsUser": 65534,
                            "capabilities": {"drop": ["ALL"]}},
    }
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": group, "namespace": target.namespace, "labels": labels},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"harness/group": group}},
            "template": {
                "metadata": {"labels": dict(labels), "annotations": annotations},
                "spec": {"serviceAccountName": service_account,
                         "automountServiceAccountToken": True,
                         "containers": [container],
                         "volumes": [{"name": "shard-conf",
                                      "configMap": {"name": config_map}}]},
            },
        },
    }


def render_kubernetes(scenario: Scenario, cloud: Cloud, endpoints: dict[str, str],
                      target: KubernetesTarget) -> list[dict[str, Any]]:
    """The objects that run the ramp's largest step: a ServiceAccount (Vault's Kubernetes auth
    binds the role to it), the shards' ConfigMap, and a Deployment per shard group."""
    base = _name("scale", scenario.name)
    service_account, config_map = base, _name(base, "shard-conf")
    objects: list[dict[str, Any]] = [
        {"apiVersion": "v1", "kind": "ServiceAccount",
         "metadata": {"name": service_account, "namespace": target.namespace}},
        {"apiVersion": "v1", "kind": "ConfigMap",
         "metadata": {"name": config_map, "namespace": target.namespace},
         "data": {"shard.conf": shard_conf_text(cloud, endpoints)}},
    ]
    for group in groups_for(f"{base}-", max(scenario.ramp), scenario.shards.per_process):
        objects.append(_deployment(scenario, cloud, target, _name(group.prefix),
                                   group.processes, group.per_process, config_map,
                                   service_account))
    return objects


class _ManifestDumper(yaml.SafeDumper):
    """Block style for multi-line strings, and no anchors: what people write by hand."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _string(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_ManifestDumper.add_representer(str, _string)


def manifests_yaml(objects: list[dict[str, Any]]) -> str:
    """The objects as one multi-document YAML file, for `kubectl apply -f`."""
    return yaml.dump_all(objects, Dumper=_ManifestDumper, sort_keys=False)
