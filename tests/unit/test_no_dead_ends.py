"""Issue 13, "no dead ends": every question a person can get stuck on has a way on, and nothing
they typed is lost. Each test is named after a dead end found by walking the demo."""

from __future__ import annotations

import pytest

from handlers.domain.credit_code import check_character
from handlers.domain.model import Cadre, CadreRole, OrgLevel, OrgUnit
from handlers.seam import Incoming
from tests.unit.chat import CODE, OWNER_CHAT, REPORTER_CHAT, STRANGER_CHAT, Chat, Core, buttons, demo_store, keys
from tests.unit.test_cadre_dialogs import Desk, mine

UNREGISTERED = "91410184MA9Y8X7W6" + check_character("91410184MA9Y8X7W6")
SEND_START = "Send /start to report a problem."
PHONE_QUESTION = "Your phone number, so the cadre can reach you: tap the button below to share it, or type it."
LINK_QUESTION = ("Which ticket has the same problem as {number}? Type its number, e.g. LX-2026-000123. "
                 "/cancel to drop it.")
SUPERVISOR_CHAT, DUTY_CHAT = "800", "700"


@pytest.fixture
def store():
    s = demo_store()
    s.units[4] = OrgUnit(4, "城关街道", OrgLevel.TOWNSHIP, None, duty_cadre_id=4)
    s.cadres[4] = Cadre(4, "孙主任", CadreRole.TOWNSHIP_LEADER, 4, "13800000004")
    s.cadres[5] = Cadre(5, "钱监督", CadreRole.SUPERVISOR, 1, "13800000005")
    s.invites |= {"invite-sun": 4, "invite-qian": 5}
    return s


@pytest.fixture
def core(store):
    return Core(store)


@pytest.fixture
def desk() -> Desk:
    return Desk(demo_store())


def state(store, chat: Chat) -> tuple[str, str]:
    s = store.conversations[("telegram", chat.chat_id)]
    return s.dialog, s.step


def labels(reply) -> list[str]:
    return [label for row in buttons(reply) for label in row]


def start_as(chat: Chat, kind: str):
    r = chat.says("/start")
    return chat.presses(kind, r)


def at_the_phone(chat: Chat):
    start_as(chat, "Enterprise")
    r = chat.says(CODE)
    r = chat.presses("Water, power, gas, heat", r)
    chat.says("停电三天了")
    return chat.presses("Done")


# --- 1. a valid credit code not in the register ---------------------------------------------

def report_unregistered(boss: Chat):
    start_as(boss, "Enterprise")
    r = boss.says(UNREGISTERED)
    assert keys(r)[0].startswith("No registered enterprise has the code {code}.")
    r = boss.presses("Report with this code", r)
    assert keys(r) == ["What is your enterprise's full name, as on its business licence?"]
    r = boss.says("新郑市恒信新材料有限公司")
    assert keys(r) == ["Which township (乡镇/街道) is your enterprise in?"]
    assert labels(r[-1]) == ["新村镇", "城关街道"]
    r = boss.presses("新村镇", r)
    r = boss.presses("Safety hazard", r)
    boss.says("仓库屋顶漏雨，电线受潮")
    boss.presses("Done")
    r = boss.says("13812345678")
    assert "新郑市恒信新材料有限公司" in str(r[-1].text.params["who"].params)
    return boss.presses("Confirm", r)


def test_a_valid_code_not_in_the_register_can_still_report_to_the_townships_duty_cadre(core, store):
    """Regression: a valid code of an unregistered enterprise looped for ever on 'try the name instead'."""
    duty = Chat(core, DUTY_CHAT)
    duty.says("/start invite-zhao")
    boss = Chat(core, REPORTER_CHAT)
    r = report_unregistered(boss)
    ticket = store.tickets[1]
    assert ticket.owner_cadre_id == 3 and ticket.enterprise_id is None and ticket.org_unit_id == 1
    submitted = ticket.events[0]
    assert submitted.kind == "submitted"
    assert submitted.data["unregistered_enterprise"] == {
        "name": "新郑市恒信新材料有限公司", "credit_code": UNREGISTERED, "township_id": 1}
    card = mine(duty, r)[0]
    assert card.text.params["where"].params["where"].params["text"] == f"新郑市恒信新材料有限公司 · {UNREGISTERED}"
    assert ["Register enterprise"] in buttons(card)


