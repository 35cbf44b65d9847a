"""What shards, sessions and launchers need from the machine: processes, containers, images."""
