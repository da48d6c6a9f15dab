"""The /_sim HTTP control API: the simulator's Python API as JSON endpoints.

Lets a test or the terminal client drive a bot that runs in another process.
Actions answer like the Python API: only after the bot handled the update, with
the Outcome (replies, edits, deletions, callback answer) as JSON. Users are
created on first use. Every body field "bot" (token or username) picks a bot
when the server has several.
"""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from aiohttp import web

from .simulator import Outcome, SimGroup, SimUser, UpdateNotHandled

if TYPE_CHECKING:
    from .server import LocalBotApi

Action = Callable[[SimUser, dict], Awaitable[Outcome]]


def setup_control(app: web.Application, server: LocalBotApi) -> None:
    routes = _Routes(server)
    app.router.add_get("/_sim/state", routes.state)
    app.router.add_post("/_sim/bots", routes.add_bot)
    app.router.add_post("/_sim/users", routes.add_user)
    for name, action in ACTIONS.items():
        app.router.add_post(f"/_sim/users/{{user_id}}/{name}", routes.action(action))
    app.router.add_post("/_sim/users/{user_id}/block", routes.block)
    app.router.add_get("/_sim/chats/{chat_id}/messages", routes.messages)
    app.router.add_get("/_sim/calls", routes.calls)
    app.router.add_post("/_sim/wait_idle", routes.wait_idle)
    app.router.add_post("/_sim/rate_limits", routes.rate_limits)
    app.router.add_get("/_sim/files/{file_id}", routes.file)
    app.router.add_get("/_sim/events", routes.events)
    app.router.add_get("/_sim/personas", routes.personas)
    app.router.add_post("/_sim/personas", routes.set_personas)
    app.router.add_get("/_sim/clock", routes.clock_now)
    app.router.add_post("/_sim/clock", routes.clock_advance)


async def _body(request: web.Request) -> dict[str, Any]:
    """JSON or form body (multipart file fields become bytes), plus the query string."""
    values: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json" and request.can_read_body:
        values.update(await request.json())
    elif request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        for key, value in (await request.post()).items():
            values[key] = value.file.read() if isinstance(value, web.FileField) else value
    return values


def _bytes(body: dict, field: str) -> bytes:
    value = body.get(field)
    if isinstance(value, bytes):
        return value
    if isinstance(body.get("base64"), str):
        return base64.b64decode(body["base64"])
    raise ValueError(f"send the file as multipart field {field!r} or as JSON \"base64\"")


async def _send(user: SimUser, body: dict) -> Outcome:
    return await user.send(str(body["text"]), chat=_group(user, body))


def _group(user: SimUser, body: dict) -> SimGroup | None:
    """The group named by "chat_id" (None: the person's private chat); "chat_title" makes a new one."""
    if body.get("chat_id") in (None, "", user.id, str(user.id)):
        return None
    chat_id = int(body["chat_id"])
    chat = user.bot.chats.get(chat_id)
    if chat is None and not body.get("chat_title"):
        raise LookupError(f"no group {chat_id} with @{user.bot.account.username} (give \"chat_title\" to make one)")
    if chat is not None and chat.type == "private":
        raise ValueError(f"chat {chat_id} is somebody's private chat, not a group")
    return user.server.group(chat_id, str(body.get("chat_title") or chat_id), bot=user.bot.token)


async def _press(user: SimUser, body: dict) -> Outcome:
    message = user.chat.find(int(body["message_id"])) if body.get("message_id") else None
    index = int(body["index"]) if body.get("index") not in (None, "") else None
    return await user.press(text=body.get("text"), data=body.get("data"), index=index, message=message)


async def _photo(user: SimUser, body: dict) -> Outcome:
    return await user.send_photo(_bytes(body, "photo"), caption=body.get("caption"))


async def _document(user: SimUser, body: dict) -> Outcome:
    return await user.send_document(_bytes(body, "document"), body.get("file_name") or "document.bin",
                                    mime_type=body.get("mime_type"), caption=body.get("caption"))


async def _location(user: SimUser, body: dict) -> Outcome:
    return await user.send_location(float(body["latitude"]), float(body["longitude"]))


async def _contact(user: SimUser, body: dict) -> Outcome:
    user_id = body.get("user_id")
    return await user.share_contact(str(body["phone_number"]), first_name=body.get("first_name"),
                                    user_id=int(user_id) if user_id not in (None, "") else None)


ACTIONS: dict[str, Action] = {"send": _send, "press": _press, "photo": _photo, "document": _document,
                              "location": _location, "contact": _contact}


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"ok": False, "error": message}, status=status)


