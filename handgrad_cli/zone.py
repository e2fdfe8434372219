"""The learner's own time zone, for calendar days and the times shown, or UTC where it cannot be used."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import datetime, timezone

from handgrad_cli.errors import shown


def local_zone_or_utc(warn: Callable[[str], None]) -> None:
    """Keep the local zone if a time can be put in it; else (TZ=XXX+24: an offset of a day or more, which
    Python's datetime refuses) use UTC for the rest of the command, with one warning."""
    try:
        datetime.now(timezone.utc).astimezone()
        return
    except (ValueError, OverflowError):
        pass
    zone = f"TZ={shown(os.environ['TZ'])}" if "TZ" in os.environ else "the local time zone"
    warn(f"handgrad: warning: {zone} cannot be used (an offset of a day or more): times and days are in UTC")
    os.environ["TZ"] = "UTC"
    if hasattr(time, "tzset"):
        time.tzset()
