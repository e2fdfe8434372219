"""`handgrad learn`: the path's session. Reviews what is due, then takes the open stage's steps
not yet done (explain screens, drills, cards), then its test-out; a test-out passed opens the next
stage and the session goes on into it.

The drills are the drill's own loop (`run_drill`) and the cards the cards' (`run_cards`), recording
into the history as they always do; each step of the path is recorded once finished. Quitting at
any prompt (quit, the end of input, Ctrl-C) ends the session, and the next one resumes at the
first step not done. Input and output are passed in, as for the drill.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from rich.console import Console
from rich.text import Text

from handgrad_cli.attempts import RIGHT, PathStep
from handgrad_cli.drill import DrillSettings, ReadLine, run_drill
from handgrad_cli.history import History, utc_stamp
from handgrad_cli.path import DONE, DUE, MASTERED, STAGES, TEST_OUT, Cards, Drill, Explain, Stage, StageState, current, stage_states

QUIT = ("q", "quit", "exit")
REVIEW_SHARE = 2  # problems of a done stage's due levels a session starts with
PRACTICE = 2  # problems of the open stage's levels before another test-out, once its steps are done


class Stop(Exception):
    """The learner left (quit, the end of input); the path resumes at the step they were on."""


@dataclass
class LearnSession:
    history: History
    read_line: ReadLine
    console: Console
    settings: DrillSettings
    session: str
    seed: int
    now: Callable[[], datetime]
    interrupted: bool = False

    def states(self) -> list[StageState]:
        return stage_states(self.history.attempts(), self.history.card_reviews(), self.history.path_steps(),
                            self.now())

    def run(self) -> None:
        """Review, then the open stage and on, until the learner stops, fails a test-out, or the path ends."""
        try:
            self.review()
            while (state := current(self.states())) is not None:
                if not self.take_stage(state):
                    return
            self.say("The whole path is done: `handgrad drill --review` keeps it fresh.", "bold green")
        except KeyboardInterrupt:
            self.interrupted = True
            self.say("Stopped: `handgrad learn` goes on from here.", "dim")
        except Stop:
            self.say("Stopped: `handgrad learn` goes on from here.", "dim")

    # --- review ------------------------------------------------------------------------------

    def review(self) -> None:
        """A few problems of the done stages' levels that are due (a miss brings its level back at once), and
        one aimed at the learner's most frequent mistake of late, after its card."""
        from handgrad_cli.mistakes import aimed_problem, aims
        from handgrad_cli.render.learn import aim_view
        from handgrad_cli.review import review_problems

        due = [level for state in self.states() for level in state.due]
        if not due:
            return
        kinds = list(dict.fromkeys(level.split()[0] for level in due))
        self.say(f"Review first: {', '.join(due)} {'is' if len(due) == 1 else 'are'} due.", "bold")
        attempts = self.history.attempts()
        self.drill(list(review_problems(attempts, kinds, self.now(), REVIEW_SHARE, self.seed)))
        for aim in aims(attempts, self.now(), top=1):
            self.console.print(aim_view(aim))
            self.drill([aimed_problem(aim, self.seed, 0)])

    # --- a stage -----------------------------------------------------------------------------

    def take_stage(self, state: StageState) -> bool:
        """The stage's steps not done yet, then its test-out; whether it was passed (the session goes on)."""
        stage = state.stage
        number = STAGES.index(stage) + 1 if stage in STAGES else 0
        self.console.print(Text.assemble((f"\nStage {number}: {stage.title}\n", "bold"), (stage.intro, "cyan")))
        todo = state.next_steps
        if not todo:  # the steps were done on another day: practise (a cards stage: its cards) before going on
            todo = stage.step_names() if stage.decks else []
            if stage.levels:
                self.drill(practice_problems(stage, self.seed))
        for name, step in zip(stage.step_names(), stage.steps):
            if name in todo:
                self.take_step(stage, step)
                self.record(stage, name)
        if not stage.levels:
            return self.cards_stage_done(stage)
        return self.test_out(stage)

    def take_step(self, stage: Stage, step) -> None:
        if isinstance(step, Explain):
            self.explain(step)
        elif isinstance(step, Drill):
            self.drill(step_problems(stage, step, self.seed))
        elif isinstance(step, Cards):
            self.cards(step)

    def explain(self, step: Explain) -> None:
        from handgrad_cli.kinds import get_kind, problem_for
        from handgrad_cli.render.terminal import explanation

        problem = problem_for(step.subject, dict(step.inputs), None, None, lambda: self.seed)
        extras = get_kind(problem.kind).extras(problem, 1.0)
        self.console.print(explanation(problem, extras, self.settings.decimals))
        self.ask("Enter goes on (quit stops) > ")

    def drill(self, problems: list) -> list:
        """The drill's own loop over these problems, recorded as a drill is; its outcomes."""
        from handgrad_cli.render.drill import score_line

        summary = run_drill(problems, self.read_line, self.console, settings=self.settings,
                            recorder=self.history.record, session=self.session, now=self.now)
        if summary.ended != "finished":
            self.interrupted = summary.interrupted
            raise Stop
        self.console.print(score_line(summary))
        return summary.outcomes

    def cards(self, step: Cards) -> None:
        from handgrad_cli.cards import due_cards, run_cards
        from handgrad_cli.decks import DECKS
        from handgrad_cli.render.progress import CardView

        chosen = due_cards(DECKS[step.deck], self.history.card_reviews(), self.now(), step.count)
        tally = run_cards(chosen, self.read_line, self.console.print, self.history.record_review, self.now, CardView)
        if tally.shown > tally.again + tally.good + tally.easy:  # left before grading the card shown
            raise Stop

    # --- leaving a stage ---------------------------------------------------------------------

    def test_out(self, stage: Stage) -> bool:
        """One problem of the stage's last level: right on the first try, no hint, opens the next stage."""
        if self.mastered(stage):
            return True
        tries = sum(step.stage == stage.name and step.step == TEST_OUT for step in self.history.path_steps())
        self.say("Test out: one problem; right on the first try, with no hint, and the next stage opens.", "bold")
        problem = exam_problem(stage, self.seed, tries)
        self.drill([problem])
        passed = self.clean(problem.label)
        self.record(stage, TEST_OUT, passed)
        if passed:
            self.say(f"Passed: {stage.title} is done.", "bold green")
            return True
        self.say("Not yet: the review brings this stage's problems back (tomorrow); `handgrad learn` "
                 "practises them and offers the test-out again.", "yellow")
        return False

    def cards_stage_done(self, stage: Stage) -> bool:
        if self.mastered(stage):
            return True
        self.say("These cards come back tomorrow: the stage is done when each is good on two days (or easy).",
                 "yellow")
        return False

    def mastered(self, stage: Stage) -> bool:
        """Mastered now (the review's rule): recorded, so the stage stays done."""
        state = next(state for state in self.states() if state.stage == stage)
        if state.state in (DONE, DUE):
            if MASTERED not in state.steps_done:
                self.record(stage, MASTERED)
            return True
        return False

    def clean(self, problem_id: str) -> bool:
        """Every gradient of the problem right on its first try, without a hint, in this session."""
        graded = [attempt for attempt in self.history.attempts()
                  if attempt.session == self.session and attempt.problem_id == problem_id]
        return bool(graded) and all(attempt.status == RIGHT and not attempt.hints_used for attempt in graded)

    # --- plumbing ----------------------------------------------------------------------------

    def record(self, stage: Stage, step: str, passed: bool = True) -> None:
        self.history.record_step(PathStep(utc_stamp(self.now()), self.session, stage.name, step, passed))

    def ask(self, prompt: str) -> str:
        try:
            line = self.read_line(prompt).strip()
        except EOFError:
            raise Stop from None
        except KeyboardInterrupt:
            self.interrupted = True
            raise Stop from None
        if line.lower() in QUIT:
            raise Stop
        return line

    def say(self, message: str, style: str = "") -> None:
        self.console.print(Text(message, style=style))


# --- the problems a stage asks: the same for the same seed -----------------------------------


def step_problems(stage: Stage, step: Drill, seed: int) -> list:
    from handgrad_cli.kinds import set_problems

    return list(set_problems([step.kind], step.count, seed, step.difficulty, "learn", stage.name, step.name))


def practice_problems(stage: Stage, seed: int) -> list:
    """A problem of each of the stage's levels in turn, PRACTICE at least."""
    from handgrad_cli.kinds import set_problems

    chosen = (stage.levels * PRACTICE)[:max(PRACTICE, len(stage.levels))]
    return [next(set_problems([kind], 1, seed, difficulty, "practice", stage.name, i))
            for i, (kind, difficulty) in enumerate(chosen)]


def exam_problem(stage: Stage, seed: int, tries: int):
    """The stage's test-out: a problem of its last level, another at each try."""
    from handgrad_cli.kinds import set_problems

    kind, difficulty = stage.levels[-1]
    return next(set_problems([kind], 1, seed, difficulty, "test-out", stage.name, tries))
