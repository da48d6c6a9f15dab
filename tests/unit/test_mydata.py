"""/mydata as dialog tables: what a reporter sees of their data, the erasure asked, confirmed or
not; a cadre's erasure on leaving (docs/privacy.md)."""

from __future__ import annotations

import pytest

from bot.i18n import Translator
from handlers import privacy
from handlers.domain.errors import DomainError
from handlers.domain.events import EventKind
from handlers.turn import Work
from tests.unit.chat import FixedClock, buttons, keys
from tests.unit.fakes import FakeUnitOfWork
from tests.unit.test_cadre_dialogs import Desk, demo_store

translator = Translator()
ASK = ("Erase your personal data? Your name, phone, location, photos and everything you typed (descriptions, "
       "answers, comments, complaints) will be erased; your {tickets} tickets stay in the office's records without "
       "them. {withdrawn} still open will be withdrawn: nobody can work on them without your words and phone. "
       "{awaiting} awaiting your confirmation will close by themselves. This cannot be undone.")
ERASED = ("Your personal data is erased. The bot no longer knows who you are; send /start to report a problem as a "
          "new user.")


@pytest.fixture
def desk() -> Desk:
    return Desk(demo_store())


def rendered(replies) -> str:
    return "\n".join(translator.render(r.text, r.locale) for r in replies)


def solved_rated_commented_and_complained(desk: Desk) -> None:
    """The boss's ticket resolved, confirmed, rated 4 with a comment; and a 举报 about 李管家."""
    desk.owner.presses("Resolve")
    desk.owner.says("已恢复供电")
    desk.boss.presses("Solved")
    desk.boss.forges("r:4:1")
    desk.boss.says("来得太慢")
    desk.boss.says("/complain")
    desk.boss.says("李管家")
    desk.boss.forges("h:1:0")
    desk.boss.says("李管家收了好处费")


def test_mydata_shows_the_account_the_phone_the_ticket_the_rating_and_the_complaint(desk):
    solved_rated_commented_and_complained(desk)
    r = desk.boss.says("/mydata")
    text = rendered(r)
    assert "telegram" in text and "1001" in text, "the account: platform and user id"
    assert "+8613812345678" in text, "the phone, on the profile and on the ticket"
    assert "润弘制药" in text, "the enterprise they report for"
    assert "LX-2026-000001" in text and "停电三天了" in text, "the ticket and what they wrote"
    assert "4" in text and "来得太慢" in text, "their rating and their comment"
    assert "李管家收了好处费" in text, "the text of their 举报"
    assert buttons(r[-1]) == [["Erase my data…"]]


def test_a_report_under_way_is_shown_with_what_was_typed(desk):
    desk.boss.says("/start")
    desk.boss.presses("Resident")
    desk.store.conversations[("telegram", desk.boss.chat_id)].data["description"] = "楼道灯坏了"
    text = rendered(desk.boss.says("/mydata"))
    assert "楼道灯坏了" in text and "report" in text


def test_erasure_is_asked_first_and_no_keeps_everything(desk):
    r = desk.boss.says("/mydata")
    r = desk.boss.presses("Erase my data…", r)
    assert keys(r) == [ASK] and r[0].text.params == {"tickets": 1, "withdrawn": 1, "awaiting": 0}
    assert buttons(r[0]) == [["Yes, erase my data", "No, keep it"]]
    assert desk.state(desk.boss) == ("mydata", "erase")
    r = desk.boss.says("好的")
    assert keys(r) == [ASK], "a word is not a confirmation: asked again"
    r = desk.boss.presses("No, keep it")
    assert keys(r) == ["Nothing was erased."]
    assert desk.state(desk.boss) == ("idle", "")
    assert desk.ticket.reporter_phone == "+8613812345678" and desk.store.profiles


def test_no_goes_back_to_the_report_under_way(desk):
    desk.boss.says("/start")
    desk.boss.presses("Resident")
    desk.boss.says("/mydata")
    desk.boss.presses("Erase my data…")
    r = desk.boss.presses("No, keep it")
    assert keys(r)[0] == "Nothing was erased." and len(r) == 2, "and the report's question again"
    assert desk.state(desk.boss)[0] == "report"


