"""助企连心卡: the contact card an office prints for each enterprise, and binding by it.

The card names the enterprise's 包联 cadre, the 举报 channel, and carries a QR deep link. Whoever
scans it is asked to confirm with the one-time code printed beside the QR, or by sharing the phone
registered for the enterprise; their chat then becomes the enterprise's contact (ReporterProfile,
bound): their reports need no credit code, and they confirm what cadres log on its behalf.

The link's token is random per card and stored (never derived from the credit code, so one card
says nothing about another); printing a card again reuses it. Wrong codes are counted per chat and
card: after MAX_WRONG_CODES the card is locked for that chat for LOCKED_FOR. Five tries forgive a
slip or two; at five a day, guessing a 6-digit code takes on average 100,000 days, and the QR's
token (128 random bits) has to be in hand before the first guess anyway.

What the card shows is decided here (`CardFace`); drawing it is the shell's (bot/cards.py).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from handlers import services
from handlers.domain.model import CardTries, ContactCard, Enterprise, OrgUnit, ReporterKind, ReporterProfile
from handlers.domain.phone import normalize_phone
from handlers.messages import Msg, t
from handlers.ports import Dialog
from handlers.router import Router
from handlers.turn import Turn, Work

CARD_PREFIX = "card-"  # a 连心卡 link's start parameter begins so; an invite's is the bare token
TOKEN_BYTES = 16  # 22 characters: with the prefix well inside a start parameter's 64
CODE_DIGITS = 6
MAX_WRONG_CODES = 5
LOCKED_FOR = timedelta(hours=24)
COMPLAIN_COMMAND = "/complain"  # the 举报 channel (handlers.complaints)
DIALOG, CODE_STEP = Dialog.CONTACT_CARD, "code"
SHARE_PHONE = t("Share my phone number")

router = Router("contact_cards")


@dataclass(frozen=True)
class CardFace:
    """What one 助企连心卡 shows. Only what the office publishes: the cadre's phone where their
    phone is public, never the enterprise's own contact's."""

    enterprise: str
    address: str
    unit: str  # the enterprise's grid or township, as printed under its name
    cadre_name: str  # "" when the enterprise has no 包联 yet
    cadre_role: Msg | None
    cadre_phone: str  # "" unless the office publishes it (Cadre.phone_public)
    complain: str  # how to file a 举报 with the bot
    start: str  # the QR deep link's start parameter
    code: str  # the one-time code printed beside the QR


def card_of(work: Work, enterprise: Enterprise) -> ContactCard:
    """The enterprise's card: the one printed before (same token and code), else a new one."""
    cards = work.uow.contact_cards
    known = cards.of_enterprise(enterprise.id)
    if known is not None:
        return known
    code = "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))
    return cards.add(enterprise.id, secrets.token_urlsafe(TOKEN_BYTES), code, work.now)


def face(work: Work, enterprise: Enterprise) -> CardFace:
    card = card_of(work, enterprise)
    directory = work.uow.directory
    cadre = directory.cadre(enterprise.assigned_cadre_id) if enterprise.assigned_cadre_id else None
    grid = directory.org_unit(enterprise.grid_id) if enterprise.grid_id else None
    return CardFace(enterprise=enterprise.name, address=enterprise.address, unit=grid.name if grid else "",
                    cadre_name=cadre.name if cadre else "", cadre_role=services.role_label(cadre) if cadre else None,
                    cadre_phone=cadre.phone if cadre and cadre.phone_public else "", complain=COMPLAIN_COMMAND,
                    start=CARD_PREFIX + card.token, code=card.code)


def faces_under(work: Work, unit: OrgUnit) -> list[CardFace]:
    """The cards of every enterprise of the unit and below (a township's print run)."""
    return [face(work, enterprise) for enterprise in work.uow.contact_cards.enterprises_under(unit.id)]


# --- binding by the card, in chat ------------------------------------------------

def is_card_link(parameter: str) -> bool:
    return parameter.startswith(CARD_PREFIX)


def open_card(turn: Turn, parameter: str) -> None:
    """/start card-<token>: the card's link was opened; ask for the code or the phone."""
    card = turn.uow.contact_cards.by_token(parameter.removeprefix(CARD_PREFIX))
    enterprise = turn.uow.directory.enterprise(card.enterprise_id) if card else None
    if card is None or enterprise is None:
        turn.say(t("This 连心卡 link is not valid: it may have been cut off. Scan the QR code on the card again, "
                   "or ask your 包联 cadre for a new card."))
        return
    if _locked(turn, card):
        return
    profile = turn.uow.reporter_profiles.get(turn.account.id)
    if profile is not None and profile.enterprise_id == enterprise.id and profile.bound_at is not None:
        turn.say(t("This chat is already the contact of {enterprise}. Send /start to report a problem.",
                   enterprise=enterprise.name))
        return
    turn.state.dialog, turn.state.step, turn.state.data = DIALOG, CODE_STEP, {"token": card.token}
    _ask_code(turn, enterprise)


