"""Exit statuses, named once so every command means the same thing by them."""

from enum import IntEnum


class ExitStatus(IntEnum):
    OK = 0  # success, and every answer right
    WRONG = 1  # some answer wrong or missing
    USAGE = 2  # bad flags, or input that cannot be read
    OUTPUT = 74  # the output could not be written: a full disk, a closed stdout (sysexits' EX_IOERR)
    INTERRUPTED = 130  # Ctrl-C
