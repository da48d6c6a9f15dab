"""The cadre's dialogs as tables of turns, on in-memory fakes: what a cadre presses and types,
and what they (and the reporter, the receiver, the leader) notice."""

from __future__ import annotations

import pytest

from handlers.domain.model import Difficulty, Tier
from tests.unit.chat import (CODE, OWNER_CHAT, REPORTER_CHAT, STRANGER_CHAT, Chat, Core, buttons, demo_store, edits,
                             keys)
from tests.unit.fakes import FakeStore

GRID_CHAT, LEADER_CHAT = "600", "700"
OUT_OF_DATE = "This button is out of date."
TYPE_A_TEXT = "Please type a text of 1 to {limit} characters."
NEW_CARD = [["Accept", "Ask for more", "Resolve"], ["Transfer", "Escalate", "Send back"], ["Classify", "Consult"],
            ["Same problem as…", "More time (延期)"]]


class Desk:
    """Ticket 1 (润弘制药, power cut) just assigned to 李管家; 王网格 and 赵主任 (the leader above) bound."""

    def __init__(self, store: FakeStore) -> None:
        self.store = store
        core = Core(store)
        self.owner, self.boss = Chat(core, OWNER_CHAT), Chat(core, REPORTER_CHAT)
        self.grid, self.leader, self.stranger = Chat(core, GRID_CHAT), Chat(core, LEADER_CHAT), Chat(core, STRANGER_CHAT)
        self.owner.says("/start invite-li")
        self.grid.says("/start invite-wang")
        self.leader.says("/start invite-zhao")
        self.boss_reports("停电三天了")

    def boss_reports(self, problem: str) -> None:
        """润弘制药's boss walks the report dialog: a power problem, their phone, confirmed."""
        r = self.boss.says("/start")
        r = self.boss.presses("Enterprise", r)
        r = self.boss.says(CODE)
        r = self.boss.presses("Water, power, gas, heat", r)
        r = self.boss.says(problem)
        r = self.boss.presses("Done", r)
        r = self.boss.says("13812345678")
        self.boss.presses("Confirm", r)

    @property
    def ticket(self):
        return self.store.tickets[1]

    def state(self, chat: Chat) -> tuple[str, str]:
        state = self.store.conversations[("telegram", chat.chat_id)]
        return state.dialog, state.step


@pytest.fixture
def desk() -> Desk:
    return Desk(demo_store())


def mine(chat: Chat, replies):
    """The messages to `chat` (its card brought up to date in place is an edit: `card_in`)."""
    return [r for r in replies if r.to.chat_id == chat.chat_id and r not in edits(replies)]


def card_in(chat: Chat, replies):
    """The ticket card as `chat` now sees it, edited in place."""
    [card] = [r for r in edits(replies) if r.to.chat_id == chat.chat_id]
    return card


def test_the_new_ticket_card_has_every_owner_button_in_its_place(desk):
    card = desk.owner.received()[-1]
    assert card.text.params["card"].key.startswith("Ticket {number} · {category} · {status}")
    assert card.text.params["phone"].params["phone"] == "+8613812345678" and card.card.mode == "fresh"
    assert buttons(card) == NEW_CARD
    assert [b.payload for b in card.buttons[0]] == ["t:accept:1", "t:ask:1", "t:resolve:1"]


def test_accept_tells_the_reporter_and_the_card_loses_its_accept_button(desk):
    r = desk.owner.presses("Accept")
    assert keys(mine(desk.owner, r)) == ["You accepted ticket {number}. Press Resolve when it is settled."]
    assert buttons(card_in(desk.owner, r))[0] == ["Ask for more", "Resolve"]
    told = mine(desk.boss, r)
    assert keys(told) == ["Ticket {number} was accepted by {name} ({role})."] and told[0].text.params["name"] == "李管家"
    assert desk.ticket.status == "accepted"
    again = desk.owner.forges("t:accept:1")
    assert keys(again) == ["Ticket {number} is {status} now; that button is out of date."] and again[0].as_alert


def test_only_the_owner_may_press_the_card(desk):
    r = desk.stranger.forges("t:resolve:1")
    assert keys(r) == ["Only the cadre handling this ticket can do that."] and r[0].as_alert
    assert desk.ticket.status == "assigned"


