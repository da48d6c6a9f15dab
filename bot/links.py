"""Deep links to the bot, spelled by the shell: the core marks where one goes
(handlers.seam.start_link, or an attachment of kind QR with its `start` parameter) and does
not know the bot's name; the sender, which does, puts Telegram's link there."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from handlers.messages import Msg, plain
from handlers.seam import QR, START_LINK, Attachment, Reply


@dataclass(frozen=True)
class BotLinks:
    """Telegram's deep links to one bot: t.me/<bot>?start=<parameter> opens it with /start <parameter>."""

    username: str

    def start(self, parameter: str) -> str:
        return f"https://t.me/{self.username.lstrip('@')}?start={parameter}"


def has_start_links(reply: Reply) -> bool:
    return _has_link(reply.text) or (reply.attachment is not None and reply.attachment.kind == QR)


def _has_link(value: Any) -> bool:
    return isinstance(value, Msg) and (value.key == START_LINK or any(_has_link(v) for v in value.params.values()))


def spell_start_links(reply: Reply, links: BotLinks) -> Reply:
    """The reply with each start link written out, and a QR attachment given the link it encodes."""
    attachment = reply.attachment
    if attachment is not None and attachment.kind == QR:
        attachment = Attachment(QR, {**attachment.data, "link": links.start(attachment.data["start"])})
    return dataclasses.replace(reply, text=_spelled(reply.text, links), attachment=attachment)


def _spelled(msg: Msg, links: BotLinks) -> Msg:
    if msg.key == START_LINK:
        return plain(links.start(msg.params["start"]))
    return Msg(msg.key, {name: _spelled(value, links) if isinstance(value, Msg) else value
                         for name, value in msg.params.items()})
