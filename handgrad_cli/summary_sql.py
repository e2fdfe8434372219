"""`stats` and `drill --review` over a history of any length: the figures `stats.summary` and `review.levels`
work out from every attempt, aggregated by SQLite instead, so that only what is shown reaches Python (a
learner of a few years has hundreds of thousands of answers: all of them as objects would take half a minute
and more than half a gigabyte).

The rows left out are those the attempt reader leaves out (`History.settled`), with the same warning.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from handgrad_cli.attempts import ANSWERED, ATTEMPT_FIELDS, MODES, NOT_ANSWERED, SOLVED, Attempt
from handgrad_cli.history import BY_TIME, CANONICAL_TIME, READABLE_TRY, History, _listed, utc_stamp
from handgrad_cli.mistakes import RECENT_WEEKS
from handgrad_cli.problem import DIFFICULTIES
from handgrad_cli import review
from handgrad_cli.review import Level, parse_time, queue
from handgrad_cli.stats import (LAST_SESSIONS, RECENT, TOP_MISTAKES, LevelStats, SessionStats, _difficulty_rank,
                                _level_record, _schedule_record, streak)

IS_ANSWERED, IS_SOLVED = f"status IN ({_listed(ANSWERED)})", f"status IN ({_listed(SOLVED)})"


# --- stats --------------------------------------------------------------------------------


def summary(history: History, now: datetime, kinds: Sequence[str] | Callable[[list[str]], Sequence[str]],
            tz: tzinfo | None = None) -> dict[str, Any]:
    """`stats.summary` of the history's attempts; `kinds` may be worked out from the kinds practised."""
    groups = _by_level_and_mode(history)
    if callable(kinds):
        kinds = kinds([row[0] for row in groups])
    levels = _levels(history, groups)
    counted = {name: sum(getattr(level.stats, name) for level in levels)
               for name in ("attempts", "answered", "correct", "right_first_try")}
    mistakes = sum((level.mistakes for level in levels), Counter())
    days, last_practice = _practice_days(history, tz)
    return {
        **counted,
        "accuracy": _share(counted["correct"], counted["answered"]),
        "first_try_accuracy": _share(counted["right_first_try"], counted["answered"]),
        "not_answered": {status: sum(level.stats.not_answered[status] for level in levels)
                         for status in NOT_ANSWERED},
        "practice_days": len(days),
        "streak_days": streak(days, now.astimezone(tz).date()),
        "last_practice": last_practice,
        "levels": [_level_record(level.stats) for level in levels],
        "mistakes": [{"mistake": slug, "count": count} for slug, count in _top(mistakes)],
        "sessions": [vars(row) for row in _sessions(history, tz)],
        "review": [_schedule_record(level, now) for level in queue(schedule(history, kinds, "drill"), now)],
        "modes": [record for mode in MODES if (record := _mode_record(history, mode, groups, now))],
    }


def _counted(history: History, keys: Sequence[str], sums: Sequence[str], where: str = "1") -> list[tuple]:
    """`SELECT *keys, *sums ... GROUP BY *keys` over the settled gradients handgrad can read."""
    return history.rows(f"SELECT {', '.join([*keys, *sums])} FROM attempts WHERE {history.settled()} AND {where} "
                        f"GROUP BY {', '.join(keys)}")