def test_ask_for_more_relays_a_question_and_the_reporters_answer(desk):
    r = desk.owner.presses("Ask for more")
    assert keys(r) == ["Type your question for the reporter of {number}. /cancel to drop it."]
    assert desk.state(desk.owner) == ("cadre", "ask")
    r = desk.owner.says("   ")
    assert keys(r) == [TYPE_A_TEXT, "Type your question for the reporter of {number}. /cancel to drop it."]
    assert r[1].text.params["number"] == "LX-2026-000001"
    r = desk.owner.sends_photo("meter.jpg")  # a photo alone is a question too
    assert keys(mine(desk.owner, r)) == ["Your question on {number} was sent to the reporter."]
    asked = mine(desk.boss, r)[0]
    assert asked.text.key.startswith("About ticket {number}, {name} asks:") and asked.photo_file_ids == ("meter.jpg",)
    assert buttons(asked) == [["Answer"]] and desk.state(desk.boss) == ("answer", "text")
    assert desk.state(desk.owner) == ("idle", "")
    r = desk.boss.says("电表箱在北门")
    assert keys(mine(desk.owner, r)) == ["The reporter of {number} ({title}) answers: {text}"]
    assert buttons(mine(desk.owner, r)[0]) == [["Open card"]], "a one-line notice; the card is edited in place"
    assert [e.kind for e in desk.ticket.events][-2:] == ["info_requested", "info_given"]


def test_resolve_takes_a_note_then_asks_the_reporter_for_a_verdict(desk):
    desk.owner.presses("Resolve")
    r = desk.owner.says("x" * 2001)
    assert keys(r)[0] == TYPE_A_TEXT and desk.ticket.status == "assigned"
    r = desk.owner.says("已恢复供电")
    assert keys(mine(desk.owner, r)) == ["Ticket {number} is resolved. The reporter has been told."]
    verdict = mine(desk.boss, r)[0]
    assert verdict.text.params["note"] == "已恢复供电"
    assert buttons(verdict) == [["Solved", "Partly solved", "Not solved"]]
    assert desk.ticket.status == "resolved" and desk.state(desk.owner) == ("idle", "")


def test_a_step_refused_after_the_press_says_why_in_the_chat(desk):
    desk.owner.presses("Resolve")
    desk.store.tickets[1].status = "withdrawn"  # the reporter withdrew meanwhile
    r = desk.owner.says("已恢复供电")
    assert keys(r) == ["Ticket {number} is {status} now; that button is out of date."] and not r[0].as_alert
    assert desk.state(desk.owner) == ("idle", "")


def test_transfer_searches_picks_and_asks_the_reason(desk):
    r = desk.owner.presses("Transfer")
    assert keys(r) == ["Who takes over {number}? Type part of a cadre's name or of their unit. /cancel to drop it."]
    r = desk.owner.says("李管家")  # the only match is the owner: nobody to hand it to
    assert keys(r) == ["No cadre matches “{query}”. Try another part of the name or unit."]
    r = desk.owner.says("王")
    assert keys(r) == ["Whom do you hand it over to?"]
    assert [b.payload for row in r[0].buttons for b in row] == ["h:2:1"]
    assert r[0].buttons[0][0].label.params == {"name": "王网格", "role": r[0].buttons[0][0].label.params["role"]}
    stale = desk.owner.forges("h:2:7")  # a pick offered for another ticket
    assert keys(stale) == [OUT_OF_DATE] and desk.state(desk.owner) == ("cadre", "transfer")
    r = desk.owner.forges("h:2:1")
    assert keys(r) == ["Why should they take it over? The reason goes with the ticket."]
    r = desk.owner.says("属于网格事务")
    assert keys(mine(desk.owner, r)) == ["Ticket {number} is offered to {name}; it stays yours until they accept."]
    offer = mine(desk.grid, r)[0]
    assert buttons(offer) == [["Take it over", "Refuse"]]
    assert desk.ticket.owner_cadre_id == 1 and desk.state(desk.owner) == ("idle", "")
    late_pick = desk.owner.forges("h:2:1")  # the search is over
    assert keys(late_pick) == [OUT_OF_DATE]
    r = desk.grid.presses("Take it over")
    assert keys(mine(desk.grid, r)) == ["Ticket {number} is yours now; its card above has your buttons."]
    assert buttons(card_in(desk.grid, r))[0] == ["Ask for more", "Resolve"], "the new owner's card, edited in place"
    assert keys(mine(desk.owner, r)) == ["{name} took over ticket {number} ({title})."]
    assert buttons(card_in(desk.owner, r)) == [], "the old owner's card keeps no buttons"
    assert desk.ticket.owner_cadre_id == 2