def test_the_duty_cadre_registers_the_enterprise_from_the_ticket_and_only_they_may(core, store):
    duty = Chat(core, DUTY_CHAT)
    duty.says("/start invite-zhao")
    boss = Chat(core, REPORTER_CHAT)
    report_unregistered(boss)
    Chat(core, OWNER_CHAT).says("/start invite-li")
    forged = Chat(core, OWNER_CHAT).forges("t:register:1")  # another cadre
    assert keys(forged) == ["Only the cadre handling this ticket can do that."] and forged[0].as_alert
    assert len(store.enterprises) == 2
    r = duty.presses("Register enterprise")
    assert keys(mine(duty, r)) == ["{name} ({code}) is now in the enterprise register, in {unit}; "
                                   "ticket {number} is linked to it."]
    enterprise = store.enterprises[3]
    assert (enterprise.name, enterprise.credit_code, enterprise.grid_id) == ("新郑市恒信新材料有限公司", UNREGISTERED, 1)
    assert store.tickets[1].enterprise_id == 3
    assert store.tickets[1].events[-1].kind == "enterprise_registered"
    told = mine(boss, r)
    assert keys(told) == ["{name} is now registered. Next time, send its credit code and your report goes "
                          "straight to the cadre responsible."]
    assert store.profiles[2].enterprise_id == 3  # the owner is its contact now
    assert "Register enterprise" not in labels(mine(duty, r)[0])
    again = duty.forges("t:register:1")
    assert keys(again) == ["This button is out of date."]
    # next time the code finds it
    start_as(boss, "Enterprise")
    assert keys(boss.says(UNREGISTERED)) == ["What kind of problem is it?"]


def test_a_cadre_collecting_for_an_unregistered_code_is_told_the_way_on(core, store):
    cadre = Chat(core, OWNER_CHAT)
    cadre.says("/start invite-li")
    cadre.says("/new")
    r = cadre.says(UNREGISTERED)
    assert keys(r)[0].startswith("No registered enterprise has the code {code}. Its owner can report it")
    assert not r[0].buttons and state(store, cadre) == ("report", "enterprise")


# --- 2. classes that fit the reporter, and 其他 for everyone -------------------------------------

def test_residents_get_only_classes_for_residents_and_everyone_gets_other(core, store):
    resident = Chat(core, REPORTER_CHAT)
    r = start_as(resident, "Resident")
    r = resident.presses("新村镇", r)
    r = resident.presses("一网格", r)
    offered = labels(r[-1])
    assert "Financing" not in offered and "Land use" not in offered and "Rent" not in offered
    assert "Other" in offered and "Safety hazard" in offered
    assert keys(resident.forges("c:category:financing")) == ["Please choose one of the buttons below.",
                                                           "What kind of problem is it?"]
    r = resident.presses("Other", r)
    assert keys(r) == ["Describe the problem in your own words: what happened, where, since when."]
    boss = Chat(core, STRANGER_CHAT)
    start_as(boss, "Enterprise")
    offered = labels(boss.says(CODE)[-1])
    assert {"Financing", "Land use", "Rent", "Other"} <= set(offered) and len(offered) == 13


# --- 3. a typo in a cadre's text step -------------------------------------------------------------

def test_a_typo_in_the_same_problem_step_asks_again_instead_of_ending_the_dialog(desk):
    """Regression: '1' at the 同一问题 step ended the dialog; the next message got 'send /start'."""
    desk.owner.presses("Same problem as…")
    r = desk.owner.says("1")
    assert keys(r) == ["That is not a ticket number. Type it as written on the ticket, e.g. LX-2026-000123.",
                       LINK_QUESTION]
    assert desk.state(desk.owner) == ("cadre", "link")
    r = desk.owner.says("LX-2026-000009")
    assert keys(r) == ["There is no other ticket numbered {number}.", LINK_QUESTION]
    r = desk.owner.says("LX-2026-000001")  # itself
    assert keys(r)[1] == LINK_QUESTION and desk.state(desk.owner) == ("cadre", "link")


