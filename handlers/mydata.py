"""/mydata: a person sees everything stored about them, in their language, and may ask for its
erasure — told first what it does to their tickets, then asked to confirm (or to keep it).

The listing is text in the chat, not a file: it is what they read on a phone, in their language,
and the shell splits a long message on line boundaries. It comes as a few messages: who they
are, then their tickets a few at a time (a ticket's lines stay together), then their 举报.
"""

from __future__ import annotations

from datetime import datetime

from handlers import card, payloads, privacy
from handlers.complaints import FINDING_LABELS
from handlers.conversations import report
from handlers.domain.categories import label
from handlers.domain.events import EventKind
from handlers.domain.labels import REPORTER_STATUS_LABELS, ROLE_LABELS
from handlers.domain.model import Complaint, ReporterKind, Ticket, TicketEvent
from handlers.messages import Msg, t
from handlers.payloads import Choice
from handlers.ports import ConversationState, Dialog
from handlers.router import Router
from handlers.seam import Button
from handlers.turn import Turn

COMMAND = "mydata"
ASK_ERASURE = "mydata"  # the listing's button: c:mydata:erase
ERASE_STEP = "erase"  # the confirmation: c:erase:yes / c:erase:no
YES, NO = "yes", "no"
TICKETS_PER_MESSAGE = 5

router = Router("mydata")

KIND_LABELS = {ReporterKind.ENTERPRISE: t("Enterprise"), ReporterKind.RESIDENT: t("Resident")}
# The person's own words in their tickets' histories, each as /mydata names it.
OWN_WORDS: dict[str, Msg] = {
    EventKind.INFO_GIVEN: t("Your answer to the handler: {text}"),
    EventKind.REPORTER_ADDED: t("You added: {text}"),
    EventKind.COMMENTED: t("Your comment: {text}"),
    EventKind.WITHDRAWN: t("You withdrew it: {text}"),
    EventKind.REOPENED: t("You said it was not solved: {text}"),
    EventKind.REVISIT_FAILED: t("You said the problem came back: {text}"),
}


@router.command(COMMAND, t("What is stored about you, and its erasure"))
def show(turn: Turn, args: str) -> None:
    stored = privacy.stored_about(turn, turn.account.id)
    turn.say(_who(turn, stored))
    for start in range(0, len(stored.tickets), TICKETS_PER_MESSAGE):
        blocks = {f"b{i}": _ticket(turn, x) for i, x in enumerate(stored.tickets[start:start + TICKETS_PER_MESSAGE])}
        turn.say(Msg("\n\n".join(f"{{{name}}}" for name in blocks), blocks))
    if stored.complaints:
        lines = {f"k{i}": _complaint(turn, x) for i, x in enumerate(stored.complaints)}
        turn.say(Msg("{heading}\n" + "\n\n".join(f"{{{name}}}" for name in lines),
                     {"heading": t("Your complaints (举报): {count}", count=len(stored.complaints)), **lines}))
    turn.say(t("That is all we keep about you (docs/privacy.md says what for and how long). You can ask for it "
               "to be erased."), ((Button(t("Erase my data…"), payloads.choice(ASK_ERASURE, "erase")),),))


def _who(turn: Turn, stored: privacy.Stored) -> Msg:
    account, profile, cadre = stored.account, stored.profile, stored.cadre
    parts: dict[str, Msg] = {
        "account": t("What we keep about you\nYour account: {platform} user {user_id}, name “{name}”, language {locale}",
                     platform=account.platform, user_id=account.user_id, name=account.display_name,
                     locale=account.locale)}
    if profile is not None:
        enterprise = turn.uow.directory.enterprise(profile.enterprise_id) if profile.enterprise_id else None
        parts["profile"] = t("Your reporter details: {kind}{enterprise}, phone {phone}", kind=KIND_LABELS[profile.kind],
                             enterprise=f" · {enterprise.name}" if enterprise else "", phone=profile.phone or "—")
    if cadre is not None:
        unit = turn.uow.directory.org_unit(cadre.org_unit_id)
        parts["cadre"] = t("You are bound as cadre {name} ({role}, {unit}), phone {phone}.", name=cadre.name,
                           role=ROLE_LABELS[cadre.role], unit=unit.name if unit else "", phone=cadre.phone or "—")
    parts["tickets"] = t("Problems you reported: {count}", count=len(stored.tickets))
    parts["dialog"] = _under_way(turn.state)
    return Msg("\n".join(f"{{{name}}}" for name in parts), parts)


