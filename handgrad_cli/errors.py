"""Errors a user can cause: the CLI prints their message on one line and exits 2."""


class UserError(ValueError):
    """Input that cannot be used, with a message written for the person who typed it."""


def shown(text: str) -> str:
    """What a user typed, quoted for a message: cut to 40 characters, so a pasted wall of text stays one
    short line. repr writes control and format characters as escapes (``\\x1b``, ``\\u202e``), so a name
    shown on a terminal cannot move the cursor, clear the screen, set the title or reorder the line."""
    text = text.strip()
    return repr(text if len(text) <= 40 else text[:37] + "...")
