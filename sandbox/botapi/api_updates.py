"""Bot API methods about the bot itself and getting updates (polling or webhook)."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

from .errors import WEBHOOK_ACTIVE, bad_request, conflict
from .params import Params
from .registry import CallContext, method
from .updates import mark_reached

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
WEBHOOK_PORTS = {80, 88, 443, 8443}
SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")
CHAT_ACTIONS = {"typing", "upload_photo", "record_video", "upload_video", "record_voice",
                "upload_voice", "upload_document", "choose_sticker", "find_location",
                "record_video_note", "upload_video_note"}


@method("getMe")
async def get_me(ctx: CallContext, p: Params) -> dict:
    return {**ctx.bot.account.to_api(), "can_join_groups": True, "can_read_all_group_messages": False,
            "supports_inline_queries": False, "can_connect_to_business": False, "has_main_web_app": False}


@method("logOut", "close")
async def log_out(ctx: CallContext, p: Params) -> bool:
    return True


@method("getUpdates")
async def get_updates(ctx: CallContext, p: Params) -> list[dict]:
    queue = ctx.bot.queue
    if ctx.server.webhook_of(ctx.bot) is not None:
        raise conflict(WEBHOOK_ACTIVE)
    limit = min(max(p.int("limit", default=100) or 100, 1), 100)
    timeout = max(p.int("timeout", default=0) or 0, 0)
    allowed = p.json("allowed_updates")
    if isinstance(allowed, list):
        queue.allowed_updates = [str(kind) for kind in allowed]
    queue.confirm(p.int("offset"))
    batch = await queue.poll(queue.new_poller(), limit, timeout)
    if ctx.alive():  # an answer to a client that already hung up never reached the bot
        for update in batch:
            mark_reached(update)
    return [update.to_api() for update in batch]


@method("setWebhook")
async def set_webhook(ctx: CallContext, p: Params) -> bool:
    url = p.str("url") or ""
    if not url:
        await ctx.server.set_webhook(ctx.bot, None)
        return True
    _check_webhook_url(url)
    secret = p.str("secret_token")
    if secret is not None and not SECRET_TOKEN.match(secret):
        raise bad_request("secret token contains unallowed characters")
    max_connections = p.int("max_connections", default=40) or 40
    if not 1 <= max_connections <= 100:
        raise bad_request("bad webhook: max_connections must be between 1 and 100")
    allowed = p.json("allowed_updates")
    if isinstance(allowed, list):
        ctx.bot.queue.allowed_updates = [str(kind) for kind in allowed]
    if p.bool("drop_pending_updates"):
        ctx.bot.queue.drop_all()
    await ctx.server.set_webhook(ctx.bot, url, secret_token=secret, max_connections=max_connections)
    return True


def _check_webhook_url(url: str) -> None:
    """Telegram demands HTTPS on a few ports; plain HTTP is allowed here for loopback only."""
    parts = urlsplit(url)
    if not parts.hostname:
        raise bad_request("bad webhook: Failed to resolve host: Name or service not known")
    if parts.hostname in LOOPBACK_HOSTS and parts.scheme in ("http", "https"):
        return
    if parts.scheme != "https":
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    if (parts.port or 443) not in WEBHOOK_PORTS:
        raise bad_request("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")


@method("deleteWebhook")
async def delete_webhook(ctx: CallContext, p: Params) -> bool:
    await ctx.server.set_webhook(ctx.bot, None)
    if p.bool("drop_pending_updates"):
        ctx.bot.queue.drop_all()
    return True


@method("getWebhookInfo")
async def get_webhook_info(ctx: CallContext, p: Params) -> dict:
    queue = ctx.bot.queue
    hook = ctx.server.webhook_of(ctx.bot)
    info: dict[str, Any] = {"url": hook.url if hook else "", "has_custom_certificate": False,
                            "pending_update_count": len(queue.pending)}
    if hook is not None:
        info.update(max_connections=hook.max_connections, ip_address="127.0.0.1")
        if hook.last_error_date:
            info.update(last_error_date=hook.last_error_date, last_error_message=hook.last_error_message)
    if queue.allowed_updates:
        info["allowed_updates"] = queue.allowed_updates
    return info


def _commands_key(p: Params) -> str:
    scope = p.json("scope") or {"type": "default"}
    return json.dumps(scope, sort_keys=True) + "|" + (p.str("language_code") or "")


@method("setMyCommands")
async def set_my_commands(ctx: CallContext, p: Params) -> bool:
    commands = p.json("commands", error="can't parse commands JSON object")
    if not isinstance(commands, list) or len(commands) > 100:
        raise bad_request("can't parse commands JSON object")
    for command in commands:
        if not isinstance(command, dict) or not COMMAND_NAME.match(str(command.get("command", ""))):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(str(command.get("description") or "")) <= 256:
            raise bad_request("command description must be non-empty")  # Telegram: 1-256 chars
    ctx.bot.commands[_commands_key(p)] = [
        {"command": c["command"], "description": c["description"]} for c in commands]
    return True


@method("getMyCommands")
async def get_my_commands(ctx: CallContext, p: Params) -> list[dict]:
    return ctx.bot.commands.get(_commands_key(p), [])


@method("deleteMyCommands")
async def delete_my_commands(ctx: CallContext, p: Params) -> bool:
    ctx.bot.commands.pop(_commands_key(p), None)
    return True


@method("setMyName", "setMyDescription", "setMyShortDescription", "setChatMenuButton",
        "setMyDefaultAdministratorRights")
async def set_bot_setting(ctx: CallContext, p: Params) -> bool:
    ctx.bot.settings.update(p.loggable())
    return True


@method("getMyName")
async def get_my_name(ctx: CallContext, p: Params) -> dict:
    return {"name": ctx.bot.settings.get("name") or ctx.bot.account.first_name}


@method("getMyDescription")
async def get_my_description(ctx: CallContext, p: Params) -> dict:
    return {"description": ctx.bot.settings.get("description", "")}


@method("getMyShortDescription")
async def get_my_short_description(ctx: CallContext, p: Params) -> dict:
    return {"short_description": ctx.bot.settings.get("short_description", "")}


@method("getChatMenuButton")
async def get_chat_menu_button(ctx: CallContext, p: Params) -> dict:
    stored = ctx.bot.settings.get("menu_button")
    return json.loads(stored) if isinstance(stored, str) else stored or {"type": "default"}


@method("sendChatAction")
async def send_chat_action(ctx: CallContext, p: Params) -> bool:
    ctx.bot.writable_chat(p.chat_id())
    if p.str("action") not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    return True


@method("getChat")
async def get_chat(ctx: CallContext, p: Params) -> dict:
    chat = ctx.bot.chat(p.chat_id())
    gifts = {"unlimited_gifts": False, "limited_gifts": False, "unique_gifts": False,
             "premium_subscription": False, "gifts_from_channels": False}
    return {**chat.to_api(), "accent_color_id": 0, "max_reaction_count": 11, "accepted_gift_types": gifts}
