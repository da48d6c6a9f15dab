"""The report dialog: from /start to a ticket in the right cadre's hands.

kind → (enterprise: credit code or name search | resident: area) → category →
description → photos and location → phone → summary (Confirm / Edit / Cancel).
A valid credit code that is not in the register may still report: the enterprise's
name, then its township (乡镇/街道); the township's duty cadre gets it and can register
the enterprise from the ticket (handlers.register).
A cadre's /new (主动收集, a problem logged on an enterprise's behalf) runs the same
steps from the enterprise on, without the phone: the enterprise's registered
contact is the reporter, and is asked to confirm.
Every step stores what was given in the conversation state, so a restart
resumes at the same question with nothing lost. Bad input gets a reason and
the same question again.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any

from handlers import collect, payloads, services
from handlers.ports import Dialog
from handlers.turn import Turn
from handlers.domain import credit_code
from handlers.domain.categories import label, offered_to
from handlers.domain.model import Enterprise, OrgLevel, OrgUnit, ReporterKind
from handlers.domain.phone import normalize_phone
from handlers.messages import Msg, plain, t
from handlers.payloads import Choice
from handlers.router import Router
from handlers.seam import Button

DIALOG = Dialog.REPORT
MAX_DESCRIPTION = 2000
MAX_PHOTOS = 5
MAX_SEARCH_RESULTS = 8
MAX_NAME_QUERY = 50  # longer than any enterprise's name people would type; never echoed back

router = Router("report")


class Step(StrEnum):
    KIND = "kind"
    ENTERPRISE = "enterprise"
    NEW_NAME = "new_name"  # an enterprise not in the register: its name…
    TOWNSHIP = "township"  # …and its township
    AREA = "area"
    CATEGORY = "category"
    DESCRIPTION = "description"
    ATTACHMENTS = "attachments"
    PHONE = "phone"
    CONFIRM = "confirm"
    EDIT = "edit"


def begin(turn: Turn, kept: dict[str, Any] | None = None) -> None:
    """/start: a new report. `kept`: what the person wrote before starting (a description, photos),
    carried in so that it need not be typed again; its step is then skipped."""
    kept = {key: value for key, value in (kept or {}).items() if value}
    turn.state.dialog, turn.state.step, turn.state.data = DIALOG, Step.KIND, kept
    if "description" in kept:
        turn.say(t("Your text is kept as the problem's description; you can change it before you send."))
    else:
        turn.say(t("Welcome to Lianxin (连心桥). Tell us about a problem and we will get it to the cadre "
                   "responsible."), remove_keyboard=True)  # a share keyboard left by a dialog dropped halfway
    ask(turn)


@router.command("new", t("Log a problem for an enterprise (cadres)"))
def begin_collection(turn: Turn, args: str = "") -> None:
    """/new for cadres: log a problem met on a visit, on the enterprise's behalf."""
    cadre = turn.uow.directory.cadre_by_account(turn.account.id)
    if cadre is None:
        turn.say(t("Only cadres can log a problem on an enterprise's behalf. Send /start to report your own."))
        return
    turn.state.dialog, turn.state.step = DIALOG, Step.ENTERPRISE
    turn.state.data = {"kind": ReporterKind.ENTERPRISE.value, "collected_by": cadre.id}
    turn.say(t("主动收集: log a problem you found on a visit. Its enterprise's contact will be asked to confirm it."))
    ask(turn)


def ask(turn: Turn) -> None:
    """Ask the question of the current step (again)."""
    QUESTIONS[Step(turn.state.step)](turn)


def advance(turn: Turn) -> None:
    """Take the sender's answer to the current step."""
    problem = ANSWERS[Step(turn.state.step)](turn)
    if problem is not None:
        turn.say(problem)
        ask(turn)


# --- moving between steps -------------------------------------------------

