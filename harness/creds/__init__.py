"""The harness's side of credentials: a cloud's settings mapped onto Vault, and session state."""
