"""A file sent to the bot (issue 16): only an admin's spreadsheet is read; anyone else, a file that is
no spreadsheet and one too big for the bot each get one clear sentence; a file sent in the middle of
a report is still the report's business."""

from __future__ import annotations


from handlers.domain.model import Role
from handlers.imports.chat import MAX_IMPORT_BYTES, NOT_ADMIN
from handlers.seam import Document
from tests.unit.chat import REPORTER_CHAT, Chat, Core, demo_store, keys

ADMIN_CHAT = "700"


def admin_and_core() -> tuple[Chat, Core]:
    store = demo_store()
    store.grant(3, Role.ADMIN)  # 赵主任, the township's admin
    core = Core(store)
    admin = Chat(core, ADMIN_CHAT)
    admin.says("/start invite-zhao")
    return admin, core


def sends(chat: Chat, name: str, size: int = 10_000):
    return chat._send(document=Document("file-1", name, size), has_other_media=True)


def test_a_spreadsheet_too_big_for_the_bot_is_refused_with_the_limit() -> None:
    admin, _ = admin_and_core()
    [reply] = sends(admin, "全区企业.xlsx", size=MAX_IMPORT_BYTES + 1)
    assert reply.text.key.startswith("{name} is {size} MB; the bot reads spreadsheets of up to {limit} MB.")
    assert (reply.text.params["size"], reply.text.params["limit"]) == ("20.0", 20)


def test_a_file_that_is_no_spreadsheet_is_named_as_such() -> None:
    admin, _ = admin_and_core()
    [reply] = sends(admin, "说明.pdf")
    assert reply.text.key == "{name} is not a spreadsheet: send an .xlsx or .csv file (/import sends the template)."


def test_a_spreadsheet_from_someone_who_is_not_an_admin_is_refused() -> None:
    _, core = admin_and_core()
    reporter = Chat(core, REPORTER_CHAT)
    assert keys(sends(reporter, "企业.xlsx")) == [NOT_ADMIN.key]
    assert keys(sends(reporter, "企业.csv", size=MAX_IMPORT_BYTES * 3)) == [NOT_ADMIN.key], "who first, then what"


def test_a_file_sent_during_a_report_stays_the_reports_business() -> None:
    _, core = admin_and_core()
    reporter = Chat(core, REPORTER_CHAT)
    reporter.says("/start")
    reporter.presses("Enterprise")
    asked = keys(reporter.received())[-1]
    replies = sends(reporter, "营业执照.pdf")
    assert NOT_ADMIN.key not in keys(replies) and keys(replies)[-1] == asked, "the report's question again"
