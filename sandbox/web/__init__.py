"""The demo's web page: chat with the bot as several people at once, in a browser.

Plain HTML, CSS and a little JavaScript in this folder, served by the local Bot API
server itself (`GET /` and `/_web/...`); no build step, nothing fetched from elsewhere.
The page only uses the /_sim control API: who to play (`/_sim/personas`), their chats
(`/_sim/chats/{id}/messages`), what changed (`/_sim/events`, a long poll), actions
(`/_sim/users/{id}/send|press|photo|location|contact`), files (`/_sim/files/{id}`) and
the demo clock (`/_sim/clock`, when the demo has one).
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

FOLDER = Path(__file__).resolve().parent
ASSETS = {"app.js": "text/javascript", "style.css": "text/css", "icon.svg": "image/svg+xml"}
NO_CACHE = {"Cache-Control": "no-cache"}  # a restarted demo serves a newer page


def setup_page(app: web.Application) -> None:
    app.router.add_get("/", _index)
    app.router.add_get("/_web/{name}", _asset)


async def _index(request: web.Request) -> web.Response:
    return web.Response(body=(FOLDER / "index.html").read_bytes(), content_type="text/html",
                        charset="utf-8", headers=NO_CACHE)


async def _asset(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    if name not in ASSETS:
        raise web.HTTPNotFound()
    return web.Response(body=(FOLDER / name).read_bytes(), content_type=ASSETS[name], charset="utf-8",
                        headers=NO_CACHE)
