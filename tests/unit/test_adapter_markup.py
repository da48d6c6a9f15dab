"""Each adapter turns the neutral keyboards of bot.render into its framework's markup alike."""

from __future__ import annotations

import pytest

from bot.adapters import telegram_aiogram, telegram_ptb
from bot.render import ContactKeyboard, InlineKeyboard, RemoveKeyboard

ADAPTERS = [telegram_ptb, telegram_aiogram]


def as_api(markup: object) -> dict:
    """The markup as the Bot API receives it (both frameworks' objects serialise to that)."""
    if hasattr(markup, "to_dict"):  # PTB
        return markup.to_dict()
    return markup.model_dump(exclude_none=True)  # aiogram (pydantic)


@pytest.mark.parametrize("adapter", ADAPTERS, ids=["ptb", "aiogram"])
def test_inline_buttons_keep_their_rows_labels_and_data(adapter) -> None:
    markup = as_api(adapter.markup(InlineKeyboard(((("接单", "t:accept:7"), ("办结", "t:resolve:7")),
                                                     (("A & <B>", "p:my:1"),)))))
    assert [[(b["text"], b["callback_data"]) for b in row] for row in markup["inline_keyboard"]] == [
        [("接单", "t:accept:7"), ("办结", "t:resolve:7")], [("A & <B>", "p:my:1")]]


@pytest.mark.parametrize("adapter", ADAPTERS, ids=["ptb", "aiogram"])
def test_the_contact_button_is_a_one_time_keyboard_sharing_the_phone(adapter) -> None:
    markup = as_api(adapter.markup(ContactKeyboard("分享我的手机号")))
    assert markup["one_time_keyboard"] and markup["resize_keyboard"]
    [[button]] = markup["keyboard"]
    assert button["text"] == "分享我的手机号" and button["request_contact"]


@pytest.mark.parametrize("adapter", ADAPTERS, ids=["ptb", "aiogram"])
def test_removing_the_keyboard_and_no_keyboard(adapter) -> None:
    assert as_api(adapter.markup(RemoveKeyboard()))["remove_keyboard"] is True
    assert adapter.markup(None) is None
