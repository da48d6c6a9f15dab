"""The ticket's lifecycle as one explicit table: which action, by whom, from which states.

    assigned ──accept──▶ accepted ──resolve──▶ resolved ──confirm──▶ confirmed (销号)
        │                   ▲  │                  │
        └──────resolve──────┼──┘                  └─not solved─▶ reopened (重办) ──resolve──▶ …
                            └──── a hand-over accepted by the next owner (首问负责 until then)
    assigned / accepted / reopened ──withdraw (reporter)──▶ withdrawn
    assigned / accepted / reopened ──send back (退单, owner)──▶ assigned, to whoever assigned it

Actions that change no state (需补充, 延期, 会商 replies) are not listed here; who may
take them is still checked by the use case. An illegal step raises DomainError
with a reason and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from handlers.domain.errors import DomainError
from handlers.domain.model import TicketStatus
from handlers.messages import t


class Actor(StrEnum):
    OWNER = "owner"  # the one cadre who answers for the ticket now
    RECEIVER = "receiver"  # the cadre a hand-over (交办 / 上报) is offered to
    REPORTER = "reporter"
    SYSTEM = "system"  # timers: auto-confirmation after N days


class Action(StrEnum):
    ACCEPT = "accept"  # 接单
    RESOLVE = "resolve"  # 办结
    CONFIRM = "confirm"  # the reporter says it is solved
    AUTO_CONFIRM = "auto_confirm"  # nobody answered in time
    REOPEN = "reopen"  # the reporter says not (or partly) solved: 重办
    WITHDRAW = "withdraw"
    TAKE_OVER = "take_over"  # the receiver accepts a hand-over and becomes owner
    SEND_BACK = "send_back"  # 退单: not mine; back to whoever assigned it, to be assigned anew


@dataclass(frozen=True)
class Transition:
    actor: Actor
    sources: frozenset[TicketStatus]
    target: TicketStatus


S = TicketStatus
OPEN = frozenset({S.ASSIGNED, S.ACCEPTED, S.REOPENED})

TRANSITIONS: dict[Action, Transition] = {
    Action.ACCEPT: Transition(Actor.OWNER, frozenset({S.ASSIGNED}), S.ACCEPTED),
    # 当场办: a problem settled on the spot may be resolved without a separate accept.
    Action.RESOLVE: Transition(Actor.OWNER, OPEN, S.RESOLVED),
    Action.CONFIRM: Transition(Actor.REPORTER, frozenset({S.RESOLVED}), S.CONFIRMED),
    Action.AUTO_CONFIRM: Transition(Actor.SYSTEM, frozenset({S.RESOLVED}), S.CONFIRMED),
    Action.REOPEN: Transition(Actor.REPORTER, frozenset({S.RESOLVED}), S.REOPENED),
    Action.WITHDRAW: Transition(Actor.REPORTER, OPEN, S.WITHDRAWN),
    Action.TAKE_OVER: Transition(Actor.RECEIVER, OPEN, S.ACCEPTED),
    Action.SEND_BACK: Transition(Actor.OWNER, OPEN, S.ASSIGNED),
}


def next_status(current: TicketStatus, action: Action, actor: Actor) -> TicketStatus:
    """The status after `actor` takes `action`, or DomainError saying why not."""
    transition = TRANSITIONS[action]
    if actor is not transition.actor:
        raise DomainError(t("Only the cadre handling this ticket can do that.") if transition.actor is Actor.OWNER
                          else t("You cannot do that to this ticket."))
    if current not in transition.sources:
        raise DomainError(t("This ticket is no longer in a state where that can be done."))
    return transition.target


def is_open(status: TicketStatus) -> bool:
    return status in OPEN
