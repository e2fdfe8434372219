"""`drill --mistakes`, the share of a review aimed at mistakes, and `stats`' top mistakes, from a seeded history."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import numpy as np
from typer.testing import CliRunner

from handgrad_cli.attempts import Attempt, Try
from handgrad_cli.cli import app
from handgrad_cli.history import open_history, read_attempts
from handgrad_cli.engine import WhatIf
from handgrad_cli.kinds import build, get_kind, set_problems
from handgrad_cli.mistakes import CARDS, aims, discriminating
from handgrad_cli.paths import history_path

runner = CliRunner()
NOW = "2027-01-05T10:00:00Z"


def missed(day: str, kind: str, difficulty: str, gradient: str, slug: str, number: int) -> Attempt:
    return Attempt(f"{day}T09:00:00Z", f"s-{day}-{number}", f"{kind}-{difficulty[0]}{number}", kind, difficulty,
                   gradient, "wrong", slug, 0, 5.0, (Try(1, False, slug, 0, 5.0),))


def seed_history(*attempts: Attempt) -> None:
    with open_history(history_path()) as history:
        for attempt in attempts:
            history.record(attempt)


def forgets_the_1_over_n_and_z_squared() -> list[Attempt]:
    """Four 1/n slips in ce-steps' dlogprobs and two 1 - z**2 in tanh-neuron lately; an older slip long ago."""
    return ([missed(f"2027-01-0{day}", "ce-steps", "hard", "dlogprobs", "mean-forgotten", day) for day in (1, 2, 3, 4)]
            + [missed(f"2027-01-0{day}", "tanh-neuron", "medium", "dz", "z-squared", day) for day in (2, 3)]
            + [missed("2026-11-20", "softmax-ce", "easy", "dlogits", "sign-flipped", 1)])


def slipped_gradient(problem, slug: str, gradient: str) -> np.ndarray:
    """The gradient with the slip made, by the engine's backward (independently of mistakes.py)."""
    kind = get_kind(problem.kind)
    graph = kind.graph([problem.inputs])
    slip = next(slip for slip in kind.named_slips(graph, problem.asked) if slip.slug == slug)
    return kind.backward(graph, WhatIf(slip=slip)).grads[graph.nodes[gradient[1:]]][0]


def test_aims_are_the_frequent_mistakes_of_the_last_weeks_where_they_were_made():
    now = datetime(2027, 1, 5, 10, tzinfo=timezone.utc)
    found = aims(forgets_the_1_over_n_and_z_squared(), now)
    assert [(aim.slug, aim.kind, aim.difficulty, aim.gradient, aim.recent) for aim in found] == [
        ("mean-forgotten", "ce-steps", "hard", "dlogprobs", 4), ("z-squared", "tanh-neuron", "medium", "dz", 2)]
    assert all(slug in CARDS for slug in ("mean-forgotten", "z-squared"))


def drilled_after_mistakes(monkeypatch, *options: str):
    """A drill (skipping every gradient) over a history that forgets the 1/n and uses 1 - z**2: its output and
    the problem IDs it lists at the end."""
    seed_history(*forgets_the_1_over_n_and_z_squared())
    monkeypatch.setenv("HANDGRAD_NOW", NOW)
    result = runner.invoke(app, ["drill", *options], input="skip\n" * 60)
    assert result.exit_code == 0, result.output
    return result, result.stdout.split("Review problems (see `handgrad explain ID`): ")[1].split()


def test_drill_mistakes_asks_problems_where_the_mistake_is_wide_of_the_answer(monkeypatch):
    result, asked = drilled_after_mistakes(monkeypatch, "--mistakes", "-n", "4", "--seed", "3")
    assert result.stdout.count("Your mistake:") == 4
    assert "card makemore/softmax-ce-batch" in result.stdout and "card micrograd/tanh" in result.stdout
    assert [(build(problem_id).kind, build(problem_id).difficulty) for problem_id in asked] == [
        ("ce-steps", "hard"), ("tanh-neuron", "medium")] * 2
    for problem_id in asked:
        problem = build(problem_id)
        slug, gradient = ("mean-forgotten", "dlogprobs") if problem.kind == "ce-steps" else ("z-squared", "dz")
        reference = problem.answers[gradient]
        gap = np.max(np.abs(slipped_gradient(problem, slug, gradient) - reference))
        assert gap >= max(0.05, 0.5 * np.max(np.abs(reference)))


def test_the_choice_is_not_vacuous_some_problems_would_not_show_the_slip():
    plain = [problem for problem in set_problems(["tanh-neuron"], 40, 0, "medium")]
    verdicts = {discriminating(problem, "z-squared", "dz") for problem in plain}
    assert verdicts == {True, False}  # a small z makes 1 - z**2 close to 1 - a**2: such problems are passed over


def test_a_review_aims_every_fourth_problem_at_a_mistake(monkeypatch):
    result, asked = drilled_after_mistakes(monkeypatch, "--review", "-n", "4", "--seed", "1")
    assert result.stdout.count("Your mistake:") == 1
    assert build(asked[3]).kind == "ce-steps" and build(asked[3]).difficulty == "hard"  # every kind practised is reviewed; the fourth aims at the 1/n


def test_stats_lists_the_top_mistakes_in_words_with_their_trend(monkeypatch):
    seed_history(*forgets_the_1_over_n_and_z_squared(),
                 missed("2026-12-01", "ce-steps", "hard", "dlogprobs", "mean-forgotten", 9))
    monkeypatch.setenv("HANDGRAD_NOW", NOW)
    data = json.loads(runner.invoke(app, ["stats", "-f", "json"]).stdout)
    top = data["top_mistakes"]
    assert [(row["mistake"], row["last_4_weeks"], row["4_weeks_before"], row["trend"]) for row in top] == [
        ("mean-forgotten", 4, 1, "more often"), ("z-squared", 2, 0, "new")]
    assert "1/n" in top[0]["words"] and "(n =" not in top[0]["words"]
    assert {row["kind"] for row in data["review"]} >= {"ce-steps", "tanh-neuron", "softmax-ce"}
    table = runner.invoke(app, ["stats"]).stdout
    assert "Your top mistakes of the last 4 weeks" in table and "more often" in table


def test_no_mistakes_to_aim_at_is_one_line(monkeypatch):
    monkeypatch.setenv("HANDGRAD_NOW", NOW)
    result = runner.invoke(app, ["drill", "--mistakes"])
    assert result.exit_code == 0 and result.stdout == ""
    assert result.stderr.startswith("No named mistakes in your history of the last 4 weeks")
    assert runner.invoke(app, ["drill", "--mistakes", "--no-history"]).exit_code == 2
    assert runner.invoke(app, ["drill", "--mistakes", "--review"]).exit_code == 2
    assert read_attempts(history_path()) == []
