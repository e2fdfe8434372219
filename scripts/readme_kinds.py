"""Rewrites the README's catalogue of kinds from the registry (`make readme`)."""

from pathlib import Path

from handgrad_cli.kinds.catalogue import with_catalogue

README = Path(__file__).resolve().parent.parent / "README.md"

README.write_text(with_catalogue(README.read_text(encoding="utf-8")), encoding="utf-8")
