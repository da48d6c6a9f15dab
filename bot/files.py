"""Files the core asks for with an `Attachment`, made when the reply is sent."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot import charts
from bot.i18n import Translator
from handlers.seam import CHART, Attachment


@dataclass(frozen=True)
class MadeFile:
    filename: str
    data: bytes
    as_photo: bool  # a picture to show, not a file to download


class FileMaker:
    """Attachment kind -> the function that makes it (more kinds are registered by bootstrap)."""

    def __init__(self, translator: Translator) -> None:
        self.translator = translator
        self.makers: dict[str, Callable[[Attachment, str], MadeFile]] = {CHART: self._chart}

    def make(self, attachment: Attachment, locale: str) -> MadeFile:
        try:
            maker = self.makers[attachment.kind]
        except KeyError:
            raise ValueError(f"no maker for attachments of kind {attachment.kind!r}") from None
        return maker(attachment, locale)

    def _chart(self, attachment: Attachment, locale: str) -> MadeFile:
        png = charts.digest_chart(attachment.data, lambda msg: self.translator.render(msg, locale))
        return MadeFile("digest.png", png, as_photo=True)
