"""A relayed photo goes to Telegram as the bytes the bot stored; a Telegram file id on a
ticket from before the bot stored photos is still sent as it is."""

from __future__ import annotations

from bot.files import FileMaker, MadeFile
from bot.i18n import Translator
from bot.telegram_out import TelegramSender
from handlers.messages import plain
from handlers.seam import Address, Reply

PHOTO = b"\x89PNG\r\n\x1a\n" + b"pixels"


class Store:
    def read(self, reference: str) -> bytes | None:
        return PHOTO if reference == "stored:1" else None


class Calls:
    """BotCalls that note the photos sent."""

    def __init__(self) -> None:
        self.photos: list[str | bytes] = []

    async def send_text(self, chat_id, text, keyboard) -> None:
        pass

    async def send_photo(self, chat_id, photo, caption=None) -> None:
        self.photos.append(photo.data if isinstance(photo, MadeFile) else photo)

    def failure(self, error, calls_made):
        return None


async def test_a_stored_photo_is_uploaded_and_an_old_telegram_file_id_sent_as_it_is() -> None:
    calls, translator = Calls(), Translator()
    sender = TelegramSender(calls, translator, FileMaker(translator, stored=Store()))  # type: ignore[arg-type]
    reply = Reply(Address("telegram", "1001"), "zh_CN", plain("照片"),
                  photo_file_ids=("stored:1", "AgACAgIAAxkBAAIBY2VhZ", "stored:2"))
    made = await sender.send(reply)
    assert calls.photos == [PHOTO, "AgACAgIAAxkBAAIBY2VhZ"], "a stored photo that is gone is left out"
    assert made.calls == 4, "the text and three photo calls: a retry resumes after the ones made"
