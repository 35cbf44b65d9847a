"""Shadow sessions: mirror production's traffic to a candidate, record both sides, compare."""