def test_a_cadre_typing_outside_any_dialog_is_told_what_they_can_do(desk):
    r = desk.owner.says("上级处理")
    assert keys(r) == ["Nothing is waiting for your text just now. /my lists the tickets you handle; "
                       "/help says what you can do."]


# --- 4. a reporter writing to their open ticket -------------------------------------------------

def test_a_reporter_writing_after_the_report_can_add_it_to_their_open_ticket(desk):
    """Regression: '今天又停电了' after the report got 'send /start'; the text was lost."""
    r = desk.boss.says("今天又停电了，冷库温度在升")
    assert keys(r) == ["Is this about a problem you reported? Add it to the open ticket, or start a new report "
                       "with it."]
    assert labels(r[0]) == ["Add to {number}", "New report with this text"]
    r = desk.boss.presses("Add to {number}", r)
    assert keys(mine(desk.boss, r)) == ["Added to ticket {number}; its handler has been told."]
    told = [x for x in mine(desk.owner, r) if x.text.key.startswith("The reporter of")]
    assert [x.text.key for x in told] == ["The reporter of {number} ({title}) adds: {text}"]
    assert told[0].text.params["text"] == "今天又停电了，冷库温度在升" and buttons(told[0]) == [["Open card"]]
    event = desk.ticket.events[-1]
    assert (event.kind, event.data["text"]) == ("reporter_added", "今天又停电了，冷库温度在升")
    assert desk.state(desk.boss) == ("idle", "")


def test_with_two_open_tickets_the_reporter_chooses_and_a_second_message_is_kept_too(desk):
    r = desk.boss.says("/start")
    r = desk.boss.presses("Enterprise", r)
    r = desk.boss.says(CODE)
    r = desk.boss.presses("Rent", r)
    desk.boss.says("房租太高")
    desk.boss.presses("Done")
    r = desk.boss.says("13812345678")
    desk.boss.presses("Confirm", r)
    desk.boss.says("还是停电")
    r = desk.boss.sends_photo("meter.jpg")
    assert [b.payload for row in r[0].buttons for b in row] == ["c:addendum:2", "c:addendum:1", "c:addendum:new"]
    r = desk.boss.forges("c:addendum:1")  # the older ticket's button
    event = desk.ticket.events[-1]
    assert event.data == {"text": "还是停电", "photos": ["meter.jpg"]}
    assert mine(desk.owner, r)[0].photo_file_ids == ("meter.jpg",)


def test_a_new_report_from_what_was_written_keeps_it_as_the_description(core, store):
    boss = Chat(core, REPORTER_CHAT)
    r = boss.says("门口的路灯坏了一个月")
    assert keys(r) == ["Send /start to report a problem, or press the button to report what you just wrote."]
    r = boss.presses("New report with this text", r)
    assert keys(r)[0] == "Your text is kept as the problem's description; you can change it before you send."
    r = boss.presses("Resident", r)
    r = boss.presses("新村镇", r)
    r = boss.presses("一网格", r)
    r = boss.presses("Safety hazard", r)
    assert keys(r)[0].startswith("You can send photos")  # the description is there already
    boss.presses("Done")
    r = boss.says("13812345678")
    assert r[-1].text.params["description"] == "门口的路灯坏了一个月"


def test_adding_to_a_ticket_closed_meanwhile_says_so_and_keeps_the_text(desk):
    r = desk.boss.says("又停电了")
    desk.store.tickets[1].status = "withdrawn"
    r = desk.boss.presses("Add to {number}", r)
    assert keys(r) == ["Ticket {number} is no longer open. Start a new report with your text instead."]
    assert desk.state(desk.boss) == ("addendum", "addendum")
    r = desk.boss.presses("New report with this text")
    assert keys(r)[0] == "Your text is kept as the problem's description; you can change it before you send."


# --- 5. /help, and a cadre's /cancel ------------------------------------------------------------

