"""The report dialog as a table of turns, on in-memory fakes (no database, no Telegram)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from handlers.app import Lianxin
from handlers.domain.credit_code import check_character
from handlers.domain.model import Cadre, CadreRole, Enterprise, OrgLevel, OrgUnit
from handlers.seam import Incoming, Reply
from tests.unit.fakes import FakeStore, FakeUnitOfWork

CODE = "91410184MA3X5Y6T1" + check_character("91410184MA3X5Y6T1")
OWNER_CHAT, REPORTER_CHAT, STRANGER_CHAT = "500", "1001", "666"


class FixedClock:
    def now(self) -> datetime:
        return datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


@pytest.fixture
def store() -> FakeStore:
    s = FakeStore()
    s.units = {1: OrgUnit(1, "新村镇", OrgLevel.TOWNSHIP, None, duty_cadre_id=3),
               2: OrgUnit(2, "裴李岗村", OrgLevel.COMMUNITY, 1), 3: OrgUnit(3, "一网格", OrgLevel.GRID, 2)}
    s.cadres = {1: Cadre(1, "李管家", CadreRole.BUTLER, 1, "13800000001"),
                2: Cadre(2, "王网格", CadreRole.GRID_WORKER, 3, "13800000002"),
                3: Cadre(3, "赵主任", CadreRole.TOWNSHIP_LEADER, 1, "13800000003")}
    s.enterprises = {1: Enterprise(1, "润弘制药", CODE, 3, assigned_cadre_id=1),
                     2: Enterprise(2, "新村纺织厂", "", 3, assigned_cadre_id=None)}
    s.invites = {"invite-li": 1, "invite-wang": 2}
    return s


class Chat:
    """A person talking to the core directly."""

    _ids = itertools.count(1)

    def __init__(self, core: Core, chat_id: str, language_code: str = "zh-hans") -> None:
        self.core, self.chat_id, self.language_code = core, chat_id, language_code
        self.inbox: list[Reply] = []

    def _send(self, **fields) -> list[Reply]:
        incoming = Incoming("telegram", self.chat_id, self.chat_id, str(next(self._ids)),
                            language_code=self.language_code, **fields)
        return self.core.handle(incoming)

    def says(self, text: str) -> list[Reply]:
        if text.startswith("/"):
            command, _, args = text[1:].partition(" ")
            return self._send(text=text, command=command, args=args)
        return self._send(text=text)

    def presses(self, label: str, replies: list[Reply] | None = None) -> list[Reply]:
        for reply in reversed(replies or self.received()):
            for button in (b for row in reply.buttons for b in row):
                if _key(button.label) == label:
                    return self._send(payload=button.payload)
        raise AssertionError(f"no button {label!r}")


def _key(msg) -> str:
    return msg.params["text"] if msg.key == "{text}" else msg.key


def keys(replies: list[Reply]) -> list[str]:
    return [r.text.key for r in replies]


class Core:
    """The core as a chat sees it: a turn answers with what it put in the outbox, then any pop-up."""

    def __init__(self, store: FakeStore) -> None:
        self.store = store
        self.lianxin = Lianxin(lambda: FakeUnitOfWork(store), FixedClock())

    def handle(self, incoming: Incoming) -> list[Reply]:
        already = len(self.store.outbox)
        alerts = self.lianxin.handle(incoming)
        return self.store.outbox[already:] + alerts


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
    assert theirs and theirs[0].text.params["phone"] == "+8613812345678"
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
