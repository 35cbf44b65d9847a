"""The agent: a warm harness process that serves `shard up` for the CLI, so a launch pays none
of the harness's imports (a third of a second) and reuses its connections."""
