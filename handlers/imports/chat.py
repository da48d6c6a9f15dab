"""An admin sends the office's spreadsheet to the bot in a private chat; /import sends the template.

The shell fetches a spreadsheet's bytes before the turn (only one named .xlsx/.csv, not over
`MAX_IMPORT_BYTES`) and reads them into sheets when the core asks (`Turn.sheets`); the core checks
who sent it, reads the rows and answers with every bad row, or with what was added and changed. An
admin imports only into their own part of the tree (handlers.authority).
"""

from __future__ import annotations

from handlers.authority import admin_of, administers
from handlers.messages import t
from handlers.ports import Dialog
from handlers.router import Router
from handlers.seam import IMPORT_TEMPLATE, Attachment, Document
from handlers.turn import Turn

SPREADSHEET_SUFFIXES = (".xlsx", ".csv")
MAX_IMPORT_BYTES = 20 * 1024 * 1024  # what a bot may download through the Bot API
CHAT_PROBLEM_LIMIT = 100  # bad rows listed in a chat; the command line lists them all

NOT_ADMIN = t("Only an admin can import the office's spreadsheets (org units, cadres, enterprises, 包联). "
              "This file was not read.")

router = Router("imports")


def is_spreadsheet(file_name: str) -> bool:
    return file_name.lower().endswith(SPREADSHEET_SUFFIXES)


def fetch_first(document: Document) -> bool:
    """Whether the shell should fetch this document's bytes before the turn (the core reads no other)."""
    return is_spreadsheet(document.file_name) and 0 <= document.size <= MAX_IMPORT_BYTES


@router.command("import")
def _template(turn: Turn, args: str) -> None:
    """/import: the template to fill in (one sheet per kind, an example row or two)."""
    if admin_of(turn.uow.directory, turn.account.id) is None:
        turn.say(NOT_ADMIN)
        return
    turn.say(t("The import template: one sheet each for org units, cadres, enterprises and 包联. Fill it in and send "
               "it back here as .xlsx (or one .csv per sheet); nothing is written unless every row is right."),
             attachment=Attachment(IMPORT_TEMPLATE, {}))


def _wants(turn: Turn) -> bool:
    """A spreadsheet wherever the chat is; any other file only outside a dialog (a dialog says
    itself what it makes of a file)."""
    document = turn.incoming.document
    return document is not None and (is_spreadsheet(document.file_name) or turn.state.dialog == Dialog.IDLE)


@router.document(_wants)
def _receive(turn: Turn) -> None:
    document = turn.incoming.document
    assert document is not None
    admin = admin_of(turn.uow.directory, turn.account.id)
    if admin is None:
        turn.say(NOT_ADMIN)
        return
    if not is_spreadsheet(document.file_name):
        turn.say(t("{name} is not a spreadsheet: send an .xlsx or .csv file (/import sends the template).",
                   name=document.file_name))
        return
    if document.size > MAX_IMPORT_BYTES:
        turn.say(t("{name} is {size} MB; the bot reads spreadsheets of up to {limit} MB. Split it into several "
                   "files, or import it on the server with lianxin import.", name=document.file_name,
                   size=f"{document.size / 1024 / 1024:.1f}", limit=MAX_IMPORT_BYTES // 1024 // 1024))
        return
    # Loaded by the first import, not at every start (docs/performance.md, start-up).
    from handlers.imports.report import report
    from handlers.imports.rows import UnreadableSheet
    from handlers.imports.use import import_sheets

    try:
        if turn.sheets is None:
            raise UnreadableSheet("this bot reads no files")
        outcome = import_sheets(turn.sheets.take(document), turn, by=turn.account.id,
                                scope=lambda unit_id: administers(turn.uow.directory, admin, unit_id))
    except UnreadableSheet:
        turn.say(t("{name} could not be read as a spreadsheet. Save it as .xlsx (or .csv, UTF-8) and send it "
                   "again.", name=document.file_name))
        return
    turn.say(report(outcome, limit=CHAT_PROBLEM_LIMIT))
