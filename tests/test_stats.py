"""Stats from a week of practice: accuracy, trend, common mistakes, streak, sessions; `handgrad stats`."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

from handgrad_cli.cli import app
from handgrad_cli.history import open_history
from handgrad_cli.render.progress import sparkline
from handgrad_cli.stats import common_mistakes, level_stats, session_stats, streak, summary
from progress_helpers import day, make_attempt

runner = CliRunner()
UTC = timezone.utc


def week(start: datetime) -> list:
    """Seven daily sessions of softmax-ce at medium, getting better: 2 of 4 right, then 3 of 4, then 4 of 4."""
    attempts = []
    for n in range(7):
        right = 2 if n < 2 else 3 if n < 4 else 4
        for i in range(4):
            at = start + timedelta(days=n, minutes=i)
            attempts.append(make_attempt(at, correct=i < right, mistake="not-divided-by-n", session=f"day{n}"))
    attempts.append(make_attempt(start, kind="tanh-neuron", difficulty="easy", gradient="dz", correct=False,
                                 mistake="missing-one-minus", session="day0"))
    return attempts


def test_levels_have_accuracy_trend_and_common_mistakes() -> None:
    softmax, tanh = level_stats(week(day(0)), recent=8)
    assert (softmax.kind, softmax.difficulty, softmax.attempts, softmax.correct) == ("softmax-ce", "medium", 28, 22)
    assert softmax.recent_accuracy == 1.0
    assert round(softmax.trend, 3) == round(1.0 - 14 / 20, 3)  # the last 8 all right, 14 of the 20 before
    assert softmax.mistakes == [("not-divided-by-n", 6)]
    assert (tanh.attempts, tanh.accuracy, tanh.trend, tanh.mistakes) == (1, 0.0, None, [("missing-one-minus", 1)])


def test_common_mistakes_are_most_frequent_first() -> None:
    attempts = [make_attempt(correct=False, mistake=slug) for slug in ("b", "a", "b", "c", "a", "b")]
    assert common_mistakes(attempts, top=2) == [("b", 3), ("a", 2)]


def test_streak_counts_consecutive_days_and_survives_until_today_ends() -> None:
    days = {date(2026, 11, d) for d in (10, 12, 13, 14)}
    assert streak(days, date(2026, 11, 14)) == 3
    assert streak(days, date(2026, 11, 15)) == 3  # not yet practised today: the streak is still alive
    assert streak(days, date(2026, 11, 16)) == 0
    assert streak(set(), date(2026, 11, 16)) == 0


def test_practice_days_are_the_learners_own() -> None:
    late = make_attempt(datetime(2026, 11, 16, 23, 30, tzinfo=UTC))
    east = timezone(timedelta(hours=2))  # already the 17th there
    assert summary([late], datetime(2026, 11, 17, 8, tzinfo=UTC), ["softmax-ce"], tz=east)["streak_days"] == 1
    assert summary([late], datetime(2026, 11, 18, 8, tzinfo=UTC), ["softmax-ce"], tz=UTC)["streak_days"] == 0


def test_sessions_are_the_last_ones_oldest_first() -> None:
    rows = session_stats(week(day(0)), last=3, tz=UTC)
    assert [(row.session, row.attempts, row.accuracy) for row in rows] == [("day4", 4, 1.0), ("day5", 4, 1.0),
                                                                           ("day6", 4, 1.0)]
    old = [make_attempt(day(0), session=""), make_attempt(day(1), session="", correct=False)]
    assert [row.session for row in session_stats(old, tz=UTC)] == ["day 2026-11-16", "day 2026-11-17"]


def test_sparkline_rises_with_accuracy() -> None:
    assert sparkline([0.0, 0.5, 1.0]) == "▁▅█"


def test_summary_of_a_week() -> None:
    data = summary(week(day(0)), day(6, hour=20), ["softmax-ce", "tanh-neuron"], tz=UTC)
    assert (data["attempts"], data["correct"], data["practice_days"], data["streak_days"]) == (29, 22, 7, 7)
    assert data["mistakes"][0] == {"mistake": "not-divided-by-n", "count": 6}
    assert [row["accuracy"] for row in data["sessions"]] == [0.4, 0.5, 0.75, 0.75, 1.0, 1.0, 1.0]
    assert data["review"][0] == {"kind": "tanh-neuron", "difficulty": "easy", "box": 1,
                                 "due": "2026-11-16T09:00:00Z", "due_now": True, "new": False}


def record(home: Path, attempts) -> None:
    with open_history(home / "history.sqlite3") as history:
        for attempt in attempts:
            history.record(attempt)


# The command's clock, fixed at noon UTC: a week that starts ten minutes before it is seven calendar days in
# every time zone, whatever the hour the tests run (at 00:08 a week started "now" would span eight).
NOON = datetime(2026, 3, 11, 12, 0, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch) -> datetime:
    monkeypatch.setattr("handgrad_cli.cli.utc_now", lambda: NOON)
    return NOON


def test_stats_json_is_parsed_by_scripts(tmp_path: Path, clock: datetime) -> None:
    record(tmp_path, week(clock - timedelta(days=6, minutes=10)))
    result = runner.invoke(app, ["stats", "--format", "json"], env={"HANDGRAD_HOME": str(tmp_path)})
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["attempts"] == 29 and data["streak_days"] >= 6
    assert [(row["kind"], row["difficulty"]) for row in data["levels"]] == [("softmax-ce", "medium"),
                                                                            ("tanh-neuron", "easy")]


def test_stats_table_shows_trend_mistakes_and_the_chart_without_colour(tmp_path: Path, clock: datetime) -> None:
    record(tmp_path, week(clock - timedelta(days=6, minutes=10)))
    result = runner.invoke(app, ["stats"], env={"HANDGRAD_HOME": str(tmp_path), "COLUMNS": "120"})
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "\x1b[" not in out  # not a terminal: no colour
    assert "29 answers graded, 76% right (76% on the first try); over 7 practice days" in out
    assert "not divided by n x6" in out and "+33 pts" in out  # a mistake in words, not its slug
    assert "Last 7 sessions: ▄▅▇▇███" in out
    assert re.search(r"█{8}░{12} +40% +5 answers", out) and re.search(r"█{20} +100% +4 answers", out)


def test_stats_with_no_history_says_how_to_start_and_creates_nothing(tmp_path: Path) -> None:
    result = runner.invoke(app, ["stats"], env={"HANDGRAD_HOME": str(tmp_path / "new")})
    assert result.exit_code == 0
    assert "No practice recorded yet" in result.stdout
    assert not (tmp_path / "new").exists()


def test_stats_at_80_columns_shows_every_kind_and_mistake_whole(tmp_path: Path, clock: datetime) -> None:
    start = clock - timedelta(hours=2)
    slips = {"softmax-ce": ("onehot-not-subtracted", "sign-flipped", "mean-forgotten"),
             "tanh-neuron": ("tanh-not-derivative", "dw-dx-swapped", "z-squared")}
    record(tmp_path, [make_attempt(start + timedelta(minutes=i), kind=kind, difficulty="hard", correct=False,
                                   mistake=slug, session="s1")
                      for kind, slugs in slips.items() for i, slug in enumerate(slugs)])
    result = runner.invoke(app, ["stats"], env={"HANDGRAD_HOME": str(tmp_path), "COLUMNS": "80"})
    assert result.exit_code == 0, result.stderr
    assert max(len(line) for line in result.stdout.splitlines()) <= 80
    assert "…" not in result.stdout
    from handgrad_cli.mistake_words import mistake_words

    for kind, slugs in slips.items():
        assert kind in result.stdout and all(mistake_words(slug) in result.stdout for slug in slugs)


def mixed_session(start: datetime) -> list:
    """Six gradients: right, right after a miss, wrong, and one each skipped, revealed and explained."""
    from handgrad_cli.attempts import Try

    miss = Try(1, False, "sign-flipped", 0, 10.0)
    statuses = [("right", ()), ("right after a miss", (miss, Try(2, True, None, 0, 20.0))), ("wrong", (miss, miss)),
                ("skipped", ()), ("revealed", ()), ("explained", ())]
    return [make_attempt(start + timedelta(minutes=i), status=status, tries=tries,
                         mistake="sign-flipped" if status == "wrong" else None, problem=f"softmax-ce-m{i}")
            for i, (status, tries) in enumerate(statuses)]


def test_accuracy_counts_answered_gradients_first_tries_beside_it_and_the_rest_apart() -> None:
    data = summary(mixed_session(day(0)), day(0, hour=20), ["softmax-ce"], tz=UTC)
    assert (data["attempts"], data["answered"], data["correct"], data["right_first_try"]) == (6, 3, 2, 1)
    assert (round(data["accuracy"], 3), round(data["first_try_accuracy"], 3)) == (0.667, 0.333)
    assert data["not_answered"] == {"skipped": 1, "revealed": 1, "explained": 1}
    assert data["mistakes"] == [{"mistake": "sign-flipped", "count": 2}]  # the corrected try's and the wrong one's
    (level,) = data["levels"]
    assert (level["answered"], level["accuracy"], level["not_answered"]["skipped"]) == (3, 2 / 3, 1)
    assert data["sessions"][0]["answered"] == 3 and data["sessions"][0]["accuracy"] == 2 / 3


def test_only_skips_give_no_accuracy_rather_than_zero() -> None:
    data = summary([make_attempt(day(0), status="skipped")], day(0, hour=20), ["softmax-ce"], tz=UTC)
    assert (data["answered"], data["accuracy"], data["first_try_accuracy"]) == (0, None, None)


def test_stats_table_and_json_show_first_tries_and_what_was_not_answered(tmp_path: Path, clock: datetime) -> None:
    record(tmp_path, mixed_session(clock - timedelta(hours=1)))
    env = {"HANDGRAD_HOME": str(tmp_path), "COLUMNS": "80"}
    table = runner.invoke(app, ["stats"], env=env)
    assert table.exit_code == 0, table.stderr
    assert ("3 answers graded, 67% right (33% on the first try); not answered: 1 skipped, 1 revealed, "
            "1 explained;") in " ".join(table.stdout.split())
    assert "+1 skipped" in table.stdout and "+1 explained" in table.stdout
    data = json.loads(runner.invoke(app, ["stats", "--format", "json"], env=env).stdout)
    assert (data["answered"], data["right_first_try"], data["not_answered"]["revealed"]) == (3, 1, 1)
