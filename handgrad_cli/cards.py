"""Flashcards: a front, the back on Enter, then the learner's own grade (again / good / easy).

Cards are scheduled with the Leitner boxes of `review.py` (box n comes back after 1, 2, 4, 8
or 16 days), kept in the same history database as the drills:

- again: back to box 1, and shown once more at the end of this session;
- good: up one box (a new card goes to box 1, back in a day);
- easy: up two boxes.

A card is due when its box's interval has passed since its last grade; a card never seen is new.
The loop takes its input and output as arguments, so tests drive it without a terminal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from handgrad_cli.attempts import CARD_GRADES, CardReview
from handgrad_cli.history import utc_stamp
from handgrad_cli.review import interval, moved, parse_time

_GRADE_WORDS = {"1": "again", "a": "again", "2": "good", "g": "good", "3": "easy", "e": "easy"}
_STEPS = {"again": -1, "good": 1, "easy": 2}
QUIT = ("q", "quit", "exit")


@dataclass(frozen=True)
class Card:
    id: str  # deck/slug, stable across releases
    deck: str
    front: str
    back: str


@dataclass(frozen=True)
class CardState:
    box: int
    due: datetime


def card_states(reviews: Iterable[CardReview]) -> dict[str, CardState]:
    """Each reviewed card's box and due time, replayed from its grades in order."""
    states: dict[str, CardState] = {}
    for review in sorted(reviews, key=lambda review: review.reviewed_at):
        at = parse_time(review.reviewed_at)
        box = moved(states[review.card_id].box if review.card_id in states else 0, _STEPS[review.grade])
        states[review.card_id] = CardState(box, at if review.grade == "again" else at + interval(box))
    return states


def due_cards(cards: Sequence[Card], reviews: Iterable[CardReview], now: datetime, count: int) -> list[Card]:
    """Up to `count` cards: the due ones (longest overdue first), then new ones in deck order."""
    states = card_states(reviews)
    due = sorted((card for card in cards if card.id in states and states[card.id].due <= now),
                 key=lambda card: states[card.id].due)
    new = [card for card in cards if card.id not in states]
    return (due + new)[:count]


@dataclass(frozen=True)
class DeckStatus:
    deck: str
    cards: int
    new: int
    due: int
    next_due: datetime | None  # the soonest card not yet due


def deck_status(deck: str, cards: Sequence[Card], reviews: Iterable[CardReview], now: datetime) -> DeckStatus:
    return _status(deck, cards, card_states(reviews), now)


def deck_statuses(decks: dict[str, Sequence[Card]], reviews: Iterable[CardReview], now: datetime) -> list[DeckStatus]:
    """`deck_status` of every deck, the reviews replayed once for all of them."""
    states = card_states(reviews)
    return [_status(name, cards, states, now) for name, cards in decks.items()]


def _status(deck: str, cards: Sequence[Card], states: dict[str, CardState], now: datetime) -> DeckStatus:
    seen = [states[card.id] for card in cards if card.id in states]
    later = [state.due for state in seen if state.due > now]
    return DeckStatus(deck, len(cards), len(cards) - len(seen), sum(state.due <= now for state in seen),
                      min(later) if later else None)


def cards_record(decks: dict[str, Sequence[Card]], reviews: Sequence[CardReview], now: datetime) -> list[dict]:
    """Each deck's cards, new and due, as JSON-ready data."""
    return [vars(status) | {"next_due": utc_stamp(status.next_due) if status.next_due else None}
            for status in deck_statuses(decks, reviews, now)]


def read_grade(text: str) -> str | None:
    word = text.strip().lower()
    return word if word in CARD_GRADES else _GRADE_WORDS.get(word)


ReadLine = Callable[[str], str]  # like input(): raises EOFError when input ends
Show = Callable[[object], None]  # prints a renderable or a line


class CardScreen(Protocol):
    """What the loop shows: renderables for a card's two sides, and the prompts."""

    reveal_prompt: str
    grade_prompt: str
    grade_help: object

    def front(self, card: Card, number: int, total: int) -> object: ...

    def back(self, card: Card) -> object: ...


@dataclass
class CardsTally:
    shown: int = 0
    again: int = 0
    good: int = 0
    easy: int = 0


def run_cards(cards: Sequence[Card], read_line: ReadLine, show: Show, record: Callable[[CardReview], None],
              now: Callable[[], datetime], render: CardScreen) -> CardsTally:
    """Show each card, its back on Enter, and record the learner's grade as soon as it is given.

    `render` provides `front(card, number, total)`, `back(card)` and the prompts; `q` or the end of
    input stops the session, keeping every grade given before.
    """
    queue = list(cards)
    again_once: set[str] = set()
    tally = CardsTally()
    while queue:
        card = queue.pop(0)
        tally.shown += 1
        show(render.front(card, tally.shown, tally.shown + len(queue)))
        if _read(read_line, render.reveal_prompt) in QUIT:
            break
        show(render.back(card))
        grade = _ask_grade(read_line, show, render)
        if grade is None:
            break
        record(CardReview(utc_stamp(now()), card.id, card.deck, grade))
        setattr(tally, grade, getattr(tally, grade) + 1)
        if grade == "again" and card.id not in again_once:
            again_once.add(card.id)
            queue.append(card)
    return tally


def _read(read_line: ReadLine, prompt: str) -> str:
    try:
        return read_line(prompt).strip().lower()
    except EOFError:
        return "q"


def _ask_grade(read_line: ReadLine, show: Show, render: CardScreen) -> str | None:
    while True:
        text = _read(read_line, render.grade_prompt)
        if text in QUIT:
            return None
        grade = read_grade(text)
        if grade:
            return grade
        show(render.grade_help)