def _next_after(step: Step, data: dict) -> Step:
    if data.get("editing") or (step is Step.ATTACHMENTS and data.get("collected_by")):
        return Step.CONFIRM
    if step is Step.KIND:
        return Step.ENTERPRISE if data["kind"] == ReporterKind.ENTERPRISE else Step.AREA
    order = [Step.ENTERPRISE, Step.AREA, Step.CATEGORY, Step.DESCRIPTION, Step.ATTACHMENTS,
             Step.PHONE, Step.CONFIRM]
    if step is Step.NEW_NAME:
        return Step.TOWNSHIP
    if step in (Step.ENTERPRISE, Step.TOWNSHIP):
        return Step.CATEGORY
    return order[order.index(step) + 1]


def _go(turn: Turn, step: Step) -> None:
    following = _next_after(step, turn.state.data)
    if following is Step.DESCRIPTION and turn.state.data.get("description"):  # written before /start
        following = _next_after(following, turn.state.data)
    turn.state.step = following
    ask(turn)


def _pressed(turn: Turn, step: Step) -> str | None:
    """The value of a choice button for this step, or None."""
    pressed = turn.pressed
    return pressed.value if isinstance(pressed, Choice) and pressed.step == step else None


def _buttons(step: Step, options: list[tuple[Msg, str | int]], per_row: int) -> tuple[tuple[Button, ...], ...]:
    buttons = [Button(text, payloads.choice(step, value)) for text, value in options]
    return tuple(tuple(buttons[i:i + per_row]) for i in range(0, len(buttons), per_row))


PRESS_A_BUTTON = t("Please choose one of the buttons below.")


# --- kind -----------------------------------------------------------------

def _ask_kind(turn: Turn) -> None:
    turn.say(t("Are you reporting for an enterprise or as a resident?"), _buttons(Step.KIND, [
        (t("Enterprise"), ReporterKind.ENTERPRISE), (t("Resident"), ReporterKind.RESIDENT)], 2))


def _take_kind(turn: Turn) -> Msg | None:
    return _take_choice(turn, Step.KIND, "kind", {k.value for k in ReporterKind})


def _take_choice(turn: Turn, step: Step, key: str, allowed: set[str]) -> Msg | None:
    """Store a pressed choice under `key` and move on; anything else is asked again."""
    value = _pressed(turn, step)
    if value not in allowed:
        return PRESS_A_BUTTON
    turn.state.data[key] = value
    _go(turn, step)
    return None


# --- enterprise -----------------------------------------------------------

def _ask_enterprise(turn: Turn) -> None:
    if turn.state.data.get("collected_by"):  # a cadre logging for an enterprise: not theirs
        turn.say(t("Which enterprise is it? Send its unified social credit code (18 characters), or part of its name."))
        return
    bound = _bound_enterprise(turn)  # asked here, not at /start: a plain /start costs no look-up more
    shortcut = _buttons(Step.ENTERPRISE, [(t("For {name}", name=bound.name), bound.id)], 1) if bound else ()
    turn.say(t("Send your enterprise's unified social credit code (18 characters), or part of its name."), shortcut)


def _bound_enterprise(turn: Turn) -> Enterprise | None:
    """The enterprise this chat was bound to by its 连心卡, if any: one press instead of its credit code."""
    profile = turn.uow.reporter_profiles.get(turn.account.id)
    if profile is None or profile.bound_at is None or profile.enterprise_id is None:
        return None
    return turn.uow.directory.enterprise(profile.enterprise_id)


def _take_enterprise(turn: Turn) -> Msg | None:
    if (value := _pressed(turn, Step.ENTERPRISE)) == UNREGISTERED:
        return _report_unregistered(turn)
    if value is not None:
        return _choose_enterprise(turn, payloads.as_id(value))
    text = (turn.incoming.text or "").strip()
    if not text or turn.incoming.command:
        return t("Please type the credit code or part of the name.")
    if credit_code.looks_like_code(text):
        return _enterprise_by_code(turn, credit_code.normalize(text))
    return _enterprise_by_name(turn, text)


