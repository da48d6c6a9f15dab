"""Files the core asks for with an `Attachment`, made when the reply is sent."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.i18n import Translator
from handlers.messages import Msg, t
from handlers.rules import Rules
from handlers.seam import CHART, IMPORT_TEMPLATE, LEDGER, QR, Attachment

if TYPE_CHECKING:
    from storage.files import FileStore

MAX_DOCUMENT_BYTES = 50 * 1024 * 1024  # what a bot may upload to Telegram


@dataclass(frozen=True)
class MadeFile:
    filename: str
    data: bytes
    as_photo: bool  # a picture to show, not a file to download


class FileUnavailable(Exception):
    """The file cannot be made or sent; `notice` (if any) tells the reader why, instead."""

    def __init__(self, detail: str, notice: Msg | None = None) -> None:
        super().__init__(detail)
        self.notice = notice


class FileMaker:
    """Attachment kind -> the function that makes it. The ledger needs the database: it is
    there when `database_url` and `rules` are given (the bot), not for charts alone. Photos
    people sent are read back from `stored` (relays).

    `await made(...)` is what a sender calls: a chart is drawn on a worker thread, a ledger is
    written in a child process, one ledger at a time (bot/ledger_process.py), so that neither
    the event loop nor its threads wait for it and other messages go out meanwhile."""

    def __init__(self, translator: Translator, database_url: str | None = None, rules: Rules | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC), stored: FileStore | None = None) -> None:
        self.translator, self.database_url, self.rules, self.clock = translator, database_url, rules, clock
        self.stored = stored
        self.makers: dict[str, Callable[[Attachment, str], MadeFile]] = {CHART: self._chart, QR: self._qr,
                                                                         IMPORT_TEMPLATE: self._template}
        self._ledger_turn: asyncio.Semaphore | None = None  # the bot keeps the other core

    async def made(self, attachment: Attachment, locale: str) -> MadeFile:
        """The attachment's file, made off the event loop."""
        if attachment.kind == LEDGER:
            return await self._ledger(attachment, locale)
        return await asyncio.to_thread(self.make, attachment, locale)

    def make(self, attachment: Attachment, locale: str) -> MadeFile:
        """A file that is quick to make (a chart), here and now."""
        try:
            maker = self.makers[attachment.kind]
        except KeyError:
            raise ValueError(f"no maker for attachments of kind {attachment.kind!r}") from None
        return maker(attachment, locale)

    def stored_photo(self, reference: str) -> MadeFile:
        """A photo someone sent the bot, read back from its store to be uploaded."""
        data = self.stored.read(reference) if self.stored is not None else None
        if data is None:
            raise FileUnavailable(f"no stored file {reference!r}")
        return MadeFile("photo.jpg", data, as_photo=True)

    def _template(self, attachment: Attachment, locale: str) -> MadeFile:
        from bot.sheets import TEMPLATE_NAME, template_bytes

        return MadeFile(TEMPLATE_NAME, template_bytes(), as_photo=False)

    def _chart(self, attachment: Attachment, locale: str) -> MadeFile:
        from bot import charts  # matplotlib only when a digest draws: not at every start (0.5 s and more)

        try:
            png = charts.digest_chart(attachment.data, lambda msg: self.translator.render(msg, locale))
        except charts.NoCjkFont as missing:  # the figures go out without their picture
            raise FileUnavailable(str(missing)) from missing
        return MadeFile("digest.png", png, as_photo=True)

    def _qr(self, attachment: Attachment, locale: str) -> MadeFile:
        """A QR code of the link the sender spelled (bot/links.py), the label under it."""
        from bot import cards

        try:
            png = cards.qr_png(attachment.data["link"], attachment.data.get("label", ""))
        except cards.NoCjkFont as missing:  # the link in the text still works
            raise FileUnavailable(str(missing)) from missing
        return MadeFile("qr.png", png, as_photo=True)

    async def _ledger(self, attachment: Attachment, locale: str) -> MadeFile:
        from bot.ledger import ledger_filename
        from bot.ledger_process import write_aside

        if self.database_url is None or self.rules is None:
            raise ValueError("ledgers need the database: FileMaker(database_url=…, rules=…)")
        if self._ledger_turn is None:
            self._ledger_turn = asyncio.Semaphore(1)
        now = self.clock()
        async with self._ledger_turn:
            with tempfile.TemporaryDirectory(prefix="lianxin-ledger-") as folder:
                path = Path(folder) / "ledger.xlsx"
                summary = await write_aside(self.database_url, attachment.data["unit_id"], now, self.rules,
                                            self.translator, locale, path)
                size = path.stat().st_size
                if size > MAX_DOCUMENT_BYTES:
                    raise FileUnavailable(f"ledger of {summary.rows} problems is {size} bytes", t(
                        "The ledger has {rows} problems: too large to send in chat. Ask your office for "
                        "lianxin ledger export.", rows=summary.rows))
                data = await asyncio.to_thread(path.read_bytes)
        day = now.astimezone(self.rules.time_zone).date()
        return MadeFile(ledger_filename(self.translator, locale, attachment.data["unit"], day), data, as_photo=False)
