"""The bottom layer every package may import: exit codes and text tables, nothing else."""