def _by_level_and_mode(history: History) -> list[tuple]:
    """(kind, difficulty, mode, gradients, answered, solved, right first time, *NOT_ANSWERED) of each level and
    mode, in order, added up from their counts by status: the index by level and mode holds those in order,
    so that no row of the table is read and nothing is sorted."""
    totals: dict[tuple[str, str, str], list[int]] = {}
    for *level_and_mode, status, count in _counted(history, ("kind", "difficulty", "mode", "status"), ("count(*)",)):
        counted = (1, status in ANSWERED, status in SOLVED, status == "right",
                   *(status == apart for apart in NOT_ANSWERED))
        total = totals.setdefault(tuple(level_and_mode), [0] * len(counted))
        total[:] = [sum_ + count * one for sum_, one in zip(total, counted)]
    return sorted((*level_and_mode, *total) for level_and_mode, total in totals.items())


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _mode_record(history: History, mode: str, groups: list[tuple], now: datetime) -> dict[str, Any] | None:
    """`stats._mode_record`: a mode's gradients and accuracy (code: with its own schedule); None for a mode
    never used (but the drill's)."""
    rows = [row for row in groups if row[2] == mode]
    if not rows and mode != "drill":
        return None
    attempts, answered, correct, right = (sum(row[i] for row in rows) for i in range(3, 7))
    record = {"mode": mode, "attempts": attempts, "answered": answered, "accuracy": _share(correct, answered),
              "first_try_accuracy": _share(right, answered)}
    if mode == "code":
        kinds = sorted({row[0] for row in rows})
        record["review"] = [_schedule_record(level, now) for level in queue(schedule(history, kinds, "code"), now)]
    return record


def _top(counts: Counter) -> list[tuple[str, int]]:
    """The most frequent first, ties in name order (as `stats.common_mistakes`)."""
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:TOP_MISTAKES]


@dataclass
class _Level:
    stats: LevelStats
    mistakes: Counter  # every mistake of the level, for the overall count


def _levels(history: History, groups: list[tuple]) -> list[_Level]:
    """`stats.level_stats`, by kind then difficulty, from the counts of each level and mode."""
    totals: dict[tuple[str, str], list[int]] = {}
    for kind, difficulty, _, *counts in groups:
        level = totals.setdefault((kind, difficulty), [0] * len(counts))
        level[:] = [total + count for total, count in zip(level, counts)]
    mistakes: dict[tuple[str, str], Counter] = {}
    for kind, difficulty, slug, count in _mistakes(history):
        mistakes.setdefault((kind, difficulty), Counter())[slug] = count
    levels = []
    for (kind, difficulty), (attempts, answered, correct, right, *apart) in totals.items():
        recent, recent_correct = _recent(history, kind, difficulty)
        earlier = answered - recent
        recent_accuracy = _share(recent_correct, recent)
        found = mistakes.get((kind, difficulty), Counter())
        stats = LevelStats(kind, difficulty, attempts, answered, correct, right, _share(correct, answered),
                           _share(right, answered), recent_accuracy,
                           recent_accuracy - (correct - recent_correct) / earlier if earlier else None,
                           dict(zip(NOT_ANSWERED, apart)), _top(found))
        levels.append(_Level(stats, found))
    levels.sort(key=lambda level: (level.stats.kind, _difficulty_rank(level.stats.difficulty), level.stats.difficulty))
    return levels


def _recent(history: History, kind: str, difficulty: str) -> tuple[int, int]:
    """How many answered gradients the level's last RECENT are, and how many of them were solved (the
    index on kind, difficulty and time reads them from the end)."""
    (found,) = history.rows(f"""
        SELECT count(*), coalesce(sum({IS_SOLVED}), 0) FROM (
            SELECT status FROM attempts WHERE kind = ? AND difficulty = ? AND {IS_ANSWERED} AND {history.settled()}
            ORDER BY answered_at DESC, id DESC LIMIT {RECENT})""", (kind, difficulty))
    return found


def _mistakes(history: History) -> list[tuple]:
    """Each level's diagnosed mistakes, each counted once a gradient (its own and its readable tries')."""
    return history.rows(f"""
        SELECT kind, difficulty, slug, count(*) FROM (
            SELECT id, kind, difficulty, mistake AS slug FROM attempts WHERE mistake <> '' AND {history.settled()}
            UNION
            SELECT a.id, a.kind, a.difficulty, t.mistake FROM tries t CROSS JOIN attempts a ON a.id = t.attempt
            WHERE t.mistake <> '' AND {READABLE_TRY} AND {history.settled("a")})
        GROUP BY kind, difficulty, slug""")


