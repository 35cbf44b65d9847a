"""The project's database constants."""