def _enterprise_by_code(turn: Turn, code: str) -> Msg | None:
    problem = credit_code.problem_with(code)
    if problem is credit_code.CodeProblem.SHAPE:
        return t("A credit code is 18 digits and capital letters (without I, O, Z, S, V). Please check it.")
    if problem is credit_code.CodeProblem.CHECK:
        return t("The last character of {code} does not match: the code has a typo. Please check it.", code=code)
    enterprise = turn.uow.directory.enterprise_by_code(code)
    if enterprise is None:
        return _not_in_register(turn, code)
    return _choose_enterprise(turn, enterprise.id)


def _enterprise_by_name(turn: Turn, text: str) -> Msg | None:
    if len(text) < 2:
        return t("Please type at least two characters of the name.")
    if len(text) > MAX_NAME_QUERY:
        return t("That is too long for a name search. Type part of the name (at most {limit} characters) or the "
                 "18-character credit code.", limit=MAX_NAME_QUERY)
    found = turn.uow.directory.search_enterprises(text, MAX_SEARCH_RESULTS)
    if not found:
        return t("No registered enterprise matches “{query}”. Try another part of the name or the credit code.",
                 query=text)
    question = t("Which of these is it?") if turn.state.data.get("collected_by") else t("Which one is yours?")
    turn.say(question, _buttons(Step.ENTERPRISE, [(plain(e.name), e.id) for e in found], 1))
    return None


def _choose_enterprise(turn: Turn, enterprise_id: int) -> Msg | None:
    enterprise = turn.uow.directory.enterprise(enterprise_id)
    if enterprise is None:
        return t("That enterprise is no longer registered. Please search again.")
    if turn.state.data.get("collected_by"):
        contact = turn.uow.reporter_profiles.contact_of(enterprise.id)
        if contact is None:
            return t("{name} has no contact in the bot yet, so nobody could confirm the problem. Ask them to send "
                     "/start and report once; or choose another enterprise.", name=enterprise.name)
        turn.state.data["phone"] = contact.phone
    turn.state.data.update(enterprise_id=enterprise.id, enterprise_name=enterprise.name)
    _go(turn, Step.ENTERPRISE)
    return None


# --- an enterprise not in the register ---------------------------------------

UNREGISTERED = "unregistered"  # the choice: report with a valid code the register does not know
MAX_ENTERPRISE_NAME = 100


def _not_in_register(turn: Turn, code: str) -> Msg | None:
    """A valid code the register lacks: an owner may report anyway; a cadre logging a problem
    (主动收集) cannot, as nobody would be there to confirm it."""
    if turn.state.data.get("collected_by"):
        return t("No registered enterprise has the code {code}. Its owner can report it with /start, and the "
                 "township registers it from that ticket. Type another code or part of the name, or /cancel.",
                 code=code)
    turn.state.data["unregistered_code"] = code
    turn.say(t("No registered enterprise has the code {code}. If the code is right, you can still report: the "
               "township gets your report and can register your enterprise. Or type another code or part of "
               "the name.", code=code), _buttons(Step.ENTERPRISE, [(t("Report with this code"), UNREGISTERED)], 1))
    return None


def _report_unregistered(turn: Turn) -> Msg | None:
    if not turn.state.data.get("unregistered_code") or turn.state.data.get("collected_by"):
        return PRESS_A_BUTTON
    turn.state.step = Step.NEW_NAME
    ask(turn)
    return None


def _ask_new_name(turn: Turn) -> None:
    turn.say(t("What is your enterprise's full name, as on its business licence?"))


def _take_new_name(turn: Turn) -> Msg | None:
    name = (turn.incoming.text or "").strip()
    if not 2 <= len(name) <= MAX_ENTERPRISE_NAME or turn.incoming.photo_file_ids:
        return t("Please type the enterprise's full name: 2 to {limit} characters.", limit=MAX_ENTERPRISE_NAME)
    turn.state.data["enterprise_name"] = name
    townships = _townships(turn)
    if len(townships) > 1:
        _go(turn, Step.NEW_NAME)
    else:  # one township (or none in the tree): nothing to choose
        _set_township(turn, townships[0] if townships else None)
    return None


