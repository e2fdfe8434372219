"""Errors a user can cause: the CLI prints their message on one line and exits 2."""


class UserError(ValueError):
    """Input that cannot be used, with a message written for the person who typed it."""


def shown(text: str) -> str:
    """What a user typed, quoted for a message: cut to 40 characters, so a pasted wall of text stays one short line."""
    text = text.strip()
    return repr(text if len(text) <= 40 else text[:37] + "...")