def test_help_says_what_each_person_can_do(core, store):
    reporter = Chat(core, REPORTER_CHAT)
    assert len(reporter.says("/help")) == 1
    parts = lambda r: list(r[0].text.params)  # noqa: E731
    cadre, leader, supervisor = Chat(core, OWNER_CHAT), Chat(core, DUTY_CHAT), Chat(core, SUPERVISOR_CHAT)
    cadre.says("/start invite-li")
    leader.says("/start invite-zhao")
    supervisor.says("/start invite-qian")
    assert parts(reporter.says("/help")) == ["reporter", "privacy"]
    assert parts(cadre.says("/help")) == ["cadre", "reporter", "privacy"]
    assert parts(leader.says("/help")) == ["cadre", "leader", "reporter", "privacy"]
    assert parts(supervisor.says("/help")) == ["cadre", "leader", "supervisor", "reporter", "privacy"]
    assert ("help" in [name for name, _ in core.lianxin.commands()]
            and "help" in [name for name, _ in core.lianxin.group_commands()])


def test_help_in_a_group_answers_known_cadres_only(core, store):
    Chat(core, DUTY_CHAT).says("/start invite-zhao")

    def group_help(user: str):
        return core.handle(Incoming("telegram", "-100", user, f"g{user}", text="/help", command="help",
                                    chat_kind="group", chat_title="新村镇领导群"))

    assert keys(group_help(DUTY_CHAT)) == ["In this group:\n/digest this group's unit: last week's figures "
                                           "(/digest month for last month)\n/bind 新村镇 follow a unit's digests "
                                           "here (admins)\n/unbind stop them (admins)"]
    assert group_help(STRANGER_CHAT) == []


def test_a_cadres_cancel_points_to_their_tickets_not_to_reporting(desk):
    desk.owner.presses("Escalate")
    assert keys(desk.owner.says("/cancel")) == ["Cancelled. /my lists the tickets you handle."]
    assert keys(desk.boss.says("/cancel")) == ["Cancelled; nothing was submitted. Send /start to report a problem."]


def test_an_unknown_command_points_to_help(core):
    assert keys(Chat(core, REPORTER_CHAT).says("/foo")) == ["Unknown command. Send /help to see what you can do."]


# --- 6. typing the share button's label -----------------------------------------------------------

@pytest.mark.parametrize("typed", ["Share my phone number", "分享我的手机号", "分享手机号"])
def test_typing_the_share_buttons_text_asks_to_press_it(core, store, typed):
    boss = Chat(core, REPORTER_CHAT)
    at_the_phone(boss)
    r = boss.says(typed)
    assert keys(r) == ["To share your number, press the button “{label}” below: typing its text does not share "
                       "it. Or type your phone number, e.g. 13812345678.", PHONE_QUESTION]
    assert r[-1].ask_contact is not None and state(store, boss) == ("report", "phone")


# --- 7. someone else's contact; a huge search -----------------------------------------------------

@pytest.mark.parametrize("user_id", [None, "4242"])
def test_a_contact_that_is_not_the_senders_own_is_refused(core, store, user_id):
    """Regression: a contact without a Telegram user id was taken as the reporter's own phone."""
    boss = Chat(core, REPORTER_CHAT)
    at_the_phone(boss)
    r = boss._send(contact_phone="+8613900000000", contact_user_id=user_id)
    assert keys(r) == ["Please share your own phone number, not someone else's contact.", PHONE_QUESTION]
    assert "phone" not in store.conversations[("telegram", REPORTER_CHAT)].data


@pytest.mark.parametrize("query", ["<" * 4096, "润" * 12000, "新" * 51])
def test_a_huge_name_search_is_refused_without_echoing_it(core, store, query):
    """Regression: 4,096 '<' came back as 6 messages, 12,000 characters as 11."""
    boss = Chat(core, REPORTER_CHAT)
    start_as(boss, "Enterprise")
    r = boss.says(query)
    assert keys(r)[0] == ("That is too long for a name search. Type part of the name (at most {limit} characters) "
                          "or the 18-character credit code.")
    assert r[0].text.params == {"limit": 50}
    assert all(query[:51] not in str(reply.text.params) for reply in r)


def test_a_huge_cadre_search_is_refused_without_echoing_it(desk):
    desk.owner.presses("Transfer")
    r = desk.owner.says("王" * 1999)
    assert keys(r) == ["That is too long for a search. Type part of a name or unit (at most {limit} characters)."]
    assert desk.state(desk.owner) == ("cadre", "transfer")
    r = desk.boss.says("/complain")
    r = desk.boss.says("<" * 1999)
    assert keys(r) == ["That is too long for a search. Type part of a name or unit (at most {limit} characters)."]

