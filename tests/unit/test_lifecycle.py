"""Every transition of the ticket lifecycle, legal and illegal.

The legal ones are written out by hand here (not derived from the table under
test): each is a step an office actually takes. Every other combination of
status × action × actor must be refused and change nothing.
"""

from __future__ import annotations

import itertools

import pytest

from handlers.domain.errors import DomainError
from handlers.domain.lifecycle import Action, Actor, next_status
from handlers.domain.model import TicketStatus as S

A = Action
LEGAL = {
    (S.ASSIGNED, A.ACCEPT, Actor.OWNER): S.ACCEPTED,  # 接单
    (S.ASSIGNED, A.RESOLVE, Actor.OWNER): S.RESOLVED,  # 当场办
    (S.ACCEPTED, A.RESOLVE, Actor.OWNER): S.RESOLVED,  # 办结
    (S.REOPENED, A.RESOLVE, Actor.OWNER): S.RESOLVED,  # 重办 then 办结 again
    (S.RESOLVED, A.CONFIRM, Actor.REPORTER): S.CONFIRMED,  # 销号
    (S.RESOLVED, A.AUTO_CONFIRM, Actor.SYSTEM): S.CONFIRMED,  # no answer in N days
    (S.RESOLVED, A.REOPEN, Actor.REPORTER): S.REOPENED,  # not solved / partly
    (S.ASSIGNED, A.WITHDRAW, Actor.REPORTER): S.WITHDRAWN,
    (S.ACCEPTED, A.WITHDRAW, Actor.REPORTER): S.WITHDRAWN,
    (S.REOPENED, A.WITHDRAW, Actor.REPORTER): S.WITHDRAWN,
    (S.ASSIGNED, A.TAKE_OVER, Actor.RECEIVER): S.ACCEPTED,  # 交办 accepted by the next owner
    (S.ACCEPTED, A.TAKE_OVER, Actor.RECEIVER): S.ACCEPTED,
    (S.REOPENED, A.TAKE_OVER, Actor.RECEIVER): S.ACCEPTED,
    (S.ASSIGNED, A.SEND_BACK, Actor.OWNER): S.ASSIGNED,  # 退单: the assigner must act again
    (S.ACCEPTED, A.SEND_BACK, Actor.OWNER): S.ASSIGNED,
    (S.REOPENED, A.SEND_BACK, Actor.OWNER): S.ASSIGNED,
}
ALL = list(itertools.product(S, A, Actor))
ILLEGAL = [combo for combo in ALL if combo not in LEGAL]


@pytest.mark.parametrize("status, action, actor", list(LEGAL))
def test_legal_transition(status, action, actor):
    assert next_status(status, action, actor) is LEGAL[(status, action, actor)]


@pytest.mark.parametrize("status, action, actor", ILLEGAL)
def test_illegal_transition_is_refused_with_a_reason(status, action, actor):
    with pytest.raises(DomainError) as refused:
        next_status(status, action, actor)
    assert refused.value.reason.key


def test_a_closed_ticket_cannot_be_resolved_again():
    with pytest.raises(DomainError) as refused:
        next_status(S.CONFIRMED, A.RESOLVE, Actor.OWNER)
    assert "no longer" in refused.value.reason.key


def test_someone_other_than_the_owner_is_told_so():
    with pytest.raises(DomainError) as refused:
        next_status(S.ASSIGNED, A.ACCEPT, Actor.REPORTER)
    assert refused.value.reason.key == "Only the cadre handling this ticket can do that."
