"""The report dialog as a table of turns, on in-memory fakes (no database, no Telegram)."""

from __future__ import annotations

import pytest

from handlers.seam import Incoming
from tests.unit.chat import CODE, OWNER_CHAT, REPORTER_CHAT, STRANGER_CHAT, Chat, Core, demo_store, keys
from tests.unit.chat import label_of as _key
from tests.unit.fakes import FakeStore


@pytest.fixture
def store() -> FakeStore:
    return demo_store()


@pytest.fixture
def core(store):
    return Core(store)


def test_enterprise_report_reaches_its_assigned_cadre_with_phone(core, store):
    owner = Chat(core, OWNER_CHAT)
    owner.says("/start invite-li")
    boss = Chat(core, REPORTER_CHAT)
    r = boss.says("/start")
    r = boss._send(payload=r[-1].buttons[0][0].payload)  # Enterprise
    r = boss.says(CODE.lower())
    assert keys(r) == ["What kind of problem is it?"]
    r = boss._send(payload=r[-1].buttons[1][1].payload)  # utilities
    r = boss.says("停电三天了，生产线停了")
    r = boss._send(photo_file_ids=("photo-1",))
    r = boss._send(payload=r[-1].buttons[0][0].payload)  # Done
    r = boss.says("138 1234 5678")
    assert r[-1].text.params["phone"] == "+8613812345678"
    r = boss._send(payload=r[-1].buttons[0][0].payload)  # Confirm
    mine = [x for x in r if x.to.chat_id == REPORTER_CHAT]
    theirs = [x for x in r if x.to.chat_id == OWNER_CHAT]
    assert mine[-1].text.params["number"] == "LX-2026-000001"
    assert mine[-1].text.params["name"] == "李管家"
    assert theirs and theirs[0].text.params["phone"].params["phone"] == "+8613812345678"
    assert theirs[0].photo_file_ids == ("photo-1",)
    assert store.tickets[1].owner_cadre_id == 1
    assert [e.kind for e in store.tickets[1].events] == ["submitted", "assigned"]


def test_wrong_check_character_is_refused_and_asked_again(core):
    boss = Chat(core, REPORTER_CHAT)
    r = boss.says("/start")
    boss._send(payload=r[-1].buttons[0][0].payload)
    wrong = CODE[:17] + ("0" if CODE[17] != "0" else "1")
    r = boss.says(wrong)
    assert keys(r)[0].startswith("The last character of {code} does not match")
    assert keys(r)[1].startswith("Send your enterprise's unified social credit code")


def test_resident_is_routed_to_their_grid_worker(core, store):
    Chat(core, OWNER_CHAT).says("/start invite-wang")
    resident = Chat(core, REPORTER_CHAT)
    r = resident.says("/start")
    r = resident._send(payload=r[-1].buttons[0][1].payload)  # Resident
    # one township with one village: those levels are skipped, the grids are offered at once
    assert [_key(b.label) for row in r[-1].buttons for b in row] == ["一网格"]
    r = resident.presses("一网格", r)
    r = resident.presses("Safety hazard", r)
    r = resident.says("路边大树太高，快倒了")
    r = resident.presses("Done", r)
    r = resident._send(contact_phone="+8613912345678", contact_user_id=REPORTER_CHAT)
    r = resident.presses("Confirm", r)
    assert store.tickets[1].owner_cadre_id == 2
    assert any(x.to.chat_id == OWNER_CHAT for x in r)


def test_foreign_user_pressing_accept_changes_nothing(core, store):
    test_enterprise_report_reaches_its_assigned_cadre_with_phone(core, store)
    accept_payload = "t:accept:1"
    stranger = Chat(core, STRANGER_CHAT)
    r = stranger._send(payload=accept_payload)
    assert r[0].as_alert and r[0].text.key == "Only the cadre handling this ticket can do that."
    assert store.tickets[1].status == "assigned"


def test_description_bounds(core):
    boss = Chat(core, REPORTER_CHAT)
    r = boss.says("/start")
    r = boss._send(payload=r[-1].buttons[0][0].payload)
    r = boss.says("润弘")
    r = boss.presses("润弘制药", r)
    r = boss.presses("Rent", r)
    assert keys(boss.says("x" * 5000))[0].startswith("The description has {length} characters")
    assert keys(boss.says("   "))[0] == "The description is empty."
    assert keys(boss._send(photo_file_ids=("p",)))[0].startswith("Please describe the problem in words")


def test_a_resent_update_is_answered_once(core):
    incoming = Incoming("telegram", REPORTER_CHAT, REPORTER_CHAT, "99", text="/start", command="start")
    assert core.handle(incoming)
    assert core.handle(incoming) == []


def _at_the_description(core):
    boss = Chat(core, REPORTER_CHAT)
    r = boss.says("/start")
    r = boss._send(payload=r[-1].buttons[0][0].payload)  # Enterprise
    r = boss.says(CODE)
    boss._send(payload=r[-1].buttons[1][1].payload)  # utilities
    return boss


@pytest.mark.parametrize("invisible", ["\u200b\u200b\u200b", "\x00\x01\x7f", "\u200e \u2028\t\n", "\ufeff"])
def test_a_description_of_only_invisible_characters_is_empty_and_asked_again(core, store, invisible):
    """Regression: zero-width or control characters alone were taken as the problem's description."""
    boss = _at_the_description(core)
    r = boss.says(invisible)
    assert keys(r) == ["The description is empty.",
                       "Describe the problem in your own words: what happened, where, since when."]
    assert store.conversations[("telegram", REPORTER_CHAT)].step == "description"


def test_control_characters_are_dropped_and_the_rest_kept(core, store):
    """Regression: a NUL in typed text crashed the ticket insert on PostgreSQL at 确认提交."""
    boss = _at_the_description(core)
    boss.says("停电\x00三天了\r\n👨\u200d👩\u200d👧 一家人都在等")
    assert store.conversations[("telegram", REPORTER_CHAT)].data["description"] == \
        "停电三天了\n👨\u200d👩\u200d👧 一家人都在等"
