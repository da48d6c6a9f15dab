"""The one entry a person's turn goes through: a command, a button press or a message in a
dialog goes to the handler that a feature registered for it.

Each feature keeps a `Router` of its own, in its own module, and registers there:
  - its commands:        @router.command("my", t("Tickets I handle"))             (turn, args)
  - its buttons:         @router.press(TicketPress, "accept")                     (turn, payload)
  - its dialog steps:    @router.step("cadre", "ask")                             (turn)
                         @router.text_step("feedback", "comment", limit=2000)     (turn, text)
  - buttons that answer a dialog's question:
                         @router.step_press("report", "area", Choice)              (turn, payload)
The app includes every feature's router into one (aiogram's Router-per-feature, PTB's
conversation-as-a-table, with no framework underneath). A payload is decoded and checked
once, here, before any handler runs (handlers.payloads).

Refusals are answered here, in one place: a DomainError raised by a handler becomes a pop-up
for a button on a card and a message in the chat for a dialog (whose question stays there).
A payload this bot did not make, or one naming nothing registered, gets the out-of-date pop-up
and one INFO line in this module's log: forged or stale buttons are no error of ours.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from handlers import payloads
from handlers.domain.errors import OUT_OF_DATE, DomainError
from handlers.messages import Msg
from handlers.payloads import Kind, Payload, PayloadError
from handlers.turn import Turn

log = logging.getLogger(__name__)

P = TypeVar("P", bound=Payload)
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Command:
    name: str
    handler: Callable[[Turn, str], None]
    description: Msg | None  # None: works, but is not offered in the command menu
    needs_args: bool  # without arguments it is an unknown command (/t alone)


@dataclass(frozen=True)
class Route:
    handler: Callable[..., None]
    refusals_in_chat: bool  # a refusal is a message in the chat, even for a press


class Router:
    def __init__(self, name: str) -> None:
        self.name = name
        self.commands: dict[str, Command] = {}
        self.presses: dict[tuple[Kind, str], Route] = {}  # buttons that work wherever the chat is
        self.step_presses: dict[tuple[str, str, Kind], Route] = {}  # buttons answering a dialog step
        self.steps: dict[tuple[str, str], Route] = {}  # messages in a dialog step
        self.documents: list[tuple[Callable[[Turn], bool], Route]] = []  # files sent: (wants it?, handler)
        self.unknown_command: Callable[[Turn, str], None] | None = None
        self.idle: Callable[[Turn], None] | None = None  # a message outside any dialog

    # --- registering -------------------------------------------------------

    def command(self, name: str, description: Msg | None = None, *, needs_args: bool = False) -> Callable[[F], F]:
        def register(handler: F) -> F:
            _add(self.commands, name, Command(name, handler, description, needs_args))
            return handler
        return register

    def press(self, payload_type: type[P], route: str = "") -> Callable[[F], F]:
        """A button that works in any state of the chat: `route` is a ticket action, a choice's
        step, a listing (empty for kinds with one handler: ratings, findings)."""
        def register(handler: F) -> F:
            _add(self.presses, (payload_type.KIND, route), Route(handler, refusals_in_chat=False))
            return handler
        return register

    def step_press(self, dialog: str, step: str, payload_type: type[P], *,
                   refusals_in_chat: bool = False) -> Callable[[F], F]:
        """A button answering the question of `dialog`'s `step` (a choice must name that step)."""
        def register(handler: F) -> F:
            _add(self.step_presses, (dialog, step, payload_type.KIND), Route(handler, refusals_in_chat))
            return handler
        return register

    def step(self, dialog: str, *steps: str) -> Callable[[F], F]:
        """A message (text, photos, location, contact) while the chat is at one of `steps`."""
        def register(handler: F) -> F:
            for step in steps:
                _add(self.steps, (dialog, step), Route(handler, refusals_in_chat=True))
            return handler
        return register

    def text_step(self, dialog: str, *steps: str, limit: int,
                  then: Callable[[Turn], None] | None = None) -> Callable[[F], F]:
        """A step that takes one line of text (1 to `limit` characters; else it is asked again).
        `then` runs once the text is taken, refused or not (an interruption going back to what
        was under way)."""
        def register(take: F) -> F:
            def handler(turn: Turn) -> None:
                text = turn.typed_text(limit)
                if text is None:
                    return
                guarded(turn, lambda: take(turn, text), in_chat=True)
                if then is not None:
                    then(turn)
            self.step(dialog, *steps)(handler)
            return take
        return register

    def document(self, wants: Callable[[Turn], bool]) -> Callable[[F], F]:
        """A file sent (Incoming.document) that `wants(turn)` takes, before any dialog step sees it."""
        def register(handler: F) -> F:
            self.documents.append((wants, Route(handler, refusals_in_chat=True)))
            return handler
        return register

    def include(self, *routers: Router) -> None:
        for other in routers:
            for name, command in other.commands.items():
                _add(self.commands, name, command)
            for key, route in other.presses.items():
                _add(self.presses, key, route)
            for dialog_key, route in other.step_presses.items():
                _add(self.step_presses, dialog_key, route)
            for step_key, route in other.steps.items():
                _add(self.steps, step_key, route)
            self.documents.extend(other.documents)

    def menu(self, order: tuple[str, ...]) -> list[tuple[str, Msg]]:
        """The command menu: the described commands, in the order given (a product decision)."""
        described = {name: c.description for name, c in self.commands.items() if c.description is not None}
        missing = set(described) - set(order)
        assert not missing, f"commands left out of the menu's order: {missing}"
        return [(name, described[name]) for name in order if name in described]

    # --- dispatching -------------------------------------------------------

    def handle(self, turn: Turn) -> None:
        incoming = turn.incoming
        if incoming.command:
            self._command(turn, incoming.command, incoming.args.strip())
        elif incoming.is_press:
            self._press(turn, incoming.payload or "")
        else:
            self._message(turn)

    def _command(self, turn: Turn, name: str, args: str) -> None:
        command, unknown = self.commands.get(name), self.unknown_command
        if command is None or (command.needs_args and not args):
            assert unknown is not None, "the app's router answers unknown commands"
            guarded(turn, lambda: unknown(turn, name), in_chat=True)
            return
        guarded(turn, lambda: command.handler(turn, args), in_chat=True)

    def _press(self, turn: Turn, data: str) -> None:
        try:
            payload = payloads.decode(data)
        except PayloadError as bad:
            refuse_button(turn, str(bad))
            return
        turn.pressed = payload
        route = self.presses.get((payload.KIND, payload.route)) or self._answering_step(turn, payload)
        if route is None:
            refuse_button(turn, f"no handler for {data!r} in {turn.state.dialog}/{turn.state.step}")
            return
        guarded(turn, lambda: route.handler(turn, payload), in_chat=route.refusals_in_chat)

    def _answering_step(self, turn: Turn, payload: Payload) -> Route | None:
        state = turn.state
        if isinstance(payload, payloads.Choice) and payload.step != state.step:
            return None  # a choice offered at another step (or in an earlier dialog)
        return self.step_presses.get((state.dialog, state.step, payload.KIND))

    def _message(self, turn: Turn) -> None:
        if turn.incoming.document is not None:
            taker = next((route for wants, route in self.documents if wants(turn)), None)
            if taker is not None:
                guarded(turn, lambda: taker.handler(turn), in_chat=True)
                return
        route = self.steps.get((turn.state.dialog, turn.state.step))
        if route is None:
            assert self.idle is not None, "the app's router answers messages outside a dialog"
            self.idle(turn)
            return
        guarded(turn, lambda: route.handler(turn), in_chat=True)


def guarded(turn: Turn, act: Callable[[], object], *, in_chat: bool) -> None:
    """Do `act` whole or not at all; if a rule refuses, nothing it wrote is kept (Turn.all_or_nothing)
    and the person is told why: in the chat, or as a pop-up on a press."""
    try:
        with turn.all_or_nothing():
            act()
    except PayloadError as bad:
        refuse_button(turn, str(bad))
    except DomainError as refusal:
        if turn.incoming.is_press and not in_chat:
            turn.alert(refusal.reason)
        else:
            turn.say(refusal.reason)


def refuse_button(turn: Turn, why: str) -> None:
    """A payload we did not make, or that names nothing now: the out-of-date pop-up. Logged at
    INFO only: a modified client can send anything, and that is no fault of the bot."""
    incoming = turn.incoming
    log.info("button refused as out of date (%s chat %s, user %s): %s",
             incoming.platform, incoming.chat_id, incoming.user_id, why[:200])
    turn.alert(OUT_OF_DATE)


def _add(table: dict[Any, Any], key: Any, value: Any) -> None:
    if key in table:
        raise ValueError(f"registered twice: {key!r}")
    table[key] = value