def _townships(turn: Turn) -> list[OrgUnit]:
    """Every township (乡镇/街道) in the tree, top-down; nothing below a township is read."""
    directory, found = turn.uow.directory, []
    level = directory.roots()
    while level:
        found += [u for u in level if u.level is OrgLevel.TOWNSHIP]
        level = [child for u in level if u.level not in (OrgLevel.TOWNSHIP, OrgLevel.DEPARTMENT)
                 for child in directory.children(u.id)]
    return found


def _ask_township(turn: Turn) -> None:
    turn.say(t("Which township (乡镇/街道) is your enterprise in?"),
             _buttons(Step.TOWNSHIP, [(plain(u.name), u.id) for u in _townships(turn)], 2))


def _take_township(turn: Turn) -> Msg | None:
    value = _pressed(turn, Step.TOWNSHIP)
    unit = turn.uow.directory.org_unit(payloads.as_id(value)) if value is not None else None
    if unit is None or unit.level is not OrgLevel.TOWNSHIP:
        return PRESS_A_BUTTON
    _set_township(turn, unit)
    return None


def _set_township(turn: Turn, township: OrgUnit | None) -> None:
    data = turn.state.data
    data["new_enterprise"] = {"name": data["enterprise_name"], "credit_code": data["unregistered_code"],
                              "township_id": township.id if township else None}
    data["township_name"] = township.name if township else ""
    _go(turn, Step.TOWNSHIP)


# --- area (residents) -----------------------------------------------------

def _ask_area(turn: Turn) -> None:
    directory = turn.uow.directory
    parent = turn.state.data.get("area_parent_id")
    units = _places(directory.children(parent) if parent else directory.roots())
    while len(units) == 1 and directory.children(units[0].id):  # skip levels with one choice
        units = _places(directory.children(units[0].id))
    grids = all(u.level is OrgLevel.GRID for u in units)
    question = t("Which grid do you live in?") if grids else t("Where are you? Choose your village or community, "
                                                              "then your grid.")
    turn.say(question, _buttons(Step.AREA, [(plain(u.name), u.id) for u in units], 2))


def _places(units: list[OrgUnit]) -> list[OrgUnit]:
    """Where people live: departments are units of the tree, but nobody lives in one."""
    return [u for u in units if u.level is not OrgLevel.DEPARTMENT]


def _take_area(turn: Turn) -> Msg | None:
    value = _pressed(turn, Step.AREA)
    unit = turn.uow.directory.org_unit(payloads.as_id(value)) if value is not None else None
    if unit is None or unit.level is OrgLevel.DEPARTMENT:
        return PRESS_A_BUTTON
    if turn.uow.directory.children(unit.id):
        turn.state.data["area_parent_id"] = unit.id
        ask(turn)
        return None
    turn.state.data.update(area_id=unit.id, area_name=unit.name)
    _go(turn, Step.AREA)
    return None


# --- category -------------------------------------------------------------

def _ask_category(turn: Turn) -> None:
    turn.say(t("What kind of problem is it?"),
             _buttons(Step.CATEGORY, [(label(c), c.value) for c in offered_to(turn.state.data["kind"])], 2))


def _take_category(turn: Turn) -> Msg | None:
    return _take_choice(turn, Step.CATEGORY, "category", {c.value for c in offered_to(turn.state.data["kind"])})


# --- description ----------------------------------------------------------

def _ask_description(turn: Turn) -> None:
    turn.say(t("Describe the problem in your own words: what happened, where, since when."))


def _take_description(turn: Turn) -> Msg | None:
    if turn.incoming.photo_file_ids or turn.incoming.has_other_media or turn.incoming.location:
        return t("Please describe the problem in words first; you can add photos in the next step.")
    text = (turn.incoming.text or "").strip()
    if not text:
        return t("The description is empty.")
    if len(text) > MAX_DESCRIPTION:
        return t("The description has {length} characters; at most {limit} fit. Please shorten it.",
                 length=len(text), limit=MAX_DESCRIPTION)
    turn.state.data["description"] = text
    _go(turn, Step.DESCRIPTION)
    return None


# --- photos and location --------------------------------------------------

DONE = "done"