def test_a_refused_hand_over_comes_back_with_its_reason(desk):
    desk.owner.presses("Transfer")
    desk.owner.says("王")
    desk.owner.forges("h:2:1")
    desk.owner.says("属于网格事务")
    r = desk.grid.presses("Refuse")
    assert keys(r) == ["Why do you refuse {number}? The owner will see your reason."]
    r = desk.grid.says("不在我的网格")
    assert keys(mine(desk.grid, r)) == ["You refused ticket {number}; it stays with its owner."]
    back = mine(desk.owner, r)[0]
    assert back.text.params["reason"] == "不在我的网格" and buttons(back) == [["Open card"]]
    assert buttons(card_in(desk.owner, r))[1] == ["Transfer", "Escalate", "Send back"]


@pytest.mark.parametrize("days", ["abc", "0", "23", "-1", "²", "３", "2.5"])
def test_more_time_wants_a_whole_number_of_working_days_in_range(desk, days):
    r = desk.owner.presses("More time (延期)")
    assert keys(r)[0].startswith("How many more working days does {number} need?") and r[0].text.params["limit"] == 22
    r = desk.owner.says(days)
    assert keys(r) == ["Please type a whole number of working days from 1 to {limit}."]
    assert desk.state(desk.owner) == ("cadre", "extend")


def test_more_time_goes_to_the_leader_above_who_approves(desk):
    due = desk.ticket.settle_due_at
    desk.owner.presses("More time (延期)")
    r = desk.owner.says("3")
    assert keys(r) == ["Why is more time needed? The leader who decides will see your reason."]
    r = desk.owner.says("等待供电公司排期")
    assert keys(mine(desk.owner, r)) == ["Your request for {days} more working days on {number} went to {name}."]
    asked = mine(desk.leader, r)[0]
    assert asked.text.params["days"] == 3 and buttons(asked) == [["Approve", "Do not approve"]]
    r = desk.leader.presses("Approve")
    assert keys(mine(desk.leader, r)) == [], "answered in the request itself, not with another message"
    answered = card_in(desk.leader, r)
    assert answered.text.params["decision"].key == "✅ Approved: ticket {number} is now due {due}."
    assert answered.buttons == (), "the request loses its buttons"
    assert keys(mine(desk.owner, r)) == ["More time approved: ticket {number} ({title}) is now due {due}."]
    assert desk.ticket.settle_due_at > due
    assert keys(desk.leader.presses("Approve")) == ["This request for more time is no longer waiting for you."]


def test_classify_asks_the_tier_then_the_difficulty(desk):
    r = desk.owner.presses("Classify")
    assert keys(r) == ["研判: which class is it?"] and len(r[0].buttons) == 4
    r = desk.owner.says("B")  # typed, not pressed: the buttons again, nothing else happens
    assert keys(r) == ["Please choose one of the buttons below.", "研判: which class is it?"]
    assert desk.ticket.status == "assigned" and desk.state(desk.owner) == ("cadre", "tier")
    assert keys(desk.owner.forges("c:tier:Z")) == [OUT_OF_DATE]
    assert keys(desk.owner.forges("c:difficulty:general")) == [OUT_OF_DATE]  # not asked yet
    r = desk.owner.presses("B · department (部门办)")
    assert keys(r) == ["And how hard is it?"] and buttons(r[0]) == [["general (一般)", "difficult (疑难)"]]
    r = desk.owner.says("difficult")
    assert keys(r) == ["Please choose one of the buttons below.", "And how hard is it?"]
    r = desk.owner.presses("difficult (疑难)")
    assert keys(r) == ["Ticket {number} is classified {tier}, {difficulty}."]
    assert (desk.ticket.tier, desk.ticket.difficulty) == (Tier.B, Difficulty.DIFFICULT)
    assert desk.state(desk.owner) == ("idle", "")
    assert keys(desk.owner.presses("A · on the spot (当场办)")) == [OUT_OF_DATE]


def test_classify_refused_at_the_last_press_says_why_in_the_chat(desk):
    desk.owner.presses("Classify")
    desk.owner.presses("C · leader (领导办)")
    desk.store.tickets[1].owner_cadre_id = 2  # handed over meanwhile
    r = desk.owner.presses("general (一般)")
    assert keys(r) == ["Only the cadre handling this ticket can do that."] and not r[0].as_alert
    assert desk.ticket.tier is None


def test_cancel_leaves_a_cadre_step(desk):
    desk.owner.presses("Escalate")
    assert desk.state(desk.owner) == ("cadre", "escalate")
    desk.owner.says("/cancel")
    assert desk.state(desk.owner) == ("idle", "")
    assert keys(desk.owner.says("上级处理")) == ["Nothing is waiting for your text just now. /my lists the tickets "
                                                "you handle; /help says what you can do."]
