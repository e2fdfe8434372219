"""The time every command reads: the clock, or HANDGRAD_NOW in its place.

`HANDGRAD_NOW=2027-01-05T10:00:00Z handgrad ...` runs a command as if it were that moment (a time
without a zone is UTC), so a week of practice, reviews coming due and the path can be tried, and
tested, in a minute. Durations (seconds taken) are measured with the monotonic clock, not this.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone

from handgrad_cli.errors import UserError, visible

NOW_VARIABLE = "HANDGRAD_NOW"


def now() -> datetime:
    """The current time in UTC, or HANDGRAD_NOW's when it is set."""
    given = os.environ.get(NOW_VARIABLE, "")
    if not given:
        return datetime.now(timezone.utc)
    try:
        moment = datetime.fromisoformat(given)
    except ValueError:
        raise UserError(f"{NOW_VARIABLE}={visible(given)} is not an ISO time: give one such as "
                        "2027-01-05T10:00:00Z, or unset it") from None
    return moment.replace(tzinfo=moment.tzinfo or timezone.utc).astimezone(timezone.utc)