class _Routes:
    def __init__(self, server: LocalBotApi) -> None:
        self.server = server

    def _user(self, request: web.Request, body: dict) -> SimUser:
        user_id = int(request.match_info.get("user_id") or body["id"])
        known = user_id in self.server.users
        return self.server.user(
            user_id, body.get("first_name") or (None if known else f"User {user_id}"),
            last_name=body.get("last_name"), username=body.get("username"),
            language_code=body.get("language_code"), bot=body.get("bot"))

    def action(self, action: Action) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def handle(request: web.Request) -> web.Response:
            try:
                body = await _body(request)
                outcome = await action(self._user(request, body), body)
            except UpdateNotHandled as error:
                return _error(504, str(error))
            except LookupError as error:
                return _error(404, str(error))
            except (ValueError, TypeError) as error:
                return _error(400, str(error))
            return web.json_response({"ok": True, **outcome.to_json()}, dumps=_dumps)
        return handle

    async def state(self, request: web.Request) -> web.Response:
        bots = [{"token": b.token, **b.account.to_api()} for b in self.server.bots.values()]
        users = [u.to_api() for u in self.server.users.values()]
        return web.json_response({"ok": True, "url": self.server.url, "bots": bots, "users": users}, dumps=_dumps)

    async def add_bot(self, request: web.Request) -> web.Response:
        body = await _body(request)
        bot = self.server.add_bot(body["token"], body["username"], body.get("first_name") or "Bot")
        return web.json_response({"ok": True, "bot": bot.account.to_api()}, dumps=_dumps)

    async def add_user(self, request: web.Request) -> web.Response:
        try:
            user = self._user(request, await _body(request))
        except (KeyError, ValueError) as error:
            return _error(400, str(error))
        return web.json_response({"ok": True, "user": user.account.to_api()}, dumps=_dumps)

    async def block(self, request: web.Request) -> web.Response:
        self._user(request, await _body(request)).block()
        return web.json_response({"ok": True})

    async def messages(self, request: web.Request) -> web.Response:
        try:
            bot = self.server.bot(request.query.get("bot"))
            chat = bot.chat(int(request.match_info["chat_id"]))
        except Exception as error:  # unknown bot or chat  # noqa: BLE001
            return _error(404, str(error))
        since = int(request.query.get("since", 0))
        messages = [m.to_sim() for m in chat.messages if m.message_id > since]
        keyboard = [[b["text"] for b in row] for row in chat.keyboard["keyboard"]] if chat.keyboard else None
        # keyboard_markup: the whole ReplyKeyboardMarkup, so a client sees which button shares a contact
        return web.json_response({"ok": True, "messages": messages, "keyboard": keyboard,
                                  "keyboard_markup": chat.keyboard}, dumps=_dumps)

    async def calls(self, request: web.Request) -> web.Response:
        since = int(request.query.get("since", 0))
        calls = [{"index": i, "bot": c.bot, "method": c.method, "params": c.params, "status": c.status,
                  "description": c.description, "at": c.at, "client_gone": c.client_gone}
                 for i, c in enumerate(self.server.calls) if i >= since]
        return web.json_response({"ok": True, "calls": calls}, dumps=_dumps)

    async def wait_idle(self, request: web.Request) -> web.Response:
        body = await _body(request)
        try:
            await self.server.wait_idle(float(body["timeout"]) if body.get("timeout") else None)
        except UpdateNotHandled as error:
            return _error(504, str(error))
        return web.json_response({"ok": True})

    async def rate_limits(self, request: web.Request) -> web.Response:
        body = await _body(request)
        self.server.rate_limits = str(body.get("enabled")).lower() in ("true", "1")
        return web.json_response({"ok": True, "enabled": self.server.rate_limits})

    async def file(self, request: web.Request) -> web.Response:
        try:
            bot = self.server.bot(request.query.get("bot"))
        except (KeyError, ValueError) as error:
            return _error(404, str(error))
        record = bot.files.get(request.match_info["file_id"])
        if record is None:
            return _error(404, "no such file")
        return web.Response(body=record.data, content_type=record.mime_type or "application/octet-stream")

    async def events(self, request: web.Request) -> web.Response:
        """Long poll: {"seq": N, "chats": [chat ids changed after `since`] or null (re-read all)}.
        Without `since`, the counter now at once (where a new watcher starts)."""
        feed = self.server.chat_changes
        if request.query.get("since") in (None, ""):
            return web.json_response({"ok": True, "seq": feed.seq, "chats": []})
        try:
            since = int(request.query["since"])
            timeout = min(max(float(request.query.get("timeout", 25)), 0.0), 60.0)
        except ValueError as error:
            return _error(400, str(error))
        seq, chats = await feed.wait(since, timeout)
        return web.json_response({"ok": True, "seq": seq, "chats": chats})

    async def personas(self, request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "personas": self.server.personas}, dumps=_dumps)

    async def set_personas(self, request: web.Request) -> web.Response:
        """Say who the page offers, for a server the demo did not set up (e.g. `python -m sandbox.botapi`)."""
        personas = (await _body(request)).get("personas")
        if not isinstance(personas, list) or not all(isinstance(p, dict) and "id" in p for p in personas):
            return _error(400, 'send {"personas": [{"id": 1001, "name": "…", "role": "…", "kind": "private"}, …]}')
        self.server.personas = personas
        return web.json_response({"ok": True, "personas": personas}, dumps=_dumps)


    async def clock_now(self, request: web.Request) -> web.Response:
        """The bot's time, if it can be moved (the demo: `server.clock`)."""
        if self.server.clock is None:
            return _error(404, NO_CLOCK)
        now = await self.server.clock.now()
        return web.json_response({"ok": True, "now": now.isoformat(), "movable": True})

    async def clock_advance(self, request: web.Request) -> web.Response:
        """{"advance": "1h" | "1wd" | "next_monday_0900"}: answered once everything the move made
        due has been handled and sent."""
        if self.server.clock is None:
            return _error(404, NO_CLOCK)
        step = (await _body(request)).get("advance")
        if not isinstance(step, str) or not step:
            return _error(400, 'send {"advance": "1h"}, {"advance": "1wd"} or {"advance": "next_monday_0900"}')
        try:
            now = await self.server.clock.advance(step)
        except ValueError as error:
            return _error(400, str(error))
        return web.json_response({"ok": True, "now": now.isoformat()})


NO_CLOCK = "this server has no movable clock: only the demo's bot runs on one"


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)
