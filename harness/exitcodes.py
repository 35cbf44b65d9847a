"""The one exit-code convention every harness command follows."""

from enum import IntEnum


class ExitCode(IntEnum):
    """Why a command ended: scripts and CI branch on these numbers."""

    OK = 0
    FINDINGS = 1  # diffs, failed rules, missed SLAs
    USAGE = 2  # bad arguments or configuration
    INFRASTRUCTURE = 3  # a service we need does not answer
