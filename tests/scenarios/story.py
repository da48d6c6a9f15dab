"""Helpers that let scenario tests read like the story a user lives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sandbox.botapi import LocalBotApi, SimUser
from storage.admin import create_invite, seed_demo
from storage.uow import uow_factory

BOSS, CADRE, STRANGER = 1001, 2001, 3001
OPEN_CARD = "打开办理卡"  # the one button of a notice about a ticket


def invite(database_url: str, cadre_id: int) -> str:
    factory = uow_factory(database_url)
    try:
        with factory() as uow:
            token = create_invite(uow, cadre_id, datetime.now(UTC), timedelta(days=7))
            uow.commit()
    finally:
        factory.dispose()
    return token


async def bound_cadre(botapi: LocalBotApi, database_url: str, name: str, user_id: int = CADRE) -> SimUser:
    """A cadre of the demo subdistrict who has opened their invite link."""
    demo = seed_demo(database_url)
    cadre = botapi.user(user_id, first_name=name, language_code="zh-hans")
    out = await cadre.send(f"/start {invite(database_url, demo.cadres[name])}")
    assert name in out.texts[-1]
    return cadre


def all_texts(botapi: LocalBotApi, chat_id: int) -> str:
    return "\n".join((m.text or m.caption or "") for m in botapi.user(chat_id).messages())


async def report(botapi: LocalBotApi, database_url: str, user_id: int, enterprise: str, category: str,
                 description: str, phone: str) -> str:
    """An enterprise's person reports a problem by credit code, no photos; returns the ticket number."""
    code = seed_demo(database_url).credit_codes[enterprise]
    person = botapi.user(user_id, first_name=f"用户{user_id}", language_code="zh-hans")
    await person.send("/start")
    await person.press("企业")
    await person.send(code)
    await person.press(category)
    await person.send(description)
    await person.press("完成")
    await person.send(phone)
    out = await person.press("确认提交")
    return out.texts[-1].split("工单号 ")[1].split("，")[0]


def card_of(person: SimUser, number: str):
    """The ticket's card in the person's chat: the one message showing the ticket with buttons."""
    [card] = [m for m in person.messages(include_deleted=False) if is_card(m, number) and m.buttons]
    return card


def is_card(message, number: str) -> bool:
    return (message.text or "").startswith(f"工单 {number} · ")


def stale_button(message, label: str) -> str:
    """The callback data of a button `message` carried before an edit took it away."""
    for version in message.edits:
        for row in (version["reply_markup"] or {}).get("inline_keyboard", []):
            for button in row:
                if button["text"] == label:
                    return button["callback_data"]
    raise LookupError(f"{label!r} was never on {message!r}")
