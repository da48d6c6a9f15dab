"""Forged button data (a modified client can send any callback data on a message in its own chat)
gets the out-of-date pop-up and nothing else: no change, no error in the log, one INFO line.

Regression: `t:accept:²` ("²".isdigit() is True), `t:accept:999999999999999` and `c:area:99999999999`
(past the id columns) and `c:enterprise:abc` each crashed a handler with a traceback."""

from __future__ import annotations

import copy
import logging

import pytest

from handlers.payloads import MAX_ID
from tests.unit.chat import CODE, OWNER_CHAT, REPORTER_CHAT, Chat, Core, demo_store, keys

RESIDENT_CHAT, NEWCOMER_CHAT = "1002", "1003"
OUT_OF_DATE = "This button is out of date."


@pytest.fixture(scope="module")
def scene():
    """Ticket 1 with its owner (李管家) bound; a resident at the area question; an enterprise's
    person at the enterprise question."""
    store = demo_store()
    core = Core(store)
    Chat(core, OWNER_CHAT).says("/start invite-li")
    boss = Chat(core, REPORTER_CHAT)
    r = boss.says("/start")
    r = boss.presses("Enterprise", r)
    r = boss.says(CODE)
    r = boss.presses("Water, power, gas, heat", r)
    r = boss.says("停电三天了")
    r = boss.presses("Done", r)
    r = boss.says("13812345678")
    boss.presses("Confirm", r)
    resident = Chat(core, RESIDENT_CHAT)
    resident.presses("Resident", resident.says("/start"))
    newcomer = Chat(core, NEWCOMER_CHAT)
    newcomer.presses("Enterprise", newcomer.says("/start"))
    assert store.tickets[1].owner_cadre_id == 1
    assert store.conversations[("telegram", RESIDENT_CHAT)].step == "area"
    assert store.conversations[("telegram", NEWCOMER_CHAT)].step == "enterprise"
    return store


ON_A_CARD = [
    "t:accept:²", "t:accept:999999999999999", f"t:accept:{MAX_ID + 1}", f"t:accept:{2**63}", "t:accept:" + "9" * 40,
    "t:accept:-1", "t:accept:0", "t:accept:01", "t:accept:+1", "t:accept: 1", "t:accept:1.0", "t:accept:1:2",
    "t:accept:", "t::5", "::", ":", "", "t:accept", "x:accept:1", "T:accept:1", "t:nonsense:1", "t:ACCEPT!:1",
    "t:accept:1" + "x" * 60, "r:5:²", "r:-1:1", "r:5:0", "h:²:1", "h:1:-1", "h:0:1", "k:upheld:0", "k::1",
    "p:my:-1", "p:my:99999999", "p:other:0", "c:lang:fr", "c:kind:enterprise", "c:tier:A",
    bytes(range(256)).decode("latin-1"), b"\x9f\x00\xff:\x01:\xfe".decode("latin-1"), "\udcff:accept:1",
    "t:accept:١", "t:accept:１",  # Arabic-Indic and full-width digits: isdigit() too
]
CASES = ([pytest.param(OWNER_CHAT, data, id=f"card-{i}") for i, data in enumerate(ON_A_CARD)]
         + [pytest.param(RESIDENT_CHAT, data, id=f"area-{data}") for data in
            ("c:area:99999999999", "c:area:²", "c:area:abc", "c:area:-3", "c:area:0", "c:enterprise:1")]
         + [pytest.param(NEWCOMER_CHAT, data, id=f"enterprise-{data}") for data in
            ("c:enterprise:abc", "c:enterprise:0", "c:enterprise:99999999999", "c:enterprise:²", "c:area:3")])


@pytest.mark.parametrize(("chat_id", "data"), CASES)
def test_a_forged_payload_gets_the_out_of_date_pop_up_and_changes_nothing(scene, chat_id, data, caplog):
    store = copy.deepcopy(scene)
    state_before = copy.deepcopy(store.conversations[("telegram", chat_id)])
    tickets_before = copy.deepcopy(store.tickets)
    with caplog.at_level(logging.INFO):
        replies = Chat(Core(store), chat_id).forges(data)
    assert keys(replies) == [OUT_OF_DATE] and replies[0].as_alert
    assert store.conversations[("telegram", chat_id)] == state_before
    assert store.tickets == tickets_before
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.name for r in caplog.records if r.levelno == logging.INFO] == ["handlers.router"]


def test_a_real_button_still_works_after_forgeries(scene):
    store = copy.deepcopy(scene)
    owner = Chat(Core(store), OWNER_CHAT)
    owner.forges("t:accept:²")
    r = owner.forges("t:accept:1")
    assert keys(r)[0] == "You accepted ticket {number}. Press Resolve when it is settled."
    assert store.tickets[1].status == "accepted"
