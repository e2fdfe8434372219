"""handgrad's console script: Ctrl-C and the standard streams are made safe before anything heavy loads.

Importing this module is the first thing the `handgrad` script does, so the SIGINT handler below is in
place before Typer, Rich or numpy start to import: a Ctrl-C during start-up ends the process with one
line and exit 130, never a traceback from the middle of an import. Once the app is loaded, Ctrl-C is
Python's KeyboardInterrupt again, which the commands turn into their own ending (a drill's summary).
"""

import os
import sys

import _signal  # the C module itself: `signal` imports enum first, 30 ms in which Ctrl-C would be a traceback

_INTERRUPTED = 130  # ExitStatus.INTERRUPTED, written out: status.py is not imported yet


def _interrupted_at_start(signum, frame) -> None:
    try:
        os.write(2, b"\nhandgrad: interrupted\n")
    except OSError:
        pass  # stderr closed: the status still says it
    os._exit(_INTERRUPTED)  # mid-import, nothing is half-written: no clean-up to run


if _signal.getsignal(_signal.SIGINT) is _signal.default_int_handler:  # not when started with SIGINT ignored
    _signal.signal(_signal.SIGINT, _interrupted_at_start)


def main() -> None:
    from handgrad_cli.console import finish_output, prepare_streams, say_on_stderr

    prepare_streams()
    from handgrad_cli.cli import app

    status = 0
    try:
        if _signal.getsignal(_signal.SIGINT) is _interrupted_at_start:
            _signal.signal(_signal.SIGINT, _signal.default_int_handler)
        app(prog_name="handgrad")
    except SystemExit as exit:
        status = exit.code or 0  # handgrad exits with a status, never with a message
    except KeyboardInterrupt:  # between the commands' own handling and the end
        say_on_stderr("handgrad: interrupted")
        status = _INTERRUPTED
    sys.exit(finish_output(status))
