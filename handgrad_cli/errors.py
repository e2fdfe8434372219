"""Errors a user can cause: the CLI prints their message on one line and exits 2."""


class UserError(ValueError):
    """Input that cannot be used, with a message written for the person who typed it."""
