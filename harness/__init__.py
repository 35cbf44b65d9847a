"""shadow-harness: wire components under test into live, OpenStack-shaped clouds."""

__version__ = "0.1.0"
