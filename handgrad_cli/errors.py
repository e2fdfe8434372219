"""Errors a user can cause: the CLI prints their message on one line and exits 2.

Text that came from outside handgrad (a name, an ID, an answer, a line of a file, a path) is shown on a
terminal only through `shown`, `visible` or `shown_path`, which write control characters as escapes: a
crafted name cannot clear the screen, set the window title or write the clipboard.
"""

from os import PathLike


class UserError(ValueError):
    """Input that cannot be used, with a message written for the person who typed it."""


def shown(text: str) -> str:
    """What a user typed, quoted for a message: cut to 40 characters, so a pasted wall of text stays one
    short line. repr writes control and format characters as escapes (``\\x1b``, ``\\u202e``), so a name
    shown on a terminal cannot move the cursor, clear the screen, set the title or reorder the line."""
    text = text.strip()
    return repr(text if len(text) <= 40 else text[:37] + "...")


def visible(text: str) -> str:
    """Text echoed as it was typed, unquoted and whole, with each control or format character as its escape."""
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


def shown_path(path: "str | PathLike[str]") -> str:
    """A file's name as given (printable names are the rule), or whole in quotes with its escapes when not."""
    text = str(path)
    return text if text.isprintable() else repr(text)


def shell_word(text: "str | PathLike[str]") -> str:
    """A path or word for a command the user may copy into a shell: quoted with `shlex` when printable, else
    in bash's $'...' with each control or format character as its escape (it reaches the terminal as text)."""
    import shlex

    text = str(text)
    if text.isprintable():
        return shlex.quote(text)
    return "$'" + "".join(_ansi_c(char) for char in text) + "'"


def _ansi_c(char: str) -> str:
    if char in "\\'":
        return "\\" + char
    if char.isprintable():
        return char
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"
