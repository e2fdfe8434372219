"""What the tests read off the terminal's text: commands wrapped for 80 columns."""


def replayed(out: str) -> str:
    """The drill's replay command as the shell reads it: its lines ended by `\\` joined (it wraps at 80)."""
    text = out[out.index("Replay: "):].removeprefix("Replay: ")
    lines = text.splitlines()
    command = lines[0]
    for line in lines[1:]:
        if not command.endswith(" \\"):
            break
        command = command.removesuffix("\\") + line.strip()
    return command
