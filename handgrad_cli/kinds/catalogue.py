"""The kinds as `handgrad kinds` lists them and as the README's catalogue shows them, written from the
registry: a kind's own `summary`, `lesson` and `asks` are all there is to edit (`make readme` then
rewrites the README's part between the markers; a test compares)."""

from __future__ import annotations

from handgrad_cli.kinds import KINDS

BEGIN = "<!-- the kinds: written from the registry by `make readme`; edit the kinds' modules, not this -->"
END = "<!-- end of the kinds -->"


def listing(columns: int = 80) -> list[str]:
    """`handgrad kinds`: each kind's name and summary, wrapped between words at 80 columns under the
    summary's first word."""
    import textwrap

    width = max(len(name) for name in KINDS)
    return [line for kind in KINDS.values()
            for line in textwrap.wrap(f"{kind.name:<{width}}  {kind.summary}", columns, subsequent_indent=" " * (width + 2),
                                      break_long_words=False, break_on_hyphens=False)]


def table() -> list[str]:
    """The README's table: each kind, the lesson's lines it drills, what it asks."""
    rows = ["| kind | the lesson's lines it drills | what it asks |", "| --- | --- | --- |"]
    return rows + [f"| `{kind.name}` | {kind.lesson} | {kind.asks} |" for kind in KINDS.values()]


def catalogue() -> str:
    """The README's part between BEGIN and END: the command's listing, then the table."""
    return "\n".join([BEGIN, "```", "$ handgrad kinds", *listing(), "```", "", *table(), END])


def with_catalogue(readme: str) -> str:
    """The README with its catalogue written afresh from the registry."""
    start, stop = readme.index(BEGIN), readme.index(END) + len(END)
    return readme[:start] + catalogue() + readme[stop:]
