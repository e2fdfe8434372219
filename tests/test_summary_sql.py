"""`stats` and `drill --review` aggregate in SQL: over any small history, the figures are those the pure
functions work out from every attempt (`stats.summary`, `review.levels`), warnings included."""

from __future__ import annotations

import os
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from handgrad_cli import summary_sql
from handgrad_cli.attempts import STATUSES, Attempt, Try
from handgrad_cli.history import open_history
from handgrad_cli.review import chosen_levels, levels
from handgrad_cli.mistakes import aims
from handgrad_cli.stats import scheduling, summary

START = datetime(2026, 3, 20, 21, 0, tzinfo=timezone.utc)  # a week before Europe's clocks move
KINDS = ["softmax-ce", "tanh-neuron"]
PROBLEMS = {"softmax-ce-e1": ("dlogits",), "softmax-ce-m2": ("dlogits",), "tanh-neuron-e3": ("dz", "dw", "db", "dx"),
            "tanh-neuron-h4": ("dz", "dw"), "retired-kind-m5": ("dq",)}
ZONES = [timezone.utc, timezone(timedelta(hours=-9, minutes=-30)), timezone(timedelta(hours=13, minutes=45))]
try:
    from zoneinfo import ZoneInfo

    ZONES.append(ZoneInfo("Europe/Paris"))  # a day of 23 hours in the range drawn
except Exception:  # no time zone database here: the fixed offsets still cover the calendar
    pass
EXAMPLES = 300 if os.environ.get("HYPOTHESIS_PROFILE") == "deep" else 40


@st.composite
def times(draw) -> str:
    moment = START + timedelta(minutes=draw(st.integers(0, 60 * 24 * 12)), seconds=draw(st.sampled_from([0, 0, 30])))
    form = draw(st.sampled_from(["own"] * 12 + ["weeks before", "offset", "fraction", "garbage", "edge"]))
    if form == "weeks before":  # the weeks before those `aims` counts, and before those
        moment -= timedelta(days=draw(st.integers(20, 70)))
    elif form == "offset":  # readable, but not the history's own format
        return moment.astimezone(timezone(timedelta(hours=2))).isoformat()
    if form == "fraction":
        return moment.strftime("%Y-%m-%dT%H:%M:%S.250000Z")
    if form == "garbage":
        return draw(st.sampled_from(["yesterday", "2026-02-30T10:00:00Z", "2026-03-21T24:00:00Z"]))
    if form == "edge":
        return "9999-12-31T23:59:59Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@st.composite
def attempts(draw) -> Attempt:
    problem = draw(st.sampled_from(sorted(PROBLEMS)))
    kind, difficulty = problem.rsplit("-", 1)[0], {"e": "easy", "m": "medium", "h": "hard"}[problem.rsplit("-", 1)[1][0]]
    slip = st.sampled_from([None, None, "sign-flipped", "onehot-not-subtracted", ""])
    tries = tuple(Try(number, draw(st.booleans()), draw(slip), draw(st.integers(0, 2)), 3.0)
                  for number in range(1, draw(st.integers(0, 2)) + 1))
    return Attempt(draw(times()), draw(st.sampled_from(["s1", "s2", "s3", "", "day 2026-03-22"])), problem, kind,
                   difficulty, draw(st.sampled_from(PROBLEMS[problem])), draw(st.sampled_from([*STATUSES, "right", None])),
                   draw(slip), draw(st.integers(0, 3)), 10.0, tries, draw(st.sampled_from(["drill", "drill", "debug", "code"])))


def _written(history_attempts: list[Attempt], folder: Path):
    db = folder / "history.sqlite3"
    with open_history(db) as history:
        for attempt in history_attempts:
            history.record(attempt)
    return db


@settings(max_examples=EXAMPLES)
@given(st.lists(attempts(), max_size=40), st.sampled_from(ZONES), st.integers(0, 30))
def test_the_sql_figures_are_those_of_every_attempt(history_attempts, zone, days_later):
    now = START + timedelta(days=days_later, hours=5)
    with tempfile.TemporaryDirectory() as folder:
        db = _written(history_attempts, Path(folder))
        warned_pure, warned_sql = [], []
        with open_history(db, warn=warned_pure.append) as history:
            every = history.attempts()
            expected = summary(every, now, KINDS, zone)
            expected_levels = {mode: levels(scheduling(every, mode), KINDS) for mode in ("drill", "code")}
            expected_aims = aims(every, now)
        with open_history(db, warn=warned_sql.append) as history:
            found = summary_sql.summary(history, now, KINDS, zone)
        with open_history(db, warn=lambda line: None) as history:
            found_levels = {mode: summary_sql.schedule(history, KINDS, mode) for mode in ("drill", "code")}
            found_aims = aims(summary_sql.recent_mistakes(history, now), now)
    assert found == expected
    assert warned_sql == warned_pure
    assert found_aims == expected_aims
    for mode, schedule in found_levels.items():
        assert {key: (level.box, level.due, level.results > 0) for key, level in schedule.items()} == {
            key: (level.box, level.due, level.results > 0) for key, level in expected_levels[mode].items()}
        assert _shown(chosen_levels(schedule, now)) == _shown(chosen_levels(expected_levels[mode], now))


def _shown(chosen) -> list[tuple]:
    """What a review takes from a level (its results and misses count only what was replayed)."""
    return [(level.kind, level.difficulty, level.box, level.due) for level in chosen]


@settings(max_examples=EXAMPLES // 2)
@given(st.lists(attempts(), max_size=40), st.sampled_from([["softmax-ce"], ["tanh-neuron", "softmax-ce"]]),
       st.sampled_from(ZONES), st.integers(0, 30))
def test_the_figures_of_some_kinds_are_those_of_their_attempts(history_attempts, names, zone, days_later):
    """`stats KIND...`: the figures of the named kinds' attempts alone, with the warnings of the whole file."""
    now = START + timedelta(days=days_later, hours=5)
    with tempfile.TemporaryDirectory() as folder:
        db = _written(history_attempts, Path(folder))
        warned_pure, warned_sql = [], []
        with open_history(db, warn=warned_pure.append) as history:
            theirs = [attempt for attempt in history.attempts() if attempt.kind in names]
        with open_history(db, warn=warned_sql.append) as history:
            history.of_kinds(names)
            found = summary_sql.summary(history, now, names, zone)
            found_aims = aims(summary_sql.recent_mistakes(history, now), now)
    assert found == summary(theirs, now, names, zone)
    assert found_aims == aims(theirs, now)
    assert warned_sql == warned_pure
