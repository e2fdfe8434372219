"""Flashcards: the decks, the Leitner schedule of self-grades, the scripted loop and `handgrad cards`."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from handgrad_cli.cards import Card, CardReview, card_states, deck_status, due_cards, read_grade, run_cards
from handgrad_cli.cli import app
from handgrad_cli.decks import DECKS
from handgrad_cli.history import read_card_reviews
from handgrad_cli.render.progress import CardView
from handgrad_cli.history import utc_stamp
from progress_helpers import day

runner = CliRunner()
CARDS = [Card(f"t/{n}", "t", f"front {n}", f"back {n}") for n in range(4)]


def review(n: int, grade: str, at) -> CardReview:
    return CardReview(utc_stamp(at), f"t/{n}", "t", grade)


def test_decks_cover_the_lesson() -> None:
    ids = [card.id for deck in DECKS.values() for card in deck]
    assert len(ids) == len(set(ids))
    for expected in ("micrograd/tanh", "micrograd/exp", "micrograd/log", "micrograd/pow", "micrograd/add",
                     "micrograd/mul", "makemore/softmax-ce", "tensors/broadcast", "tensors/matmul",
                     "makemore/batchnorm", "makemore/bessel", "tensors/embedding"):
        assert expected in ids
    assert all(card.id.startswith(card.deck + "/") for deck in DECKS.values() for card in deck)


def test_grades_move_cards_between_boxes() -> None:
    states = card_states([review(0, "good", day(0)), review(1, "easy", day(0)), review(2, "good", day(0)),
                          review(2, "good", day(1)), review(3, "easy", day(0)), review(3, "again", day(2))])
    assert (states["t/0"].box, states["t/0"].due) == (1, day(1))
    assert (states["t/1"].box, states["t/1"].due) == (2, day(2))
    assert (states["t/2"].box, states["t/2"].due) == (2, day(3))
    assert (states["t/3"].box, states["t/3"].due) == (1, day(2))  # again: box 1, due at once


def test_due_cards_come_before_new_ones_longest_overdue_first() -> None:
    reviews = [review(2, "good", day(0)), review(3, "good", day(0, hour=8))]
    assert [card.id for card in due_cards(CARDS, reviews, day(1), 3)] == ["t/3", "t/2", "t/0"]
    assert [card.id for card in due_cards(CARDS, reviews, day(0, hour=12), 10)] == ["t/0", "t/1"]


def test_deck_status_counts_new_and_due() -> None:
    status = deck_status("t", CARDS, [review(0, "good", day(0)), review(1, "easy", day(0))], day(1))
    assert (status.cards, status.new, status.due, status.next_due) == (4, 2, 1, day(2))


@pytest.mark.parametrize("text, grade", [("again", "again"), ("1", "again"), (" Good ", "good"), ("3", "easy"),
                                         ("e", "easy"), ("maybe", None)])
def test_grades_are_words_or_numbers(text: str, grade: str | None) -> None:
    assert read_grade(text) == grade


def scripted(lines: list[str]):
    feed = iter(lines)

    def read_line(prompt: str) -> str:
        try:
            return next(feed)
        except StopIteration:
            raise EOFError from None

    return read_line


def play(lines: list[str], cards=CARDS[:2]):
    shown, recorded = [], []
    tally = run_cards(cards, scripted(lines), shown.append, recorded.append, lambda: day(0), CardView)
    return tally, recorded, shown


def test_the_loop_records_each_grade_and_repeats_again_once() -> None:
    tally, recorded, shown = play(["", "again", "", "2", "", "nope", "1", "", "easy"])
    assert [(r.card_id, r.grade) for r in recorded] == [("t/0", "again"), ("t/1", "good"), ("t/0", "again")]
    assert (tally.again, tally.good, tally.easy) == (2, 1, 0)
    assert CardView.grade_help in shown


def test_quitting_or_the_end_of_input_keeps_the_grades_given() -> None:
    assert [r.grade for r in play(["", "good", "q"])[1]] == ["good"]
    assert [r.grade for r in play(["", "easy", ""])[1]] == ["easy"]


def test_cards_scripted_through_stdin_are_scheduled(tmp_path: Path) -> None:
    env = {"HANDGRAD_HOME": str(tmp_path)}
    result = runner.invoke(app, ["cards", "--deck", "micrograd", "--count", "2"], input="\ngood\n\neasy\n", env=env)
    assert result.exit_code == 0, result.stderr
    assert "The chain rule" in result.stdout and "local derivative x upstream gradient" in result.stdout
    assert "2 cards graded: 0 again, 1 good, 1 easy." in result.stdout
    reviews = read_card_reviews(tmp_path / "history.sqlite3")
    assert [(r.card_id, r.grade) for r in reviews] == [("micrograd/chain", "good"), ("micrograd/add", "easy")]
    result = runner.invoke(app, ["cards", "--deck", "micrograd", "-n", "1"], input="\ngood\n", env=env)
    assert "c = a * b" in result.stdout  # the graded cards are not due yet: the next new one comes
    listing = runner.invoke(app, ["cards", "--list"], env=env)
    assert listing.exit_code == 0
    assert [line.split("│")[1:5] for line in listing.stdout.splitlines() if "micrograd" in line] == [
        [" micrograd ", "    12 ", "   9 ", "       0 "]]


def test_an_unknown_deck_is_one_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["cards", "--deck", "calculus"], env={"HANDGRAD_HOME": str(tmp_path)})
    assert result.exit_code == 2
    assert result.stderr == ("handgrad: unknown deck 'calculus': choose from micrograd, tensors, makemore "
                             "(see `handgrad cards --list`)\n")


def test_no_history_runs_cards_beside_a_damaged_file(tmp_path: Path) -> None:
    (tmp_path / "history.sqlite3").write_text("not a database\n" * 100)
    env = {"HANDGRAD_HOME": str(tmp_path)}
    assert runner.invoke(app, ["cards", "-n", "1"], input="\ngood\n", env=env).exit_code == 2
    result = runner.invoke(app, ["cards", "-n", "1", "--no-history"], input="\ngood\n", env=env)
    assert result.exit_code == 0
    assert "1 card graded" in result.stdout


def test_stats_counts_the_cards_new_and_due(tmp_path: Path) -> None:
    import json

    env = {"HANDGRAD_HOME": str(tmp_path)}
    runner.invoke(app, ["cards", "--deck", "tensors", "-n", "2"], input="\nagain\n\ngood\n\ngood\n", env=env)
    result = runner.invoke(app, ["stats", "--format", "json"], env=env)
    assert result.exit_code == 0
    decks = {deck["deck"]: deck for deck in json.loads(result.stdout)["cards"]}
    assert (decks["tensors"]["new"], decks["tensors"]["due"], decks["micrograd"]["new"]) == (10, 0, 12)
    assert decks["tensors"]["next_due"].endswith("Z")
    table = runner.invoke(app, ["stats"], env=env)
    new = sum(len(deck) for deck in DECKS.values()) - 2  # every card but the two tensors cards graded
    assert f"Flashcards: 0 due, {new} new (`handgrad cards`)" in table.stdout


def test_a_long_back_stays_indented_on_every_line_it_wraps_to() -> None:
    from rich.console import Console

    console = Console(width=40, record=True, color_system=None)
    console.print(CardView.back(Card("t/long", "t", "front", "a broadcast in the forward pass is a sum in the backward pass")))
    lines = console.export_text().splitlines()
    assert len(lines) > 1 and all(line.startswith("  ") and line[2] != " " and line == line.rstrip() for line in lines)
