"""The Leitner rules, with a clock: a week of practice in a few lines."""

from __future__ import annotations

from datetime import timedelta

from handgrad_cli.problem import ProblemId
from handgrad_cli.review import (BOX_DAYS, CLEAN, HINTED, MISS, Level, levels, problem_results, queue,
                                 review_ids)
from progress_helpers import day, make_attempt, make_problem

KINDS = ("softmax-ce", "tanh-neuron")


def test_box_intervals_double() -> None:
    assert BOX_DAYS == (1, 2, 4, 8, 16)


def test_a_problem_is_missed_when_any_gradient_is_wrong() -> None:
    attempts = [
        make_attempt(day(0), kind="tanh-neuron", problem="tanh-neuron-e1", gradient="dz"),
        make_attempt(day(0, minute=1), kind="tanh-neuron", problem="tanh-neuron-e1", gradient="dw", correct=False),
        make_attempt(day(0, minute=2), problem="softmax-ce-m2", hints=1),
        make_attempt(day(0, minute=3), problem="softmax-ce-m3"),
    ]
    assert [result.result for result in problem_results(attempts)] == [MISS, HINTED, CLEAN]


def test_a_clean_answer_when_due_moves_up_a_box() -> None:
    level = Level("softmax-ce", "easy").after(CLEAN, day(0))
    assert (level.box, level.due) == (2, day(2))
    level = level.after(CLEAN, day(2))
    assert (level.box, level.due) == (3, day(6))


def test_cramming_before_due_keeps_the_box() -> None:
    level = Level("softmax-ce", "easy").after(CLEAN, day(0)).after(CLEAN, day(0, minute=5))
    assert (level.box, level.due, level.results) == (2, day(2), 2)


def test_a_miss_goes_back_to_box_1_and_is_due_at_once() -> None:
    level = Level("softmax-ce", "easy", box=4, due=day(0))
    level = level.after(MISS, day(1))
    assert (level.box, level.due, level.misses) == (1, day(1), 1)
    assert level.is_due(day(1))


def test_hints_keep_the_box_and_wait_its_interval() -> None:
    level = Level("softmax-ce", "easy", box=3, due=day(0)).after(HINTED, day(0))
    assert (level.box, level.due) == (3, day(4))


def test_the_top_box_is_five() -> None:
    level = Level("softmax-ce", "easy", box=5, due=day(0)).after(CLEAN, day(0))
    assert (level.box, level.due) == (5, day(16))


def test_a_new_learner_starts_every_kind_at_easy() -> None:
    chosen = list(review_ids([], KINDS, day(0), 4, seed=1))
    assert [(pid.kind, pid.difficulty) for pid in chosen] == [("softmax-ce", "easy"), ("tanh-neuron", "easy")] * 2
    assert all(isinstance(pid, ProblemId) for pid in chosen) and len({pid.seed for pid in chosen}) == 4


def test_review_is_reproducible_from_its_seed() -> None:
    attempts = [make_attempt(day(0), correct=False)]
    assert list(review_ids(attempts, KINDS, day(0), 5, seed=7)) == list(review_ids(attempts, KINDS, day(0), 5, seed=7))
    assert list(review_ids(attempts, KINDS, day(0), 5, seed=7)) != list(review_ids(attempts, KINDS, day(0), 5, seed=8))


def test_review_brings_the_misses_back_first() -> None:
    attempts = [
        make_attempt(day(0), kind="softmax-ce", difficulty="medium", correct=False, mistake="sign-flipped"),
        make_attempt(day(0, minute=1), kind="tanh-neuron", difficulty="easy"),
    ]
    chosen = list(review_ids(attempts, KINDS, day(0, minute=2), 3, seed=0))
    assert [(pid.kind, pid.difficulty) for pid in chosen] == [("softmax-ce", "medium")] * 3


def test_practised_kinds_do_not_restart_at_easy() -> None:
    schedule = levels([make_attempt(day(0), difficulty="medium")], KINDS)
    assert set(schedule) == {("softmax-ce", "medium"), ("tanh-neuron", "easy")}


def test_a_difficulty_rises_when_the_one_below_is_mastered() -> None:
    easy = [make_attempt(day(0), difficulty="easy")]
    assert ("softmax-ce", "medium") not in levels(easy, KINDS)
    easy.append(make_attempt(day(2), difficulty="easy"))  # clean again when due: box 3, mastered
    schedule = levels(easy, KINDS)
    assert schedule["softmax-ce", "easy"].box == 3
    assert schedule["softmax-ce", "medium"] == Level("softmax-ce", "medium")
    chosen = list(review_ids(easy + make_problem(day(2), kind="tanh-neuron", difficulty="easy"), KINDS, day(3), 2, 0))
    assert [(pid.kind, pid.difficulty) for pid in chosen] == [("softmax-ce", "medium")] * 2


