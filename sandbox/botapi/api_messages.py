"""Bot API methods that send, edit and delete messages, answer buttons, and fetch files."""

from __future__ import annotations

import time
from typing import Any

from .errors import (DELETE_NOT_FOUND, EDIT_NOT_FOUND, NOT_MODIFIED, QUERY_INVALID, WRONG_FILE_ID,
                     bad_request)
from .fetchurl import fetch_url
from .media import MAX_DOCUMENT_UPLOAD, MAX_DOWNLOAD, MAX_PHOTO_UPLOAD, FileRecord, looks_like_image
from .params import Params, Upload
from .registry import CallContext, method
from .state import Chat, Message
from .validation import (FormattedText, check_callback_answer, format_text, parse_reply_markup,
                         require)


def _target_chat(ctx: CallContext, p: Params) -> Chat:
    return ctx.bot.writable_chat(p.chat_id())


def _text(ctx: CallContext, p: Params, *, caption: bool = False) -> FormattedText | None:
    name = "caption" if caption else "text"
    return format_text(p.str(name), p.str("parse_mode"), p.raw(f"{name}_entities" if caption else "entities"),
                       strict_ampersand=ctx.server.strict_ampersand, caption=caption)


def _reply_to(chat: Chat, p: Params) -> Message | None:
    params = p.json("reply_parameters") or {}
    message_id = params.get("message_id") if isinstance(params, dict) and params else p.int("reply_to_message_id")
    if message_id is None:
        return None
    allow = params.get("allow_sending_without_reply") if params else p.bool("allow_sending_without_reply")
    target = chat.find(int(message_id))
    if target is None and not allow:
        raise bad_request("message to be replied not found")
    return target


def _post(ctx: CallContext, chat: Chat, p: Params, **content: Any) -> dict:
    """Validate the common parts (markup, reply), apply flood limits, store, return the Message."""
    markup = parse_reply_markup(p.raw("reply_markup"))
    reply_to = _reply_to(chat, p)
    ctx.server.rate_limiter.check(ctx.bot.token, chat.id, chat.type)
    inline = markup if markup and markup.get("inline_keyboard") else None
    other = markup if markup and "inline_keyboard" not in markup else None
    message = chat.add(ctx.bot.account, reply_to=reply_to, reply_markup=inline, keyboard_markup=other, **content)
    if other and "keyboard" in other:
        chat.keyboard = other
    elif other and "remove_keyboard" in other:
        chat.keyboard = None
    return message.to_api()


def _text_fields(fmt: FormattedText | None, *, caption: bool) -> dict:
    if fmt is None:
        return {}
    if caption:
        return {"caption": fmt.text, "caption_entities": fmt.entities, "html": fmt.raw, "parse_mode": fmt.parse_mode}
    return {"text": fmt.text, "entities": fmt.entities, "html": fmt.raw, "parse_mode": fmt.parse_mode}


@method("sendMessage")
async def send_message(ctx: CallContext, p: Params) -> dict:
    chat = _target_chat(ctx, p)
    fmt = _text(ctx, p)
    return _post(ctx, chat, p, **_text_fields(fmt, caption=False))


async def _input_file(ctx: CallContext, p: Params, name: str) -> tuple[Upload | None, FileRecord | None]:
    """The file parameter: an upload (direct or attach://), an existing file_id, or a URL."""
    value = p.raw(name)
    if isinstance(value, str) and value.startswith("attach://"):
        value = p.raw(value[len("attach://"):])
        require(isinstance(value, Upload), bad_request(f"there is no {name} in the request"))
    if isinstance(value, Upload):
        require(len(value.data) > 0, bad_request("file must be non-empty"))
        return value, None
    if not isinstance(value, str) or not value.strip():
        raise bad_request(f"there is no {name} in the request")
    if value.startswith(("http://", "https://")):
        data, content_type = await fetch_url(value)
        return Upload(data, value.rsplit("/", 1)[-1] or None, content_type), None
    record = ctx.bot.files.get(value.strip())
    require(record is not None, bad_request(WRONG_FILE_ID))
    return None, record


@method("sendPhoto")
async def send_photo(ctx: CallContext, p: Params) -> dict:
    chat = _target_chat(ctx, p)
    upload, record = await _input_file(ctx, p, "photo")
    fmt = _text(ctx, p, caption=True)
    if record is not None:
        require(record.kind == "photo", bad_request("can't use file of type Document as Photo"))
        sizes = record.sizes or [record]
    else:
        assert upload is not None
        require(len(upload.data) <= MAX_PHOTO_UPLOAD, bad_request("file is too big"))
        require(looks_like_image(upload.data), bad_request("IMAGE_PROCESS_FAILED"))
        sizes = ctx.bot.files.add_photo(upload.data)
    return _post(ctx, chat, p, photo_files=list(sizes), **_text_fields(fmt, caption=True))


@method("sendDocument")
async def send_document(ctx: CallContext, p: Params) -> dict:
    chat = _target_chat(ctx, p)
    upload, record = await _input_file(ctx, p, "document")
    fmt = _text(ctx, p, caption=True)
    if record is not None:
        require(record.kind == "document", bad_request("can't use file of type Photo as Document"))
    else:
        assert upload is not None
        require(len(upload.data) <= MAX_DOCUMENT_UPLOAD, bad_request("file is too big"))
        record = ctx.bot.files.add_document(upload.data, upload.filename, upload.content_type)
    return _post(ctx, chat, p, document_file=record, **_text_fields(fmt, caption=True))


