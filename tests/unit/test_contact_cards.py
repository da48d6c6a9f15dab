"""助企连心卡 in chat: the card's link binds the scanning chat as the enterprise's contact, once it
gives the code printed on the card or shares the phone registered for the enterprise."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from handlers import contact_cards
from handlers.contact_cards import CARD_PREFIX, MAX_WRONG_CODES
from handlers.domain.model import ReporterKind, ReporterProfile
from handlers.turn import Work
from tests.unit.chat import REPORTER_CHAT, STRANGER_CHAT, Chat, Core, FixedClock, buttons, demo_store, keys
from tests.unit.fakes import FakeUnitOfWork

ASKED = ("助企连心卡 of {enterprise}. To make this chat its contact, type the {digits}-digit code printed on the "
         "card, or share the phone number registered for {enterprise} with the button below.")
WRONG = "That is not the code on this card ({left} tries left). The code is the {digits} digits printed beside the QR code."
BOUND = ("This chat is now the contact of {enterprise}. Send /start to report a problem: no credit code needed, it "
         "goes to {name} ({role}), your 包联 cadre.")
LOCKED = ("Too many wrong codes for this card from this chat. Try again after {until}, or ask your 包联 cadre to "
          "check the code.")
NOT_THEIR_PHONE = ("That phone number is not the one registered for {enterprise}. Type the code printed on the "
                   "card instead.")
REGISTERED_PHONE = "037162591001"


@pytest.fixture
def core() -> Core:
    store = demo_store()
    store.enterprises[1] = dataclasses.replace(store.enterprises[1], contact_phone=REGISTERED_PHONE)
    return Core(store)


def printed_card(core: Core, enterprise_id: int = 1) -> contact_cards.CardFace:
    """What the office prints (lianxin cards): the card's face, its token stored."""
    with FakeUnitOfWork(core.store) as uow:
        face = contact_cards.face(Work(uow=uow, now=FixedClock().now()), uow.directory.enterprise(enterprise_id))
        uow.commit()
    return face


def a_wrong_code(face: contact_cards.CardFace) -> str:
    return f"{(int(face.code) + 1) % 10 ** len(face.code):0{len(face.code)}d}"


def test_a_wrong_code_is_refused_and_asked_again_then_the_right_one_binds_the_chat(core: Core) -> None:
    card, owner = printed_card(core), Chat(core, REPORTER_CHAT)
    opened = owner.says(f"/start {card.start}")
    assert keys(opened) == [ASKED] and opened[0].ask_contact is not None
    assert keys(owner.says(a_wrong_code(card))) == [WRONG, ASKED]
    assert keys(owner.says(card.code)) == [BOUND]
    profile = next(iter(core.store.profiles.values()))
    assert profile.enterprise_id == 1 and profile.bound_at == FixedClock().now()


def test_the_bound_chat_reports_without_a_credit_code_and_confirms_for_its_enterprise(core: Core) -> None:
    card, owner = printed_card(core), Chat(core, REPORTER_CHAT)
    core.store.profiles[99] = ReporterProfile(99, ReporterKind.ENTERPRISE, 1)  # its first reporter: its contact so far
    owner.says(f"/start {card.start}")
    owner.says(card.code)
    owner.says("/start")
    asked = owner.presses("Enterprise")
    assert buttons(asked[-1]) == [["For {name}"]]
    chose = owner.presses("For {name}")
    assert keys(chose)[-1] == "What kind of problem is it?"
    owner_account = next(a.id for a in core.store.accounts.values() if a.chat_id == REPORTER_CHAT)
    with FakeUnitOfWork(core.store) as uow:
        assert uow.reporter_profiles.contact_of(1).account_id == owner_account  # cadres' 主动收集 asks this chat


def test_five_wrong_codes_lock_the_card_for_that_chat_for_a_day(core: Core) -> None:
    card, owner = printed_card(core), Chat(core, REPORTER_CHAT)
    owner.says(f"/start {card.start}")
    for _ in range(MAX_WRONG_CODES - 1):
        owner.says(a_wrong_code(card))
    locked = owner.says(a_wrong_code(card))
    assert keys(locked) == [LOCKED]
    assert locked[0].text.params["until"] == "2026-11-24 10:00"
    assert keys(owner.says(card.code)) != [BOUND]  # the dialog is over: the code is no longer taken
    assert keys(owner.says(f"/start {card.start}")) == [LOCKED]  # nor by opening the link again
    assert keys(Chat(core, STRANGER_CHAT).says(f"/start {card.start}")) == [ASKED]  # others are not locked out


def test_sharing_the_registered_phone_binds_the_chat(core: Core) -> None:
    card, owner = printed_card(core), Chat(core, REPORTER_CHAT)
    owner.says(f"/start {card.start}")
    assert keys(owner.shares_phone("13800009999")) == [NOT_THEIR_PHONE, ASKED]
    assert keys(owner.shares_phone(REGISTERED_PHONE, own=False)) == [
        "Please share your own phone number, not someone else's contact.", ASKED]
    assert keys(owner.shares_phone(REGISTERED_PHONE)) == [BOUND]
    assert next(iter(core.store.profiles.values())).phone == "+8637162591001"


def test_a_link_whose_token_names_no_card_says_so(core: Core) -> None:
    printed_card(core)
    said = Chat(core, REPORTER_CHAT).says(f"/start {CARD_PREFIX}notatoken")
    assert keys(said) == ["This 连心卡 link is not valid: it may have been cut off. Scan the QR code on the card "
                          "again, or ask your 包联 cadre for a new card."]


def test_printing_again_reuses_the_token_and_each_card_has_its_own(core: Core) -> None:
    first, again, other = printed_card(core), printed_card(core), printed_card(core, 2)
    assert (again.start, again.code) == (first.start, first.code)
    assert other.start != first.start
    assert core.store.enterprises[1].credit_code not in first.start


def test_the_card_shows_the_cadres_phone_only_where_the_office_publishes_it(core: Core) -> None:
    assert printed_card(core).cadre_phone == ""
    core.store.cadres[1] = dataclasses.replace(core.store.cadres[1], phone_public=True)
    face = printed_card(core)
    assert (face.cadre_name, face.cadre_phone, face.complain) == ("李管家", "13800000001", "/complain")


def test_the_lock_lifts_after_a_day(core: Core) -> None:
    card, owner = printed_card(core), Chat(core, REPORTER_CHAT)
    owner.says(f"/start {card.start}")
    for _ in range(MAX_WRONG_CODES):
        owner.says(a_wrong_code(card))
    core.lianxin._clock = type("Later", (), {"now": lambda self: FixedClock().now() + timedelta(days=1, seconds=1)})()
    assert keys(owner.says(f"/start {card.start}")) == [ASKED]


def test_a_bound_chat_reporting_a_residents_problem_stays_the_enterprises_contact(core: Core) -> None:
    from handlers import services
    from handlers.domain.model import ReporterKind as Kind

    card, owner = printed_card(core), Chat(core, REPORTER_CHAT)
    owner.says(f"/start {card.start}")
    owner.says(card.code)
    account = next(a.id for a in core.store.accounts.values() if a.chat_id == REPORTER_CHAT)
    with FakeUnitOfWork(core.store) as uow:
        work = Work(uow=uow, now=FixedClock().now())
        services.open_ticket(services.Report(account, Kind.RESIDENT, "environment", "垃圾未清运", "+8613812345678",
                                             area_id=3), work)
        uow.commit()
    profile = core.store.profiles[account]
    assert (profile.kind, profile.enterprise_id, profile.phone) == (Kind.ENTERPRISE, 1, "+8613812345678")