def test_yes_erases_the_person_and_keeps_the_tickets_anonymous(desk):
    solved_rated_commented_and_complained(desk)
    desk.boss.says("/mydata")
    desk.boss.presses("Erase my data…")
    r = desk.boss.presses("Yes, erase my data")
    assert keys(r) == [ERASED]
    ticket = desk.ticket
    assert ticket.reporter_phone == "" and ticket.description == "" and ticket.location is None
    assert ticket.status == "confirmed", "a closed ticket stays as it was"
    assert [e.kind for e in ticket.events][-1] == EventKind.REPORTER_ERASED
    rated = [e for e in ticket.events if e.kind == EventKind.RATED]
    assert rated[0].data == {"stars": 4}, "ratings stay: they are the office's figures"
    assert all(e.data.get("text") in (None, "") for e in ticket.events if e.actor_account_id == 4), "their words go"
    assert [c[3] for c in desk.store.complaints] == [""], "the 举报 stays on record, without its text"
    account = desk.store.accounts[4]
    assert account.erased and account.display_name == "" and 4 not in desk.store.profiles
    assert desk.state(desk.boss) == ("idle", "")


def test_after_erasure_the_same_chat_is_a_new_person(desk):
    desk.boss.says("/mydata")
    desk.boss.presses("Erase my data…")
    desk.boss.presses("Yes, erase my data")
    r = desk.boss.says("/mine")
    assert keys(r) == ["Nothing here yet."], "their old tickets are no longer theirs to see"
    assert len(desk.store.accounts) == 5, "a new account"
    r = desk.boss.says("/start")
    assert keys(r)[0].startswith("Welcome to Lianxin")


def test_an_open_ticket_is_withdrawn_and_its_owner_told(desk):
    desk.boss.says("/mydata")
    desk.boss.presses("Erase my data…")
    r = desk.boss.presses("Yes, erase my data")
    assert desk.ticket.status == "withdrawn"
    told = [x for x in r if x.to.chat_id == desk.owner.chat_id and x.card is None]
    assert keys(told) == ["Ticket {number} is withdrawn: its reporter had their personal data erased. Its history "
                          "stays, without their words, phone or photos."]
    card = [x for x in r if x.to.chat_id == desk.owner.chat_id and x.card is not None]
    assert card and "+8613812345678" not in rendered(card), "the owner's card loses the phone"


def test_a_cadre_is_told_their_data_is_the_offices_to_erase(desk):
    r = desk.owner.says("/mydata")
    assert "李管家" in rendered(r)
    r = desk.owner.presses("Erase my data…", r)
    assert keys(r) == ["You are bound as a cadre: tickets reach you in this chat. The office erases a cadre's data "
                       "when they leave (lianxin cadre erase)."]
    assert desk.state(desk.owner) == ("idle", "")


def test_a_forged_erasure_press_outside_the_question_changes_nothing(desk):
    r = desk.boss.forges("c:erase:yes")
    assert r[-1].as_alert and desk.ticket.reporter_phone == "+8613812345678"


# --- a cadre's erasure on leaving ------------------------------------------------------------

def erase_cadre(desk: Desk, cadre_id: int) -> str:
    with FakeUnitOfWork(desk.store) as uow:
        placeholder = privacy.erase_cadre(privacy.EraseCadre(cadre_id), Work(uow=uow, now=FixedClock().now()))
        uow.commit()
    return placeholder


def test_a_cadre_with_open_tickets_is_not_erased(desk):
    with pytest.raises(DomainError) as refused:
        erase_cadre(desk, 1)
    assert refused.value.reason.params["numbers"] == "LX-2026-000001"
    assert desk.store.cadres[1].name == "李管家"


def test_a_cadre_still_responsible_for_enterprises_or_a_unit_is_not_erased(desk):
    with pytest.raises(DomainError) as refused:
        erase_cadre(desk, 3)  # 赵主任: the township's duty cadre
    assert refused.value.reason.params["units"] == "新村镇"


def test_a_cadre_without_open_tickets_is_erased_to_a_placeholder(desk):
    assert erase_cadre(desk, 2) == "已离任干部 #2"
    cadre = desk.store.cadres[2]
    assert (cadre.name, cadre.phone, cadre.account_id) == ("已离任干部 #2", "", 2), "the row stays for the histories"
    assert desk.store.accounts[2].erased and "invite-wang" not in desk.store.invites
    r = desk.grid.says("/my")
    assert keys(r) == ["/my lists a cadre's tickets; your account is not bound to a cadre."], "their chat is unbound"
