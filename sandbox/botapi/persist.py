"""The simulated world kept in a file, so a restarted server remembers it as Telegram would.

Telegram does not forget a chat when a bot restarts: the bot can still message everyone
who wrote to it, message ids go on from where they were, and update ids keep rising. A
sandbox that forgot would answer "chat not found" to every notice owed to someone who
has not written since, and a client watching a chat would see old message ids again.

What is kept: people, each bot's chats (who started or blocked it, the reply keyboard
shown, every message with its edits), its files (bytes included), command menus and the
next update id. What is not: updates not yet fetched, callback queries (an old press
cannot be answered on Telegram either), the call log.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .media import FileRecord, FileStore
from .state import BotState, Chat, Message, UserAccount

if TYPE_CHECKING:
    from .server import LocalBotApi

VERSION = 1
ACCOUNT_FIELDS = ("id", "first_name", "last_name", "username", "language_code", "is_bot")
MESSAGE_FIELDS = ("message_id", "date", "text", "entities", "caption", "caption_entities", "html", "parse_mode",
                  "location", "contact", "reply_markup", "keyboard_markup", "edit_date", "edits", "deleted")
FILE_FIELDS = ("file_id", "file_unique_id", "file_path", "kind", "file_name", "mime_type", "width", "height")


def save(server: LocalBotApi, path: Path) -> None:
    """Write the world to `path` at once (a new file renamed over the old: never half written)."""
    world = {"version": VERSION, "users": [_account(user) for user in server.users.values()],
             "bots": [_bot(bot) for bot in server.bots.values()]}
    scratch = path.with_name(path.name + ".new")
    scratch.write_text(json.dumps(world, ensure_ascii=False), encoding="utf-8")
    os.replace(scratch, path)


def load(server: LocalBotApi, path: Path) -> bool:
    """Bring back what `save` wrote, into bots registered under the same token (others are added).
    False when there is no file yet."""
    if not path.exists():
        return False
    world = json.loads(path.read_text(encoding="utf-8"))
    if world.get("version") != VERSION:
        raise ValueError(f"{path}: sandbox state version {world.get('version')!r}, expected {VERSION}")
    for saved in world["users"]:
        server.users[saved["id"]] = UserAccount(**saved)
    for saved in world["bots"]:
        account = saved["account"]
        bot = server.bots.get(saved["token"]) or server.add_bot(saved["token"], account["username"],
                                                                account["first_name"])
        _restore_bot(server, bot, saved)
    return True


# -- writing ----------------------------------------------------------------------

def _account(account: UserAccount) -> dict[str, Any]:
    return {name: getattr(account, name) for name in ACCOUNT_FIELDS}


def _bot(bot: BotState) -> dict[str, Any]:
    return {"token": bot.token, "account": _account(bot.account), "next_update_id": bot.queue.next_update_id,
            "commands": bot.commands, "settings": bot.settings, "files": _files(bot.files),
            "chats": [_chat(chat) for chat in bot.chats.values()]}


def _files(files: FileStore) -> dict[str, Any]:
    records = [{**{name: getattr(record, name) for name in FILE_FIELDS},
                "data": base64.b64encode(record.data).decode("ascii"),
                "sizes": [size.file_id for size in record.sizes]} for record in files.by_id.values()]
    return {"counter": files._counter, "records": records}  # noqa: SLF001 - the store's own numbering


def _chat(chat: Chat) -> dict[str, Any]:
    return {"id": chat.id, "type": chat.type, "title": chat.title, "user": chat.user.id if chat.user else None,
            "started": chat.started, "blocked": chat.blocked, "keyboard": chat.keyboard,
            "next_message_id": chat.next_message_id, "messages": [_message(m) for m in chat.messages]}


def _message(message: Message) -> dict[str, Any]:
    return {**{name: getattr(message, name) for name in MESSAGE_FIELDS}, "sender": message.sender.id,
            "photo_files": [record.file_id for record in message.photo_files],
            "document_file": message.document_file.file_id if message.document_file else None,
            "reply_to": message.reply_to.message_id if message.reply_to else None}


# -- reading ----------------------------------------------------------------------

def _restore_bot(server: LocalBotApi, bot: BotState, saved: dict[str, Any]) -> None:
    bot.queue.next_update_id = max(bot.queue.next_update_id, saved["next_update_id"])
    bot.commands, bot.settings = saved["commands"], saved["settings"]
    _restore_files(bot.files, saved["files"])
    for chat_data in saved["chats"]:
        user = server.users.get(chat_data["user"]) if chat_data["user"] is not None else None
        chat = Chat(id=chat_data["id"], type=chat_data["type"], title=chat_data["title"], user=user,
                    started=chat_data["started"], blocked=chat_data["blocked"], keyboard=chat_data["keyboard"],
                    next_message_id=chat_data["next_message_id"], feed=bot.feed)
        people = {bot.account.id: bot.account, **server.users}
        by_id: dict[int, Message] = {}
        for data in chat_data["messages"]:
            message = Message(chat=chat, sender=people.get(data["sender"]) or UserAccount(data["sender"], "?"),
                              photo_files=[bot.files.by_id[f] for f in data["photo_files"] if f in bot.files.by_id],
                              document_file=bot.files.by_id.get(data["document_file"] or ""),
                              reply_to=by_id.get(data["reply_to"]) if data["reply_to"] else None,
                              **{name: data[name] for name in MESSAGE_FIELDS})
            by_id[message.message_id] = message
            chat.messages.append(message)
        bot.chats[chat.id] = chat


def _restore_files(files: FileStore, saved: dict[str, Any]) -> None:
    files._counter = max(files._counter, saved["counter"])  # noqa: SLF001 - new files go on numbering
    sizes: dict[str, list[str]] = {}
    for data in saved["records"]:
        record = FileRecord(data=base64.b64decode(data["data"]), **{name: data[name] for name in FILE_FIELDS})
        files.by_id[record.file_id] = record
        files.by_path[record.file_path] = record
        sizes[record.file_id] = data["sizes"]
    for file_id, size_ids in sizes.items():
        files.by_id[file_id].sizes = [files.by_id[size] for size in size_ids if size in files.by_id]
