"""After a problem: feedback that fits an 80x24 screen, the pause that offers the rest, the group headers,
the hint ladder, and the score line. The drill's loop driven with scripted lines on an 80x24 console."""

from __future__ import annotations

import io
import re

from rich.console import Console

from handgrad_cli.drill import run_drill
from handgrad_cli.kinds import build, get_kind
from handgrad_cli.numbers import as_typed

MLP = "mlp-m272250837"  # the first problem of `drill mlp --seed 5`


class Script:
    def __init__(self, lines):
        self.lines, self.prompts = list(lines), []

    def __call__(self, prompt):
        self.prompts.append(prompt)
        if self.lines:
            return self.lines.pop(0)
        raise EOFError


def screen(lines, problem_id=MLP, pause=True, shown=None):
    """Run one problem on an 80x24 terminal; the output, the prompts and the summary."""
    out = io.StringIO()
    console = Console(file=out, width=80, height=24, force_terminal=False, color_system=None)
    script = Script(lines)
    summary = run_drill([build(problem_id)], script, console, pause=pause, show=shown)
    return out.getvalue(), script.prompts, summary


def typed(value) -> str:
    return as_typed(value, 6)


def slip(problem, gradient: str, slug: str):
    return next(m.value for m in get_kind(problem.kind).mistakes(problem) if m.gradient == gradient and m.slug == slug)


def mlp_lines(wrong: dict[str, str]) -> list[str]:
    """Every gradient of the mlp problem right, except those in `wrong` (gradient -> slip), typed twice."""
    problem = build(MLP)
    lines = []
    for name in problem.asked:
        if name in wrong:
            lines += [typed(slip(problem, name, wrong[name]))] * 2
        else:
            lines.append(typed(problem.answers[name]))
    return lines


def after_last_answer(out: str) -> list[str]:
    """The lines from the last gradient's verdict to the end (the pause's prompt comes next)."""
    lines = out.splitlines()
    last = max(i for i, line in enumerate(lines) if line.startswith("dC: "))
    return lines[last:]


def test_two_wrong_gradients_of_mlp_fit_one_screen_with_what_went_wrong_first():
    out, prompts, _ = screen(mlp_lines({"dhpreact": "tanh-not-derivative", "dW2": "sign-flipped"}) + [""])
    shown = after_last_answer(out)
    assert len(shown) + 1 <= 24, "\n".join(shown)  # and the prompt under them
    text = "\n".join(shown)
    assert f"{MLP}: 24 of 26 right" in text and "2 wrong" in text
    assert "dhpreact  wrong, 9 of 9 entries off; likely mistake: tanh(hpreact) = h" in text
    assert re.search(r"^ +dW2 +wrong, 12 of 12 entries off; likely mistake: the sign of dW2", text, re.M)
    assert re.search(r"^ +dW2\[0\]\[0\] +-?\d", text, re.M)  # an entry that is off, yours beside the answer
    assert "dhpreact = (1 - h**2) * dh   <- went wrong here" in text
    assert re.search(r"^  right +(the 24 others|dlogprobs, )", text, re.M)  # the right ones share a row
    assert prompts[-1] == "More: steps, steps NAME, explain, values; Enter for the summary > "


def test_a_right_problem_says_so_in_a_line_each_for_a_short_kind():
    problem = build("tanh-neuron-m5")
    out, prompts, _ = screen([typed(v) for v in problem.answers.values()] + [""], "tanh-neuron-m5")
    tail = out[out.index("tanh-neuron-m5: 4 of 4 right"):]
    assert [line.split() for line in tail.splitlines()[1:5]] == [[name, "right"] for name in problem.asked]
    assert "Backward pass" not in tail  # nothing went wrong: no steps unless asked


def test_the_pause_offers_steps_of_a_gradient_or_group_explain_values_and_help():
    problem = build("tanh-neuron-m5")
    answers = [typed(v) for v in problem.answers.values()]
    shown = []
    out, prompts, summary = screen(answers + ["steps dw", "steps nothing", "values", "help", "explain", "hmm", ""],
                                   "tanh-neuron-m5", shown=shown.append)
    assert [type(item).__name__ for item in shown] == ["Group", "_ValueTable", "Group"]  # steps, values, explain
    assert "tanh-neuron-m5 has no gradient or group 'nothing': gradients dz, dw, db, dx" in out
    assert "steps NAME    those of a gradient or group" in out
    assert "Type steps, steps NAME, explain, values or help, or press Enter to go on." in out
    assert prompts.count("More: steps, steps NAME, explain, values; Enter for the summary > ") == 7
    assert summary.ended == "finished" and summary.score == 4


def test_quit_at_the_pause_ends_the_session():
    problem = build("tanh-neuron-m5")
    _, _, summary = screen([typed(v) for v in problem.answers.values()] + ["quit"], "tanh-neuron-m5")
    assert summary.ended == "quit" and summary.score == 4


