"""Students' own sets for Canvas: one quiz whose question groups each pick 1 student's variant of a problem
slot, each variant one fill-in-multiple-blanks question. Read back as Canvas's importer reads it: a blank is
``[name]`` in the text and a ``response_name`` list of accepted texts, compared stripped and case-folded."""

import html
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from handgrad_cli.classroom import set_code
from handgrad_cli.grading import Tolerance
from handgrad_cli.kinds import DEFAULT_KINDS, set_problems
from handgrad_cli.problem import DIFFICULTIES
from handgrad_cli.question import ROUNDING_RULE
from tests.teach_helpers import EVERY_KIND_AND_DIFFICULTY, KIND_NAMES, run, visible
from tests.test_formats_every_input import shown_forms
from tests.test_formats_qti import QTI, groups, metadata, package, read

BLANK = re.compile(r"\[([^\]]+)\]")


def blanks_of(item: ET.Element) -> dict[str, list[str]]:
    """Each blank's name and the texts it accepts, in the order of the question."""
    return {response.get("ident").removeprefix("response_"):
            [label.findtext(f".//{QTI}mattext") for label in response.iter(f"{QTI}response_label")]
            for response in item.iter(f"{QTI}response_lid")}


def canvas_score(item: ET.Element, typed: dict[str, str]) -> float:
    """The share of the question Canvas gives: each blank whose text is one it accepts scores its share."""
    accepted = blanks_of(item)
    right = sum(typed.get(name, "").strip().lower() in [text.strip().lower() for text in texts]
                for name, texts in accepted.items())
    return right / len(accepted)


def entries(problem) -> list[tuple[str, float, int]]:
    """(blank name, reference, decimals asked) of every gradient entry, in the order asked."""
    return [("_".join([gradient, *map(str, index)]), float(value[index]), problem.typed_decimals[gradient])
            for gradient in problem.asked for value in [np.asarray(problem.answers[gradient], dtype=float)]
            for index in np.ndindex(value.shape)]


def typed(problem, places: int | None = None) -> dict[str, str]:
    """Each blank as a learner types the exact value: to `places` decimals, or to those the question asks."""
    return {name: f"{reference:.{places or asked}f}" for name, reference, asked in entries(problem)}


def variants(kinds: list[str], count: int, seed: int, difficulty: str, students: int):
    return {f"variant-{k:02d}": list(set_problems(kinds, count, seed, difficulty, f"variant-{k:02d}"))
            for k in range(1, students + 1)}


def test_a_group_per_problem_slot_picks_one_students_variant_worth_one_point():
    _, assessment = read(package("-n", "3", "--variants", "4"))
    code = set_code(list(DEFAULT_KINDS), 3, 0, "medium")
    assert assessment.find(f"{QTI}assessment").get("title") == f"handgrad problem set {code}"
    sets = variants(list(DEFAULT_KINDS), 3, 0, "medium", 4)
    for number, group in enumerate(groups(assessment), 1):
        assert group.get("title") == f"Problem {number}"
        assert group.findtext(f".//{QTI}selection_number") == "1"
        assert group.findtext(f".//{QTI}points_per_item") == "1.0"
        items = group.findall(f"{QTI}item")
        assert [item.get("title") for item in items] == [f"Problem {number} ({name})" for name in sets]
        for item, problems in zip(items, sets.values()):
            assert metadata(item)["question_type"] == "fill_in_multiple_blanks_question"
            assert metadata(item)["points_possible"] == "1.0"
            text = html.unescape(item.findtext(f"{QTI}presentation/{QTI}material/{QTI}mattext"))
            problem = problems[number - 1]
            names = [name for name, *_ in entries(problem)]
            assert list(blanks_of(item)) == names
            # Canvas makes a box of the first [name] of each blank; the code's own brackets stay text
            assert [word for word in BLANK.findall(text) if word in names] == names
            assert f"Problem {number} of set {code}." in text
            assert "variant-" not in text and str(problem.id) not in text  # drawn at random: no name, no ID


@pytest.mark.parametrize(("kind", "difficulty"), EVERY_KIND_AND_DIFFICULTY)
def test_each_blank_takes_three_decimals_within_the_tolerance_and_not_the_sign_flipped(kind, difficulty):
    _, assessment = read(package(kind, "-n", "1", "-d", difficulty, "--variants", "2", "--seed", "4"))
    items = list(assessment.iter(f"{QTI}item"))
    for item, (problem,) in zip(items, variants([kind], 1, 4, difficulty, 2).values()):
        accepted, margin = blanks_of(item), Tolerance().margin
        for name, reference, _ in entries(problem):
            texts = accepted[name]
            assert f"{reference:.3f}" in texts  # a learner who rounds to 3 decimals, as the rule says
            assert all(abs(float(text) - reference) <= margin(reference) for text in texts)
            if not Tolerance().accepts(-reference, reference):
                assert f"{-reference:.3f}" not in texts
        assert canvas_score(item, typed(problem, 3)) == canvas_score(item, typed(problem)) == 1.0


def test_a_learner_to_the_decimals_asked_scores_the_whole_question():
    """The mlp asks some gradients to 4 or 5 decimals: those, rounded from the exact values, are taken too."""
    _, assessment = read(package("mlp", "-n", "1", "--variants", "2", "--seed", "1"))
    for item, (problem,) in zip(assessment.iter(f"{QTI}item"), variants(["mlp"], 1, 1, "medium", 2).values()):
        assert max(problem.typed_decimals.values()) > 3
        assert canvas_score(item, typed(problem)) == 1.0
        slipped = dict(typed(problem))
        for name, reference, _ in entries(problem)[:4]:  # the first four with their sign flipped and moved
            slipped[name] = f"{-reference + 0.5:.3f}"
        assert canvas_score(item, slipped) == 1.0 - 4 / len(slipped)


def test_points_per_entry_needs_a_quiz_per_student():
    result = run("generate", "-n", "2", "--variants", "3", "-f", "qti", "--points", "per-entry")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == ("handgrad: a Canvas question group is worth the same points whichever variant it "
                             "draws, and variants have different numbers of entries: --points per-entry needs a "
                             "shared set or --per-student\n")
    assert run("generate", "-n", "2", "--variants", "3", "-f", "qti", "--points", "per-entry",
               "--per-student").exit_code == 0


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_every_input_and_the_rounding_rule_reach_the_student(kind):
    for difficulty in DIFFICULTIES[::2]:  # the smallest and the largest problems
        _, assessment = read(package(kind, "-n", "1", "-d", difficulty, "--variants", "1", "--seed", "5"))
        (item,) = assessment.iter(f"{QTI}item")
        flat = " ".join(visible(item.findtext(f"{QTI}presentation/{QTI}material/{QTI}mattext")).split())
        (problem,) = variants([kind], 1, 5, difficulty, 1)["variant-01"]
        for name in problem.inputs:
            assert any(form in flat for form in shown_forms(problem, name)), (problem, name)
        assert ROUNDING_RULE in flat


def test_names_with_markup_stay_text_in_the_titles_teachers_see(tmp_path):
    roster = tmp_path / "class.txt"
    roster.write_text('Ana <b>&amp;</b> "q"\nBo\'s ]]> Li\n', encoding="utf-8")
    _, assessment = read(package("-n", "1", "--students", roster))
    assert [item.get("title") for item in assessment.iter(f"{QTI}item")] == [
        'Problem 1 (Ana <b>&amp;</b> "q")', "Problem 1 (Bo's ]]> Li)"]
