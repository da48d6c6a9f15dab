"""People talking to the core directly, on the in-memory fakes: what dialog-table tests use."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from handlers.app import Lianxin
from handlers.domain.credit_code import check_character
from handlers.domain.model import Cadre, CadreRole, Enterprise, OrgLevel, OrgUnit
from handlers.messages import Msg
from handlers.seam import REFRESH, Incoming, Reply
from tests.unit.fakes import FakeStore, FakeUnitOfWork

CODE = "91410184MA3X5Y6T1" + check_character("91410184MA3X5Y6T1")
OWNER_CHAT, REPORTER_CHAT, STRANGER_CHAT = "500", "1001", "666"


class FixedClock:
    """Monday 2026-11-23, 10:00 in Shanghai: office hours, so nothing is held back."""

    def now(self) -> datetime:
        return datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def demo_store() -> FakeStore:
    """A township with one village and one grid; a butler, a grid worker, the township's leader."""
    s = FakeStore()
    s.units = {1: OrgUnit(1, "新村镇", OrgLevel.TOWNSHIP, None, duty_cadre_id=3),
               2: OrgUnit(2, "裴李岗村", OrgLevel.COMMUNITY, 1), 3: OrgUnit(3, "一网格", OrgLevel.GRID, 2)}
    s.cadres = {1: Cadre(1, "李管家", CadreRole.BUTLER, 1, "13800000001"),
                2: Cadre(2, "王网格", CadreRole.GRID_WORKER, 3, "13800000002"),
                3: Cadre(3, "赵主任", CadreRole.TOWNSHIP_LEADER, 1, "13800000003")}
    s.enterprises = {1: Enterprise(1, "润弘制药", CODE, 3, assigned_cadre_id=1),
                     2: Enterprise(2, "新村纺织厂", "", 3, assigned_cadre_id=None)}
    s.invites = {"invite-li": 1, "invite-wang": 2, "invite-zhao": 3}
    return s


class Core:
    """The core as a chat sees it: a turn answers with what it put in the outbox, then any pop-up."""

    def __init__(self, store: FakeStore) -> None:
        self.store = store
        self.lianxin = Lianxin(lambda: FakeUnitOfWork(store), FixedClock())

    def handle(self, incoming: Incoming) -> list[Reply]:
        already = len(self.store.outbox)
        alerts = self.lianxin.handle(incoming)
        return self.store.outbox[already:] + alerts


class Chat:
    """A person talking to the core directly."""

    _ids = itertools.count(1)

    def __init__(self, core: Core, chat_id: str, language_code: str = "zh-hans") -> None:
        self.core, self.chat_id, self.language_code = core, chat_id, language_code

    def _send(self, **fields) -> list[Reply]:
        incoming = Incoming("telegram", self.chat_id, self.chat_id, str(next(self._ids)),
                            language_code=self.language_code, **fields)
        return self.core.handle(incoming)

    def says(self, text: str) -> list[Reply]:
        if text.startswith("/"):
            command, _, args = text[1:].partition(" ")
            return self._send(text=text, command=command, args=args)
        return self._send(text=text)

    def shares_phone(self, phone: str, own: bool = True) -> list[Reply]:
        """The contact-share button (`own`), or a contact picked from the address book."""
        return self._send(contact_phone=phone, contact_user_id=self.chat_id if own else "424242")

    def sends_photo(self, *file_ids: str) -> list[Reply]:
        return self._send(photo_file_ids=file_ids)

    def presses(self, label: str, replies: list[Reply] | None = None) -> list[Reply]:
        """Press the newest button with this label among `replies` (by default, all this chat got)."""
        for reply in reversed(replies if replies is not None else self.received()):
            for button in (b for row in reply.buttons for b in row):
                if label_of(button.label) == label:
                    return self._send(payload=button.payload)
        raise AssertionError(f"no button {label!r}")

    def forges(self, payload: str) -> list[Reply]:
        """What a modified client can send: callback data of its own choosing."""
        return self._send(payload=payload)

    def received(self) -> list[Reply]:
        return [r for r in self.core.store.outbox if r.to.chat_id == self.chat_id]


def label_of(msg: Msg) -> str:
    return msg.params["text"] if msg.key == "{text}" else msg.key


def keys(replies: list[Reply]) -> list[str]:
    """The messages' keys; a ticket card brought up to date in place is an edit, not a message (see `edits`)."""
    return [r.text.key for r in replies if not is_card_edit(r)]


def edits(replies: list[Reply]) -> list[Reply]:
    """The ticket cards brought up to date in place (the live card, or the one pressed)."""
    return [r for r in replies if is_card_edit(r)]


def is_card_edit(reply: Reply) -> bool:
    return reply.card is not None and reply.card.mode == REFRESH


def buttons(reply: Reply) -> list[list[str]]:
    return [[label_of(b.label) for b in row] for row in reply.buttons]