def test_piped_there_is_no_pause_and_the_wrong_steps_come_in_full():
    problem = build("softmax-ce-m3")
    flipped = typed(-problem.answers["dlogits"])
    out, prompts, _ = screen([flipped, flipped], "softmax-ce-m3", pause=False)
    assert not any(prompt.startswith("More:") for prompt in prompts)
    assert "dlogits = (probs - onehot(target)) / n   <- went wrong here" in out
    assert re.search(r"× upstream dloss +scalar +1\.000", out)  # the step with its numbers: nothing to ask for


def header(out: str, heading: str) -> str:
    """A group's header: from its heading to the first verdict after it (the prompts are not in `out`)."""
    start = out.index(heading)
    return out[start:out.index(": correct.", start)].rsplit("\n", 1)[0]


def test_a_group_header_shows_the_indices_it_reads_and_your_accepted_answers():
    out, _, _ = screen(mlp_lines({}) + [""])
    loss = header(out, "The loss back to the logits")
    assert re.search(r"^Yb +\[3\] +\[3, 0, 0\]$", loss, re.M)  # an index, though no local derivative reads it
    assert "(… logits in the panel above; `values` shows all)" in loss  # cut to fit the screen
    embedding = header(out, "The embedding: emb = C[Xb]")
    assert re.search(r"^ +yours dembcat +\[3, 4\] *$", embedding, re.M)  # your own answer, accepted
    assert re.search(r"^ +Xb +\[3, 2\] *$", embedding, re.M)
    assert all(len(part.splitlines()) <= 20 for part in (loss, embedding))  # a screen, with room to answer


def render(renderable) -> str:
    console = Console(width=80, file=io.StringIO(), color_system=None)
    console.print(renderable)
    return console.file.getvalue()


def test_values_at_a_prompt_shows_the_whole_group():
    shown = []
    screen(["values"], shown=shown.append)
    whole = render(shown[0])
    assert "logits" in whole and "in the panel above" not in whole


def test_the_score_line_counts_gradients_carried_forward():
    from handgrad_cli.outcomes import DrillSummary, Outcome
    from handgrad_cli.render.drill import score_line

    summary = DrillSummary(1)
    summary.outcomes = [Outcome("p", "k", "da", "wrong"), Outcome("p", "k", "db", "wrong", carried=True),
                        Outcome("p", "k", "dc", "right")]
    assert score_line(summary).plain == ("Score 1/3 answered gradients (1 on the first try; 1 wrong was carried "
                                         "forward)")


def test_hints_climb_from_the_rule_in_the_problems_names_to_where_the_values_are_to_the_answer():
    problem = build(MLP)
    rule, values = get_kind("mlp").hints(problem, "dhpreact")
    assert rule.startswith("dhpreact has hpreact's shape [3, 3]. h = hpreact.tanh(): ")
    assert "the local derivative in hpreact is 1 - h**2 [3, 3], with the upstream dh [3, 3]" in rule
    assert values.startswith("dhpreact = (1 - h**2) * dh. It reads 1 - h**2 [3, 3] (from h: above, or type "
                             "values), dh [3, 3] (your answer above). Its first entry not 0: dhpreact[0][0] = ")
    assert "[[" not in values  # no matrix: the values are where it says, the answer is the third hint
    rule, values = get_kind("mlp").hints(problem, "dh")
    assert "It reads W2.T [4, 3] (from W2: above, or type values), dlogits [3, 4] (your answer above)" in values
    worked = values[values.index("dh[0][0] = "):]
    products = re.findall(r"(-?[\d.]+) \* (-?[\d.]+)", worked)  # row 0 of dlogits times column 0 of W2.T
    assert len(products) == 4
    assert abs(sum(float(a) * float(b) for a, b in products) - problem.answers["dh"][0, 0]) < 1e-3


def test_a_slip_kept_early_makes_the_rest_carried_in_one_row_on_one_screen():
    """dcounts slipped twice and the rest computed from it: 21 answers carried forward share one row."""
    problem = build(MLP)
    kind = get_kind("mlp")
    wrong = slip(problem, "dcounts", "counts-sum-path-dropped")
    earlier = {}
    lines = []
    for name in problem.asked:
        value = wrong if name == "dcounts" else kind.following(problem, earlier)[name]
        earlier[name] = value
        lines += [typed(value)] * (1 if name in problem.asked[:problem.asked.index("dcounts")] else 2)
    out, _, _ = screen(lines + [""])
    shown = after_last_answer(out)
    assert len(shown) + 1 <= 24, "\n".join(shown)
    text = " ".join("\n".join(shown).split())
    assert "1 wrong" in text and "carried forward" in text
    assert re.search(r"carried dnorm_logits, dlogit_maxes, .*dC: each follows from your own earlier answers", text)
    assert "dcounts = dcounts_sum + counts_sum_inv * dprobs <- went wrong here" in text
