"""Lengths and defaults the migrations share with the project's models."""

COLOUR_LENGTH = 16
DEFAULT_COLOUR = "grey"
EMAIL_LENGTH = 255