def _ask_attachments(turn: Turn) -> None:
    turn.say(t("You can send photos (up to {limit}) and your location. Press Done when finished.", limit=MAX_PHOTOS),
             _buttons(Step.ATTACHMENTS, [(t("Done"), DONE)], 1))


def _take_attachments(turn: Turn) -> Msg | None:
    data, incoming = turn.state.data, turn.incoming
    if _pressed(turn, Step.ATTACHMENTS) == DONE:
        _go(turn, Step.ATTACHMENTS)
        return None
    if incoming.photo_file_ids:
        photos = data.setdefault("photos", [])
        room = MAX_PHOTOS - len(photos)
        photos.extend(incoming.photo_file_ids[:room])
        if room < len(incoming.photo_file_ids):
            return t("At most {limit} photos fit; the extra ones were left out.", limit=MAX_PHOTOS)
        turn.say(t("Got it: {count} photo(s). Send more, your location, or press Done.", count=len(photos)),
                 _buttons(Step.ATTACHMENTS, [(t("Done"), DONE)], 1))
        return None
    if incoming.location:
        data["location"] = list(incoming.location)
        turn.say(t("Location received. Send photos, or press Done."),
                 _buttons(Step.ATTACHMENTS, [(t("Done"), DONE)], 1))
        return None
    return t("Send a photo or your location here, or press Done to go on.")


# --- phone ----------------------------------------------------------------

SHARE_PHONE = t("Share my phone number")


def _ask_phone(turn: Turn) -> None:
    turn.say(t("Your phone number, so the cadre can reach you: tap the button below to share it, or type it."),
             ask_contact=SHARE_PHONE)


def _take_phone(turn: Turn) -> Msg | None:
    incoming = turn.incoming
    if incoming.contact_phone is not None:
        # Only the share button's own contact carries the sender's user id; a contact picked from
        # the address book has another's id, or none at all.
        if incoming.contact_user_id != incoming.user_id:
            return t("Please share your own phone number, not someone else's contact.")
        phone = normalize_phone(incoming.contact_phone)
    elif not any(c.isdigit() for c in incoming.text or ""):
        # No digit at all: the button's text typed in (in whatever language), or words instead of a number.
        return t("To share your number, press the button “{label}” below: typing its text does not share it. "
                 "Or type your phone number, e.g. 13812345678.", label=SHARE_PHONE)
    else:
        phone = normalize_phone(incoming.text or "")
    if phone is None:
        return t("That is not a valid phone number. A mobile number has 11 digits, e.g. 13812345678.")
    turn.state.data["phone"] = phone  # the share keyboard goes with the dialog's last message, not a "谢谢。" of its own
    _go(turn, Step.PHONE)
    return None


# --- summary, edit, submit ------------------------------------------------

CONFIRM, EDIT, CANCEL = "confirm", "edit", "cancel"


def _ask_confirm(turn: Turn) -> None:
    turn.state.data.pop("editing", None)
    turn.say(summary(turn.state.data), _buttons(Step.CONFIRM, [
        (t("Confirm"), CONFIRM), (t("Edit"), EDIT), (t("Cancel"), CANCEL)], 3))


def summary(data: dict) -> Msg:
    if new := data.get("new_enterprise"):  # not in the register: all the owner said of it
        who = plain(" · ".join(part for part in (new["name"], new["credit_code"], data.get("township_name")) if part))
    elif data.get("enterprise_id"):
        who = plain(data["enterprise_name"])
    else:  # a resident speaks for their household, not for the grid
        who = t("resident, {area}", area=data.get("area_name", ""))
    return t("Please check your report:\nFrom: {who}\nKind: {category}\nProblem: {description}\n"
             "Photos: {photos}\nLocation: {location}\nPhone: {phone}",
             who=who, category=label(data["category"]), description=data["description"],
             photos=len(data.get("photos", [])), location=t("yes") if data.get("location") else t("no"),
             phone=data["phone"])


