"""clouds.yaml: where clouds are described, found the way openstacksdk finds its own."""

from harness.config.loader import find_config_file, load_cloud, load_clouds
from harness.config.schema import Cloud, SecretRef

__all__ = ["Cloud", "SecretRef", "find_config_file", "load_cloud", "load_clouds"]