def test_nothing_due_reviews_the_level_due_soonest() -> None:
    attempts = [make_attempt(day(0), difficulty="easy"), *make_problem(day(0), kind="tanh-neuron", difficulty="easy"),
                *make_problem(day(1), kind="tanh-neuron", difficulty="easy", hints=1)]  # hints: due on day 3
    ordered = queue(levels(attempts, KINDS), day(1) + timedelta(hours=1))
    assert [(level.kind, level.box, level.due) for level in ordered] == [("softmax-ce", 2, day(2)),
                                                                          ("tanh-neuron", 2, day(3))]
    chosen = list(review_ids(attempts, KINDS, day(1) + timedelta(hours=1), 2, 0))
    assert [pid.kind for pid in chosen] == ["softmax-ce", "softmax-ce"]


def test_an_unfinished_problem_keeps_its_box() -> None:
    started = make_problem(day(0), kind="tanh-neuron", difficulty="easy")[:1]  # dz right, then quit
    assert [result.result for result in problem_results(started)] == [HINTED]
    level = levels(started, KINDS)["tanh-neuron", "easy"]
    assert (level.box, level.due) == (1, day(1))


def test_kinds_no_longer_known_are_left_out() -> None:
    schedule = levels([make_attempt(day(0), kind="retired-kind")], KINDS)
    assert all(kind in KINDS for kind, _ in schedule)


def test_two_drills_at_once_do_not_split_each_others_problems() -> None:
    attempts = [
        make_attempt(day(0), session="left", problem="softmax-ce-m1", gradient="dlogits"),
        *make_problem(day(0, minute=1), session="right", kind="tanh-neuron", problem="tanh-neuron-m2"),
        make_attempt(day(0, minute=2), session="left", problem="softmax-ce-m1", gradient="dloss", correct=False),
    ]
    results = problem_results(attempts)
    assert [(result.kind, result.result, result.at) for result in results] == [
        ("tanh-neuron", CLEAN, day(0, minute=1)), ("softmax-ce", MISS, day(0, minute=2))]


def test_a_miss_must_be_got_right_in_a_later_session() -> None:
    missed = Level("softmax-ce", "medium", box=3, due=day(0)).after(MISS, day(0), "monday")
    same = missed.after(CLEAN, day(0, minute=5), "monday")
    assert (same.box, same.due) == (1, day(0))  # still due: the next review brings it back
    later = same.after(CLEAN, day(0, hour=18), "evening")
    assert (later.box, later.due) == (2, day(0, hour=18) + timedelta(days=2))


def test_review_brings_back_a_miss_even_when_the_next_problem_was_right() -> None:
    attempts = [
        make_attempt(day(0), session="s1", problem="softmax-ce-m1", correct=False, mistake="sign-flipped"),
        make_attempt(day(0, minute=1), session="s1", problem="softmax-ce-m2"),
        make_attempt(day(0, minute=2), session="s1", kind="tanh-neuron", difficulty="easy", problem="tanh-neuron-e3"),
    ]
    chosen = list(review_ids(attempts, KINDS, day(0, minute=10), 2, seed=3))
    assert [(pid.kind, pid.difficulty) for pid in chosen] == [("softmax-ce", "medium")] * 2


def test_a_miss_on_the_first_try_is_a_miss_even_when_the_second_try_is_right() -> None:
    from handgrad_cli.attempts import Try

    corrected = make_attempt(day(0), status="right after a miss",
                             tries=(Try(1, False, "sign-flipped", 0, 10.0), Try(2, True, None, 0, 20.0)))
    assert [result.result for result in problem_results([corrected])] == [MISS]
    level = levels([corrected], KINDS)["softmax-ce", "medium"]
    assert (level.box, level.due, level.misses) == (1, day(0), 1)


def test_skipped_revealed_and_explained_gradients_bring_the_level_back() -> None:
    for status in ("skipped", "revealed", "explained"):
        assert [result.result for result in problem_results([make_attempt(day(0), status=status)])] == [MISS]


def test_review_problems_are_made_one_at_a_time() -> None:
    import tracemalloc

    tracemalloc.start()
    ids = review_ids([make_attempt(day(0), correct=False)], KINDS, day(1), 10**7, seed=4)
    first = [next(ids) for _ in range(3)]
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert [(pid.kind, pid.difficulty) for pid in first] == [("softmax-ce", "medium")] * 3
    assert peak < 1_000_000  # ten million IDs made at once need gigabytes


def test_drill_review_with_a_million_problems_asks_the_first_at_once_with_flat_memory() -> None:
    import tracemalloc

    from typer.testing import CliRunner

    from handgrad_cli.cli import app

    tracemalloc.start()
    result = CliRunner().invoke(app, ["drill", "--review", "-n", "1000000", "--seed", "3"], input="skip\nquit\n")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert result.exit_code == 0, result.output
    assert "Problem 1/1000000" in result.stdout and "Drill over (quit) at problem 2 of 1000000" in result.stdout
    review_line = " ".join(result.stdout.split("Review problems")[1].split())
    assert len(review_line.split(": ")[1].split()) == 2  # the review line names the two asked
    assert peak < 30_000_000  # a million problem IDs built first took hundreds of megabytes
