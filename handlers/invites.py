"""Binding cadres: an admin's /invite <unit> sends a fresh single-use invite link (and its QR code)
for every cadre of the unit and below who has no chat account yet; /unbound <unit> lists them.
A cadre opening their link binds their chat (handlers.conversations.cadre.bind). Only units in
the admin's own part of the tree (handlers.authority), checked against the database."""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers import services
from handlers.authority import admin_of, unit_under
from handlers.domain.model import Cadre, OrgUnit, Unbound
from handlers.messages import Msg, plain, t
from handlers.router import Router
from handlers.seam import QR, Attachment, start_link
from handlers.turn import Turn, Work

INVITE, UNBOUND = "invite", "unbound"
INVITE_TTL = timedelta(days=7)
MAX_INVITES_IN_CHAT = 20  # one photo each, at ~1 a second to one chat: more waits for a smaller unit or the CLI
TIME_FORMAT = "%Y-%m-%d %H:%M"

router = Router("invites")


def issue_invites(work: Work, unit: OrgUnit, ttl: timedelta = INVITE_TTL) -> list[tuple[Unbound, str]]:
    """A fresh invite for each cadre of `unit` and below who has not bound yet: (cadre, token).
    The caller has checked who may ask (an admin of the unit, or the operator's CLI)."""
    unbound = work.uow.invites.unbound_under(unit.id, work.now)
    return [(person, work.uow.invites.issue(person.cadre.id, work.now, ttl)) for person in unbound]


def local(work: Work, moment: datetime) -> str:
    return moment.astimezone(work.rules.time_zone).strftime(TIME_FORMAT)


def _unit_asked(turn: Turn, args: str, command: str) -> OrgUnit | None:
    """The unit named in the command, if the sender administers it; otherwise says why not."""
    admin = admin_of(turn.uow.directory, turn.account.id)
    if admin is None:
        turn.say(t("/{command} is for admins; your account is not one.", command=command))
        return None
    name = args.strip()
    if not name:
        turn.say(t("Which unit? For example: /{command} 新村镇", command=command))
        return None
    unit = unit_under(turn.uow.directory, admin, name)
    if unit is None:
        home = turn.uow.directory.org_unit(admin.org_unit_id)
        turn.say(t("No unit named “{name}” in {home} or below. Check the name and send /{command} again.",
                   name=name, home=plain(home.name if home else ""), command=command))
    return unit


def _unbound_asked(turn: Turn, args: str, command: str) -> tuple[OrgUnit, list[Unbound]] | None:
    """The unit asked about and its cadres not bound yet; None once the admin was told why not."""
    unit = _unit_asked(turn, args, command)
    if unit is None:
        return None
    waiting = turn.uow.invites.unbound_under(unit.id, turn.now)
    if not waiting:
        turn.say(t("Every cadre of {unit} and below has bound their chat already.", unit=unit.name))
        return None
    return unit, waiting


@router.command(INVITE)  # out of everyone's menu: /admin lists it
def invite(turn: Turn, args: str = "") -> None:
    asked = _unbound_asked(turn, args, INVITE)
    if asked is None:
        return
    unit, waiting = asked
    if len(waiting) > MAX_INVITES_IN_CHAT:
        turn.say(t("{count} cadres of {unit} and below have not bound yet: too many to send here one by one "
                   "(at most {limit}). Send /invite with a unit below it, or ask your office for "
                   "lianxin cadre invite --unit {unit} --qr FOLDER.", count=len(waiting), unit=unit.name,
                   limit=MAX_INVITES_IN_CHAT))
        return
    turn.say(t("Invite links for the {count} cadres of {unit} who have not bound yet, valid for {days} days, each "
               "usable once. Forward each to its cadre: opening the link or scanning the code binds their chat.",
               count=len(waiting), unit=unit.name, days=INVITE_TTL.days))
    for person, token in issue_invites(turn, unit):
        turn.say(_invite_caption(turn, person.cadre, person.unit_name, token),
                 attachment=Attachment(QR, {"start": token, "label": person.cadre.name}))


def _invite_caption(work: Work, cadre: Cadre, unit_name: str, token: str) -> Msg:
    return t("{name} ({role}, {unit})\n{link}\nValid until {until}.", name=cadre.name,
             role=services.role_label(cadre), unit=plain(unit_name), link=start_link(token),
             until=local(work, work.now + INVITE_TTL))


@router.command(UNBOUND)
def unbound(turn: Turn, args: str = "") -> None:
    asked = _unbound_asked(turn, args, UNBOUND)
    if asked is None:
        return
    unit, waiting = asked
    lines = [_unbound_line(turn, person) for person in waiting]
    turn.say(t("Not bound yet in {unit} ({count}):\n{lines}\n/invite {unit} sends them fresh invite links.",
               unit=unit.name, count=len(waiting), lines=_joined(lines)))


def _unbound_line(work: Work, person: Unbound) -> Msg:
    cadre = person.cadre
    if person.invite_expires_at is None:
        return t("{name}, {role}, {unit}: no live invite", name=cadre.name, role=services.role_label(cadre),
                 unit=plain(person.unit_name))
    return t("{name}, {role}, {unit}: invite valid until {until}", name=cadre.name, role=services.role_label(cadre),
             unit=plain(person.unit_name), until=local(work, person.invite_expires_at))


def _joined(lines: list[Msg]) -> Msg:
    """Several messages, one a line (each rendered in the reader's language)."""
    return Msg("\n".join(f"{{l{i}}}" for i in range(len(lines))), {f"l{i}": line for i, line in enumerate(lines)})
