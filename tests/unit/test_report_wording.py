"""The report dialog in the words an office would use: no stray "谢谢。", a resident is not a grid,
a cadre logging for an enterprise is not asked for "your" enterprise."""

from __future__ import annotations

from bot.i18n import Translator
from tests.unit.chat import CODE, OWNER_CHAT, REPORTER_CHAT, Chat, Core, demo_store, keys

translator = Translator()


def zh(reply) -> str:
    return translator.render(reply.text, reply.locale)


def at_phone(boss: Chat):
    r = boss.says("/start")
    r = boss.presses("Enterprise", r)
    r = boss.says(CODE)
    r = boss.presses("Labour & hiring", r)
    r = boss.says("工人返岗难，缺 30 人")
    return boss.presses("Done", r)


def test_the_phone_is_answered_by_the_summary_itself_and_the_keyboard_leaves_with_the_last_message():
    core = Core(demo_store())
    Chat(core, OWNER_CHAT).says("/start invite-li")
    boss = Chat(core, REPORTER_CHAT)
    at_phone(boss)
    r = boss._send(contact_phone="+8613912345678", contact_user_id=REPORTER_CHAT)
    assert keys(r) == ["Please check your report:\nFrom: {who}\nKind: {category}\nProblem: {description}\n"
                       "Photos: {photos}\nLocation: {location}\nPhone: {phone}"], "no separate 谢谢。 first"
    r = boss.presses("Confirm", r)
    done = [x for x in r if x.to.chat_id == REPORTER_CHAT]
    assert done[-1].text.key.startswith("Your report is ticket") and done[-1].remove_keyboard


def test_a_residents_summary_names_them_a_resident_of_their_grid():
    core = Core(demo_store())
    resident = Chat(core, REPORTER_CHAT)
    r = resident.says("/start")
    r = resident.presses("Resident", r)
    r = resident.presses("一网格", r)
    r = resident.presses("Safety hazard", r)
    r = resident.says("路边大树太高，快倒了")
    r = resident.presses("Done", r)
    r = resident.says("13912345678")
    assert "反映主体：居民（一网格）" in zh(r[-1])


def test_a_cadre_logging_for_an_enterprise_is_asked_which_enterprise_not_theirs():
    core = Core(demo_store())
    cadre = Chat(core, OWNER_CHAT)
    cadre.says("/start invite-li")
    r = cadre.says("/new")
    assert "您的企业" not in zh(r[-1]) and "哪家企业" in zh(r[-1])
    r = cadre.says("润弘")
    assert zh(r[-1]) == "请选择企业："


def test_a_resident_offered_grids_is_asked_for_their_grid_not_their_village_again():
    core = Core(demo_store())
    resident = Chat(core, REPORTER_CHAT)
    r = resident.says("/start")
    r = resident.presses("Resident", r)  # one township, one village: the grids straight away
    assert zh(r[-1]) == "请选择您所在的网格："