def _ask_code(turn: Turn, enterprise: Enterprise) -> None:
    turn.say(t("助企连心卡 of {enterprise}. To make this chat its contact, type the {digits}-digit code printed on "
               "the card, or share the phone number registered for {enterprise} with the button below.",
               enterprise=enterprise.name, digits=CODE_DIGITS), ask_contact=SHARE_PHONE)


def _locked(turn: Turn, card: ContactCard) -> bool:
    """Says so, if too many wrong codes locked this card for this chat."""
    until = turn.uow.contact_cards.tries(card.id, turn.account.id).locked_until
    if until is None or until <= turn.now:
        return False
    turn.reset()
    turn.say(t("Too many wrong codes for this card from this chat. Try again after {until}, or ask your 包联 "
               "cadre to check the code.", until=until.astimezone(turn.rules.time_zone).strftime("%Y-%m-%d %H:%M")),
             remove_keyboard=True)
    return True


@router.step(DIALOG, CODE_STEP)
def _confirm(turn: Turn) -> None:
    """The code typed, or the phone shared. A wrong code is counted (said, not raised: a refusal's
    rollback would forget the count) and the question asked again."""
    card = turn.uow.contact_cards.by_token(turn.state.data.get("token", ""))
    enterprise = turn.uow.directory.enterprise(card.enterprise_id) if card else None
    if card is None or enterprise is None:  # the card was withdrawn meanwhile
        turn.reset()
        turn.say(t("This 连心卡 is no longer valid. Ask your 包联 cadre for a new card."), remove_keyboard=True)
        return
    if _locked(turn, card):
        return
    if turn.incoming.contact_phone is not None:
        _by_phone(turn, card, enterprise)
    else:
        _by_code(turn, card, enterprise)


def _by_code(turn: Turn, card: ContactCard, enterprise: Enterprise) -> None:
    typed = "".join((turn.incoming.text or "").split())
    if secrets.compare_digest(typed.encode(), card.code.encode()):
        _bind(turn, card, enterprise, phone="")
        return
    cards = turn.uow.contact_cards
    failures = cards.tries(card.id, turn.account.id).failures + 1
    if failures >= MAX_WRONG_CODES:
        cards.set_tries(card.id, turn.account.id, CardTries(0, turn.now + LOCKED_FOR))
        _locked(turn, card)
        return
    cards.set_tries(card.id, turn.account.id, CardTries(failures))
    turn.say(t("That is not the code on this card ({left} tries left). The code is the {digits} digits printed "
               "beside the QR code.", left=MAX_WRONG_CODES - failures, digits=CODE_DIGITS))
    _ask_code(turn, enterprise)


def _by_phone(turn: Turn, card: ContactCard, enterprise: Enterprise) -> None:
    incoming = turn.incoming
    if incoming.contact_user_id != incoming.user_id:  # only the share button's own contact carries the sender's id
        turn.say(t("Please share your own phone number, not someone else's contact."))
        _ask_code(turn, enterprise)
        return
    shared, registered = normalize_phone(incoming.contact_phone or ""), normalize_phone(enterprise.contact_phone)
    if shared is None or shared != registered:
        turn.say(t("That phone number is not the one registered for {enterprise}. Type the code printed on the "
                   "card instead.", enterprise=enterprise.name))
        _ask_code(turn, enterprise)
        return
    _bind(turn, card, enterprise, phone=shared)


def _bind(turn: Turn, card: ContactCard, enterprise: Enterprise, phone: str) -> None:
    """This chat becomes the enterprise's contact."""
    profiles = turn.uow.reporter_profiles
    kept = profiles.get(turn.account.id)
    phone = phone or (kept.phone if kept else "")
    profiles.save(ReporterProfile(turn.account.id, ReporterKind.ENTERPRISE, enterprise.id, phone, bound_at=turn.now))
    turn.uow.contact_cards.set_tries(card.id, turn.account.id, CardTries())
    turn.reset()
    cadre = turn.uow.directory.cadre(enterprise.assigned_cadre_id) if enterprise.assigned_cadre_id else None
    if cadre is None:
        turn.say(t("This chat is now the contact of {enterprise}. Send /start to report a problem: no credit code "
                   "needed.", enterprise=enterprise.name), remove_keyboard=True)
        return
    turn.say(t("This chat is now the contact of {enterprise}. Send /start to report a problem: no credit code "
               "needed, it goes to {name} ({role}), your 包联 cadre.", enterprise=enterprise.name, name=cadre.name,
               role=services.role_label(cadre)), remove_keyboard=True)
