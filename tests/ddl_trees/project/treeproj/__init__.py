"""A project package the tree imports: only on a test path or in a test venv."""