def _practice_days(history: History, tz: tzinfo | None) -> tuple[set[date], str | None]:
    """The calendar days practised in the learner's zone, and the last time practised. An hour of UTC meets at
    most two local days, the one of its first answer and the one of its last, so those two tell every day."""
    walk = history.has_index(BY_TIME) and not history.odd_times  # else each lookup would read every row
    hours = _hours_walked(history) if walk else _hours_grouped(history)
    days = {parse_time(moment).astimezone(tz).date() for first, last in hours for moment in {first, last}}
    return days, max((last for _, last in hours), default=None)


def _hours_walked(history: History) -> list[tuple]:
    """The first and last answer of each hour practised, from the index by time: its first answer at or after
    the hour's end (':60' follows every minute of it) is the next hour's first, so two lookups an hour."""
    settled = history.settled()
    return history.rows(f"""
        WITH RECURSIVE hours(first) AS (
            SELECT min(answered_at) FROM attempts WHERE {settled}
            UNION ALL
            SELECT (SELECT min(answered_at) FROM attempts WHERE answered_at >= substr(first, 1, 13) || ':60'
                    AND {settled})
            FROM hours WHERE first IS NOT NULL)
        SELECT first, (SELECT max(answered_at) FROM attempts WHERE answered_at < substr(first, 1, 13) || ':60'
                       AND {settled})
        FROM hours WHERE first IS NOT NULL""")


def _hours_grouped(history: History) -> list[tuple]:
    """The same where some times are in another format (which do not sort as text): each of those alone."""
    return history.rows(f"""
        SELECT min(answered_at), max(answered_at) FROM attempts WHERE {history.settled()} GROUP BY
        CASE WHEN answered_at GLOB {CANONICAL_TIME} THEN substr(answered_at, 1, 13) ELSE answered_at END""")


def _sessions(history: History, tz: tzinfo | None) -> list[SessionStats]:
    """`stats.session_stats`: the last sessions, oldest first (those kept before sessions, a group a day).
    They are taken in the order of their first gradient, as the attempts are ordered: by time, then by row.
    A named session's gradients are counted only if it is shown (the index by session has their starts)."""
    found: dict[str, list] = {}  # name -> [started, its first row (looked up when needed), attempts, answered, correct]
    for session, started in history.rows(f"""
            SELECT session, min(answered_at) FROM attempts WHERE session <> '' AND {history.settled()}
            GROUP BY session"""):
        found[session] = [started, None, 0, 0, 0]
    named = set(found)
    for moment, row, answered, correct in history.rows(f"""
            SELECT answered_at, id, {IS_ANSWERED}, {IS_SOLVED} FROM attempts WHERE session = '' AND {history.settled()}"""):
        name = f"day {parse_time(moment).astimezone(tz).date().isoformat()}"
        totals = found.setdefault(name, [moment, row, 0, 0, 0])
        if totals[1] is None:  # a session of that very name: the two are one, as in `stats.session_stats`
            totals[1] = _first_row(history, name, totals[0])
        totals[:] = [*min(totals[:2], [moment, row]), totals[2] + 1, totals[3] + answered, totals[4] + correct]
    starts = Counter(totals[0] for totals in found.values())
    for name, totals in found.items():
        if starts[totals[0]] > 1 and totals[1] is None:  # sessions that began in the same second
            totals[1] = _first_row(history, name, totals[0])
    last = sorted(found.items(), key=lambda item: (item[1][0], item[1][1] or 0))[-LAST_SESSIONS:]
    for name, totals in last:
        if name in named:  # with the day's gradients kept before sessions, if it is named like that day
            totals[2:] = [sum(pair) for pair in zip(totals[2:], _session_counts(history, name))]
    return [SessionStats(name, started, attempts, answered, correct, correct / answered if answered else None)
            for name, (started, _, attempts, answered, correct) in last]


