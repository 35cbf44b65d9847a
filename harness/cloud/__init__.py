"""How the harness and its shards reach a cloud: bus URL, endpoints, management and Vault."""
