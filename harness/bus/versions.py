"""RPC version numbers compared exactly as oslo.messaging's `version_is_compatible` does."""


def version_is_compatible(implemented: str | None, requested: str | None) -> bool:
    """True when a peer implementing `implemented` may accept a message at `requested`.

    Same major, requested minor (and revision) not above the implemented one; no
    implemented version means "anything"; no requested version means "incompatible".
    Raises ValueError for a version that is not `major.minor[.rev]` integers.
    """
    if implemented is None:
        return True
    if requested is None:
        return False
    want = parse_version(requested)
    have = parse_version(implemented)
    if want[0] != have[0]:
        return False
    return want[1:] <= have[1:]


def parse_version(version: str) -> tuple[int, int, int]:
    """`major.minor[.rev]` as three integers (rev defaults to 0), or ValueError saying why."""
    pieces = str(version).split(".")
    if not 2 <= len(pieces) <= 3 or not all(p.isdigit() for p in pieces):
        raise ValueError(f"RPC version must look like MAJOR.MINOR[.REV], got {version!r}")
    return int(pieces[0]), int(pieces[1]), int(pieces[2]) if len(pieces) > 2 else 0


def check_version(version: str) -> str:
    """Return `version` unchanged, or raise ValueError when it does not parse."""
    parse_version(version)
    return version