def _session_counts(history: History, session: str) -> tuple[int, int, int]:
    """A named session's gradients, those answered and those solved."""
    (counts,) = history.rows(f"SELECT count(*), coalesce(sum({IS_ANSWERED}), 0), coalesce(sum({IS_SOLVED}), 0) "
                             f"FROM attempts WHERE session = ? AND {history.settled()}", (session,))
    return counts


def _first_row(history: History, session: str, started: str) -> int:
    return history.rows(f"SELECT min(id) FROM attempts WHERE {history.settled()} AND session = ? AND answered_at = ?",
                        (session, started))[0][0]


# --- the review schedule ------------------------------------------------------------------


def _of_mode(mode: str | None) -> str:
    """The gradients that count for a mode, as `stats.scheduling` takes them (code apart from the rest)."""
    if mode is None:
        return "1"
    return "mode = 'code'" if mode == "code" else "mode <> 'code'"


def practised_kinds(history: History, mode: str | None = None) -> list[str]:
    """The kinds of the settled gradients (of a mode)."""
    return [kind for kind, _ in _counted(history, ("kind",), ("count(*)",), _of_mode(mode))]


def recent_mistakes(history: History, now: datetime, mode: str | None = None) -> list[Attempt]:
    """The settled gradients (of a mode) with a named mistake, of the last 2 × RECENT_WEEKS, with their tries:
    all that `mistakes.aims` counts. Times not in the history's own format do not compare as text: with any
    of those, every attempt."""
    mistaken = (f"(mistake <> '' OR EXISTS (SELECT 1 FROM tries WHERE tries.attempt = attempts.id "
                f"AND tries.mistake <> '')) AND {_of_mode(mode)}")
    if history.odd_times:
        return history.attempts(warned=True, where=mistaken)
    window = (utc_stamp(now - 2 * timedelta(weeks=RECENT_WEEKS)), utc_stamp(now))
    return history.attempts(warned=True, where=f"answered_at BETWEEN ? AND ? AND {mistaken}", params=window)


def schedule(history: History, kinds: Sequence[str], mode: str = "drill") -> dict[tuple[str, str], Level]:
    """`review.levels` of a mode's gradients, replayed from the attempts that can still move each level: a
    miss sends a level to box 1 whatever came before it, so a level's sessions from its last missed gradient
    on are enough (every one of a level never missed). A problem's gradients share its kind and difficulty
    (they share its ID); the levels' `results` and `misses` count what was replayed. Times not in the
    history's own format do not sort as text: with any of those, every attempt is replayed."""
    of_mode = _of_mode(mode)
    if history.odd_times:
        return review.levels(history.attempts(warned=True, where=of_mode), kinds)
    sessions = {session for kind in kinds for difficulty in DIFFICULTIES
                for session in _sessions_since_last_miss(history, kind, difficulty, of_mode)}
    found = history.rows(f"SELECT {', '.join(ATTEMPT_FIELDS)} FROM attempts WHERE {history.settled()} AND {of_mode} "
                         "AND session IN (SELECT value FROM json_each(?)) ORDER BY answered_at, id",
                         (json.dumps(sorted(sessions)),))
    return review.levels([Attempt(*row) for row in found], kinds)


def _sessions_since_last_miss(history: History, kind: str, difficulty: str, of_mode: str) -> list[str]:
    """The sessions with the level's gradients from its last miss on (the index on kind, difficulty and time
    reads them from the end)."""
    last_miss = history.rows(f"""
        SELECT answered_at FROM attempts WHERE kind = ? AND difficulty = ? AND status <> 'right' AND {of_mode}
        AND {history.settled()} ORDER BY answered_at DESC LIMIT 1""", (kind, difficulty))
    since = last_miss[0][0] if last_miss else ""
    return [session for (session,) in history.rows(f"""
        SELECT DISTINCT session FROM attempts WHERE kind = ? AND difficulty = ? AND answered_at >= ? AND {of_mode}
        AND {history.settled()}""", (kind, difficulty, since))]