@method("sendLocation")
async def send_location(ctx: CallContext, p: Params) -> dict:
    chat = _target_chat(ctx, p)
    latitude = p.float("latitude", required="latitude is empty")
    longitude = p.float("longitude", required="longitude is empty")
    require(-90 <= latitude <= 90 and -180 <= longitude <= 180, bad_request("BAD_LOCATION"))
    location: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
    for key in ("horizontal_accuracy", "live_period", "heading", "proximity_alert_radius"):
        if key in p:
            location[key] = p.float(key)
    return _post(ctx, chat, p, location=location)


@method("sendContact")
async def send_contact(ctx: CallContext, p: Params) -> dict:
    chat = _target_chat(ctx, p)
    contact = {"phone_number": p.str("phone_number", required="phone number is empty"),
               "first_name": p.str("first_name", required="first name is empty")}
    for key in ("last_name", "vcard"):
        if key in p:
            contact[key] = p.str(key)
    return _post(ctx, chat, p, contact=contact)


def _message_to_edit(ctx: CallContext, p: Params) -> Message:
    if "inline_message_id" in p:
        raise bad_request("MESSAGE_ID_INVALID")  # inline mode is not simulated
    chat = ctx.bot.chat(p.chat_id())
    message = chat.find(p.int("message_id", required="message identifier is not specified"))
    require(message is not None, bad_request(EDIT_NOT_FOUND))
    assert message is not None
    require(message.from_bot, bad_request("message can't be edited"))
    return message


def _inline_markup(p: Params) -> dict | None:
    """An edit's reply_markup; leaving it out removes the keyboard, as on Telegram."""
    markup = parse_reply_markup(p.raw("reply_markup"), inline_only=True)
    return markup if markup and markup.get("inline_keyboard") else None


def _apply_edit(ctx: CallContext, message: Message, changes: dict) -> dict:
    current = {key: getattr(message, key) for key in changes if key not in ("html", "parse_mode")}
    proposed = {key: value for key, value in changes.items() if key not in ("html", "parse_mode")}
    require(current != proposed, bad_request(NOT_MODIFIED))
    ctx.server.rate_limiter.check(ctx.bot.token, message.chat.id, message.chat.type)
    message.edits.append(message.snapshot())
    for key, value in changes.items():
        setattr(message, key, value)
    message.edit_date = int(time.time())
    message.chat.touched()
    return message.to_api()


@method("editMessageText")
async def edit_message_text(ctx: CallContext, p: Params) -> dict:
    message = _message_to_edit(ctx, p)
    fmt = _text(ctx, p)
    require(message.text is not None, bad_request("there is no text in the message to edit"))
    return _apply_edit(ctx, message, {**_text_fields(fmt, caption=False), "reply_markup": _inline_markup(p)})


@method("editMessageCaption")
async def edit_message_caption(ctx: CallContext, p: Params) -> dict:
    message = _message_to_edit(ctx, p)
    fmt = _text(ctx, p, caption=True)
    require(message.text is None, bad_request("there is no caption in the message to edit"))
    fields = _text_fields(fmt, caption=True) or {"caption": None, "caption_entities": [], "html": None}
    return _apply_edit(ctx, message, {**fields, "reply_markup": _inline_markup(p)})


@method("editMessageReplyMarkup")
async def edit_message_reply_markup(ctx: CallContext, p: Params) -> dict:
    message = _message_to_edit(ctx, p)
    return _apply_edit(ctx, message, {"reply_markup": _inline_markup(p)})


@method("deleteMessage")
async def delete_message(ctx: CallContext, p: Params) -> bool:
    chat = ctx.bot.chat(p.chat_id())
    message = chat.find(p.int("message_id", required="message identifier is not specified"))
    require(message is not None, bad_request(DELETE_NOT_FOUND))
    assert message is not None
    # In groups a bot that is not an admin may delete only its own messages.
    require(chat.type == "private" or message.from_bot, bad_request("message can't be deleted"))
    message.deleted = True
    chat.touched()
    return True


@method("deleteMessages")
async def delete_messages(ctx: CallContext, p: Params) -> bool:
    chat = ctx.bot.chat(p.chat_id())
    ids = p.json("message_ids")
    require(isinstance(ids, list) and 1 <= len(ids) <= 100, bad_request("message_ids must be non-empty"))
    for message_id in ids:
        message = chat.find(int(message_id))
        if message is not None and (chat.type == "private" or message.from_bot):
            message.deleted = True
    chat.touched()
    return True


@method("answerCallbackQuery")
async def answer_callback_query(ctx: CallContext, p: Params) -> bool:
    record = ctx.bot.callbacks.get(p.str("callback_query_id") or "")
    require(record is not None and not record.answered, bad_request(QUERY_INVALID))
    assert record is not None
    text = p.str("text")
    check_callback_answer(text)
    record.answered, record.text, record.show_alert, record.url = True, text, p.bool("show_alert"), p.str("url")
    return True


@method("getFile")
async def get_file(ctx: CallContext, p: Params) -> dict:
    record = ctx.bot.files.get(p.str("file_id", required="file_id not specified") or "")
    require(record is not None, bad_request("invalid file_id"))
    assert record is not None
    require(len(record.data) <= MAX_DOWNLOAD, bad_request("file is too big"))
    return record.file_object()
