"""`scale render --kubernetes`: a Deployment per shard group carrying exactly the ramp's largest
count, valid against the Kubernetes schemas (offline, kubernetes-validate), credentials from
Vault's Kubernetes auth method and never in the manifests."""

from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from harness.config import load_cloud
from harness.scale.kubernetes import KubernetesTarget, manifests_yaml, render_kubernetes
from harness.scale.scenario import load_scenario

SCENARIOS = Path(__file__).resolve().parents[3] / "scenarios"
KUBERNETES_VERSION = "1.30.0"
CLOUDS = """\
clouds:
  k:
    bus: {url: "amqp://nova@rabbit.example:5672/nova", control_exchange: nova,
          password: {vault: "secret/k/bus#password"}}
    endpoints: {image: "http://glance:9292/", network: "http://neutron:9696/"}
"""


@pytest.mark.parametrize("name", ["ci-small.yaml", "ramp-1000.yaml"])
def test_manifests_validate_and_carry_the_largest_step(tmp_path: Path, name: str) -> None:
    (tmp_path / "clouds.yaml").write_text(CLOUDS)
    cloud = load_cloud("k", tmp_path / "clouds.yaml")
    scenario = load_scenario(SCENARIOS / name)
    objects = list(yaml.safe_load_all(manifests_yaml(
        render_kubernetes(scenario, cloud, dict(cloud.endpoints), KubernetesTarget()))))
    for manifest in objects:
        kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)
    deployments = [o for o in objects if o["kind"] == "Deployment"]
    carried = 0
    for deployment in deployments:
        args = deployment["spec"]["template"]["spec"]["containers"][0]["args"]
        per_pod = int(args[args.index("--count") + 1]) if "--count" in args else 1
        carried += deployment["spec"]["replicas"] * per_pod
        annotations = deployment["spec"]["template"]["metadata"]["annotations"]
        assert annotations["vault.hashicorp.com/auth-path"] == "auth/kubernetes"
        assert "rabbit.example:5672/nova" in annotations[
            "vault.hashicorp.com/agent-inject-template-credentials.conf"]
    assert carried == max(scenario.ramp)
    assert "password" not in manifests_yaml(objects).replace("{{ .Data.password }}", "")


def test_a_manifest_kubernetes_would_refuse_fails_validation() -> None:
    broken = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"},
              "spec": {"replicas": "two", "selector": {}, "template": {}}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)