def _under_way(state: ConversationState) -> Msg:
    """What this chat's dialog holds so far (a report being written keeps what was typed)."""
    if state.dialog == Dialog.IDLE:
        return t("No conversation under way.")
    data = state.data
    typed = " · ".join(str(data[key]) for key in ("description", "phone") if data.get(key))
    return t("Under way: {dialog} ({step}){typed}", dialog=state.dialog, step=state.step or "—",
             typed=f": {typed}" if typed else "")


def _ticket(turn: Turn, ticket: Ticket) -> Msg:
    lines: dict[str, Msg] = {
        "head": t("{number} · {category} · {status}\nReported {day}", number=ticket.number,
                  category=label(ticket.category), status=REPORTER_STATUS_LABELS[ticket.status],
                  day=_day(turn, ticket.created_at)),
        "wrote": t("What you wrote: {description}", description=card.problem(ticket)),
        "given": t("Phone given: {phone} · photos: {photos} · location: {location}",
                   phone=ticket.reporter_phone or "—", photos=len(ticket.photo_file_ids),
                   location=", ".join(f"{x:.5f}" for x in ticket.location) if ticket.location else "—")}
    for i, event in enumerate(e for e in ticket.events if e.actor_account_id == ticket.reporter_account_id):
        if (said := _own_words(event)) is not None:
            lines[f"e{i}"] = said
    return Msg("\n".join(f"{{{name}}}" for name in lines), lines)


def _own_words(event: TicketEvent) -> Msg | None:
    if event.kind == EventKind.RATED:
        return t("Your rating: {stars} of 5", stars=event.data.get("stars", "?"))
    words = event.data.get("text") or event.data.get("reason")
    if event.kind in OWN_WORDS and words:
        return Msg(OWN_WORDS[event.kind].key, {"text": words})
    return None


def _complaint(turn: Turn, complaint: Complaint) -> Msg:
    about = turn.uow.directory.cadre(complaint.cadre_id)
    finding = _finding(complaint) if complaint.finding is not None else t("not looked into yet")
    return t("{day} about {name}: {text}\nFinding: {finding}", day=_day(turn, complaint.at) if complaint.at else "",
             name=about.name if about else "", text=complaint.text or card.ERASED_PROBLEM, finding=finding)


def _finding(complaint: Complaint) -> Msg:
    assert complaint.finding is not None
    reason = f" {complaint.finding_reason}" if complaint.finding_reason else ""
    return t("{finding}{reason}", finding=FINDING_LABELS[complaint.finding], reason=reason)


def _day(turn: Turn, moment: datetime) -> str:
    return moment.astimezone(turn.rules.time_zone).strftime("%Y-%m-%d")


# --- erasure: asked, told what it does, confirmed (or not) ------------------------------

@router.press(Choice, ASK_ERASURE)
def _ask(turn: Turn, choice: Choice) -> None:
    if choice.value != "erase":
        raise payloads.PayloadError(f"no {choice.value!r} in /mydata")
    will = privacy.consequences(turn, turn.account.id)
    turn.state.interrupt(Dialog.MYDATA, ERASE_STEP, {})
    _ask_to_confirm(turn, will)


def _ask_to_confirm(turn: Turn, will: privacy.Consequences) -> None:
    turn.say(t("Erase your personal data? Your name, phone, location, photos and everything you typed (descriptions, "
               "answers, comments, complaints) will be erased; your {tickets} tickets stay in the office's records "
               "without them. {withdrawn} still open will be withdrawn: nobody can work on them without your words "
               "and phone. {awaiting} awaiting your confirmation will close by themselves. This cannot be undone.",
               tickets=will.tickets, withdrawn=will.withdrawn, awaiting=will.awaiting),
             ((Button(t("Yes, erase my data"), payloads.choice(ERASE_STEP, YES)),
               Button(t("No, keep it"), payloads.choice(ERASE_STEP, NO))),))


@router.step_press(Dialog.MYDATA, ERASE_STEP, Choice, refusals_in_chat=True)
def _confirmed(turn: Turn, choice: Choice) -> None:
    if choice.value == NO:
        turn.state.resume()
        turn.say(t("Nothing was erased."))
        if turn.state.dialog == report.DIALOG:
            report.ask(turn)
        return
    if choice.value != YES:
        raise payloads.PayloadError(f"no {choice.value!r} at the erasure")
    privacy.erase_reporter(privacy.EraseMyData(turn.account.id), turn)
    turn.reset()
    turn.say(t("Your personal data is erased. The bot no longer knows who you are; send /start to report a problem "
               "as a new user."))


@router.step(Dialog.MYDATA, ERASE_STEP)
def _typed_at_confirmation(turn: Turn) -> None:
    """A message instead of an answer: the question again (the erasure needs a press, not a word)."""
    _ask_to_confirm(turn, privacy.consequences(turn, turn.account.id))
