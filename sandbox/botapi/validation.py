"""Telegram's limits on what a bot may send, with Telegram's error descriptions.

The point of the sandbox is that a bot which passes here does not fail on
Telegram, so everything here errs on the strict side.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .errors import (BUTTON_DATA_INVALID, CAPTION_TOO_LONG, TEXT_EMPTY, TEXT_TOO_LONG, BotApiError,
                     bad_request)
from .htmlparse import EmptyTextError, EntityParseError, parse_html
from .markdown import parse_markdown_v2, parse_markdown_legacy

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_BUTTONS = 100
MAX_CALLBACK_ANSWER = 200
INLINE_ACTIONS = ("url", "callback_data", "web_app", "login_url", "switch_inline_query",
                  "switch_inline_query_current_chat", "switch_inline_query_chosen_chat",
                  "copy_text", "callback_game", "pay")


@dataclass
class FormattedText:
    """What the recipient sees (plain text + entities) and what the bot sent (raw)."""

    text: str
    entities: list[dict]
    raw: str
    parse_mode: str | None


def format_text(raw: str | None, parse_mode: str | None, entities: Any, *,
                strict_ampersand: bool, caption: bool = False) -> FormattedText | None:
    """Parse text or a caption like Telegram; None for an absent/blank caption."""
    limit, too_long = (MAX_CAPTION, CAPTION_TOO_LONG) if caption else (MAX_TEXT, TEXT_TOO_LONG)
    if raw is None or not raw.strip():
        if caption:
            return None
        raise bad_request(TEXT_EMPTY)
    mode = _normalise_parse_mode(parse_mode)
    try:
        plain, parsed = _parse(raw, mode, strict_ampersand)
    except EmptyTextError:
        if caption:
            return None
        raise bad_request(TEXT_EMPTY) from None
    except EntityParseError as error:
        raise bad_request(f"can't parse entities: {error}") from None
    if mode is None and entities:
        parsed = _explicit_entities(entities, plain)
    if len(plain) > limit:
        raise bad_request(too_long)
    return FormattedText(plain, parsed, raw, mode)


def _normalise_parse_mode(parse_mode: str | None) -> str | None:
    if not parse_mode:
        return None
    mode = {"html": "HTML", "markdownv2": "MarkdownV2", "markdown": "Markdown"}.get(parse_mode.lower())
    if mode is None:
        raise bad_request("unsupported parse_mode")
    return mode


def _parse(raw: str, mode: str | None, strict_ampersand: bool) -> tuple[str, list[dict]]:
    if mode == "HTML":
        return parse_html(raw, strict_ampersand=strict_ampersand)
    if mode == "MarkdownV2":
        return parse_markdown_v2(raw)
    if mode == "Markdown":
        return parse_markdown_legacy(raw)
    stripped = raw.strip()
    if not stripped:
        raise EmptyTextError("text is empty")
    return stripped, []


def _explicit_entities(entities: Any, text: str) -> list[dict]:
    """entities=[…] sent instead of parse_mode: check shape, keep as given."""
    if isinstance(entities, str):
        try:
            entities = json.loads(entities)
        except ValueError:
            raise bad_request("can't parse entities JSON object") from None
    if not isinstance(entities, list) or not all(isinstance(e, dict) for e in entities):
        raise bad_request("can't parse entities JSON object")
    for entity in entities:
        if not isinstance(entity.get("type"), str) or not isinstance(entity.get("offset"), int) \
                or not isinstance(entity.get("length"), int):
            raise bad_request("can't parse MessageEntity: Field \"type\", \"offset\" and \"length\" must be specified")
    return entities


def parse_reply_markup(value: Any, *, inline_only: bool = False) -> dict | None:
    """Validate reply_markup (object or JSON text); returns the normalised object or None."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise bad_request("can't parse reply keyboard markup JSON object") from None
    if not isinstance(value, dict):
        raise bad_request("object expected as reply markup")
    if "inline_keyboard" in value:
        return {"inline_keyboard": _inline_keyboard(value["inline_keyboard"])}
    if inline_only:
        raise bad_request("inline keyboard expected")
    if "keyboard" in value:
        return _reply_keyboard(value)
    if value.get("remove_keyboard") is True:
        return {"remove_keyboard": True, **_flags(value, ("selective",))}
    if value.get("force_reply") is True:
        return {"force_reply": True, **_flags(value, ("selective", "input_field_placeholder"))}
    raise bad_request("can't parse reply keyboard markup JSON object")


def _rows(value: Any, field_name: str, owner: str) -> list[list[Any]]:
    if not isinstance(value, list) or not all(isinstance(row, list) for row in value):
        raise bad_request(f'field "{field_name}" of the {owner} should be an Array of Arrays')
    if sum(len(row) for row in value) > MAX_BUTTONS:
        raise bad_request("reply markup is too long")
    return value


def _inline_keyboard(value: Any) -> list[list[dict]]:
    rows = _rows(value, "inline_keyboard", "InlineKeyboardMarkup")
    return [[_inline_button(button) for button in row] for row in rows if row]


def _inline_button(button: Any) -> dict:
    if not isinstance(button, dict):
        raise bad_request("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
    if not isinstance(button.get("text"), str):
        raise bad_request("can't parse inline keyboard button: Field \"text\" must be of type String")
    if not button["text"].strip():
        raise bad_request("BUTTON_TEXT_INVALID")  # a button without a visible label
    actions = [name for name in INLINE_ACTIONS if button.get(name) not in (None, "")]
    if "callback_data" in button and button["callback_data"] in ("", None):
        raise bad_request(BUTTON_DATA_INVALID)
    if not actions:
        raise bad_request("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
    if len(actions) > 1:
        raise bad_request("can't parse inline keyboard button: only one of the optional fields must be used")
    if "callback_data" in actions:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
            raise bad_request(BUTTON_DATA_INVALID)
    if "url" in actions and not _valid_button_url(button["url"]):
        raise bad_request("BUTTON_URL_INVALID")
    return button


def _valid_button_url(url: Any) -> bool:
    return isinstance(url, str) and url.split("://", 1)[0].lower() in ("http", "https", "tg") and "://" in url


def _reply_keyboard(value: dict) -> dict:
    rows = _rows(value["keyboard"], "keyboard", "ReplyKeyboardMarkup")
    keyboard = []
    for row in rows:
        buttons = []
        for button in row:
            if isinstance(button, str):
                button = {"text": button}
            if not isinstance(button, dict) or not isinstance(button.get("text"), str) or not button["text"]:
                raise bad_request("can't parse keyboard button: Field \"text\" must be of type String")
            buttons.append(button)
        if buttons:
            keyboard.append(buttons)
    if not keyboard:
        raise bad_request("keyboard must be non-empty")
    flags = ("is_persistent", "resize_keyboard", "one_time_keyboard", "input_field_placeholder", "selective")
    return {"keyboard": keyboard, **_flags(value, flags)}


def _flags(value: dict, names: tuple[str, ...]) -> dict:
    return {name: value[name] for name in names if name in value}


def check_callback_answer(text: str | None) -> None:
    if text is not None and len(text) > MAX_CALLBACK_ANSWER:
        raise bad_request("MESSAGE_TOO_LONG")


def require(condition: bool, error: BotApiError) -> None:
    """Raise `error` unless `condition` holds (keeps method bodies flat)."""
    if not condition:
        raise error
