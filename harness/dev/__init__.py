"""`harness dev`: a real local cloud on loopback for development and tests."""