def _take_confirm(turn: Turn) -> Msg | None:
    value = _pressed(turn, Step.CONFIRM)
    if value == CANCEL:
        cancel(turn)
    elif value == EDIT:
        turn.state.step = Step.EDIT
        ask(turn)
    elif value == CONFIRM:
        _submit(turn)
    else:
        return PRESS_A_BUTTON
    return None


EDITABLE = (Step.CATEGORY, Step.DESCRIPTION, Step.ATTACHMENTS, Step.PHONE)
EDIT_LABELS = {Step.CATEGORY: t("Kind"), Step.DESCRIPTION: t("Problem"),
               Step.ATTACHMENTS: t("Photos and location"), Step.PHONE: t("Phone")}


def _editable(data: dict) -> tuple[Step, ...]:
    return EDITABLE[:-1] if data.get("collected_by") else EDITABLE  # the contact's phone is not the cadre's to edit


def _ask_edit(turn: Turn) -> None:
    turn.say(t("What do you want to change?"),
             _buttons(Step.EDIT, [(EDIT_LABELS[s], s.value) for s in _editable(turn.state.data)], 2))


def _take_edit(turn: Turn) -> Msg | None:
    value = _pressed(turn, Step.EDIT)
    if value not in {s.value for s in _editable(turn.state.data)}:
        return PRESS_A_BUTTON
    turn.state.data["editing"] = True
    turn.state.step = value
    ask(turn)
    return None


def _submit(turn: Turn) -> None:
    if turn.state.data.get("collected_by"):
        _submit_collected(turn)
        return
    ticket, owner = services.open_ticket(services.Report.from_dialog(turn.account.id, turn.state.data), turn)
    turn.reset()
    turn.say(t("Your report is ticket {number}. It is handled by {name} ({role}); you will be told of every step.",
               number=ticket.number, name=owner.name, role=services.role_label(owner)), remove_keyboard=True)


def _submit_collected(turn: Turn) -> None:
    ticket, enterprise = collect.collect_ticket(collect.Collect.from_dialog(turn.account.id, turn.state.data), turn)
    turn.reset()
    turn.say(t("Logged as ticket {number}; it is yours (首问负责). {enterprise}'s contact is asked to confirm it.",
               number=ticket.number, enterprise=enterprise.name), services.owner_buttons(ticket))


@router.command("cancel", t("Cancel what you are doing"))
def cancel(turn: Turn, args: str = "") -> None:
    turn.reset()
    if turn.uow.directory.cadre_by_account(turn.account.id) is not None:  # a cadre's way on is their tickets
        turn.say(t("Cancelled. /my lists the tickets you handle."), remove_keyboard=True)
        return
    turn.say(t("Cancelled; nothing was submitted. Send /start to report a problem."), remove_keyboard=True)


QUESTIONS: dict[Step, Callable[[Turn], None]] = {
    Step.KIND: _ask_kind, Step.ENTERPRISE: _ask_enterprise, Step.AREA: _ask_area,
    Step.NEW_NAME: _ask_new_name, Step.TOWNSHIP: _ask_township,
    Step.CATEGORY: _ask_category, Step.DESCRIPTION: _ask_description, Step.ATTACHMENTS: _ask_attachments,
    Step.PHONE: _ask_phone, Step.CONFIRM: _ask_confirm, Step.EDIT: _ask_edit,
}
ANSWERS: dict[Step, Callable[[Turn], Msg | None]] = {
    Step.KIND: _take_kind, Step.ENTERPRISE: _take_enterprise, Step.AREA: _take_area,
    Step.NEW_NAME: _take_new_name, Step.TOWNSHIP: _take_township,
    Step.CATEGORY: _take_category, Step.DESCRIPTION: _take_description, Step.ATTACHMENTS: _take_attachments,
    Step.PHONE: _take_phone, Step.CONFIRM: _take_confirm, Step.EDIT: _take_edit,
}


# Every step takes a message (text, photos, location, a shared contact) and, for the steps that
# offer buttons, a press of one of them; a refusal is said in the chat, where the question is.
router.step(DIALOG, *Step)(advance)
for _step in Step:
    router.step_press(DIALOG, _step, Choice, refusals_in_chat=True)(lambda turn, choice: advance(turn))
