"""Talk to a bot through the local Bot API server, from a terminal.

    python -m sandbox.chat --url http://127.0.0.1:8081 --user 1001 --name 王老板

Type text to send it (including /commands). Client commands:
    #2                    press button 2 of the newest message with buttons
    /photo <path> [caption]   send a picture        /doc <path>  send a file
    /location <lat> <lon>     send a location       /contact <phone>  share your number
    /quit (or Ctrl-D)         leave
The bot's messages are printed with their buttons numbered; messages the bot
sends on its own (reminders, notices) show up within a second.
"""

from __future__ import annotations

import argparse
import mimetypes
import shlex
import sys
import threading
from pathlib import Path
from typing import Any, Callable

import httpx

HELP = __doc__.split("Type text", 1)[1] if __doc__ else ""


def render(message: dict[str, Any], *, edited: bool = False) -> str:
    """One bot message as terminal text, with numbered inline buttons."""
    tag = f"[#{message['message_id']}{' edited' if edited else ''}]"
    if message.get("deleted"):
        return f"{tag} (deleted)"
    lines = [f"{tag} {message['text']}"] if message.get("text") is not None else [tag]
    if message.get("photo"):
        biggest = message["photo"][-1]
        lines.append(f"  [photo {biggest['width']}x{biggest['height']}, {biggest.get('file_size', 0)} bytes]")
    if message.get("document"):
        doc = message["document"]
        lines.append(f"  [file {doc.get('file_name', '?')}, {doc.get('file_size', 0)} bytes]")
    if message.get("location"):
        lines.append(f"  [location {message['location']['latitude']}, {message['location']['longitude']}]")
    if message.get("contact"):
        lines.append(f"  [contact {message['contact']['first_name']} {message['contact']['phone_number']}]")
    if message.get("caption"):
        lines.append(f"  {message['caption']}")
    number = 0
    for row in message.get("buttons") or []:
        cells = []
        for text, data in row:
            number += 1
            cells.append(f"#{number} {text}" if data is not None else f"({text})")
        lines.append("  " + "   ".join(cells))
    if message.get("reply_keyboard"):
        lines.append("  keyboard: " + " | ".join(" ".join(row) for row in message["reply_keyboard"]))
    return "\n".join(lines)


class ChatClient:
    """Sends actions to /_sim and prints what changed in the chat since last time."""

    def __init__(self, url: str, user_id: int, *, bot: str | None = None,
                 out: Callable[[str], None] = print) -> None:
        self.http = httpx.Client(base_url=url.rstrip("/"), timeout=30)
        self.user_id = user_id
        self.bot = bot
        self.out = out
        self.seen: dict[int, tuple[int, bool]] = {}  # message_id -> (edit count, deleted)
        self.lock = threading.Lock()

    def register(self, first_name: str | None, language_code: str | None) -> None:
        body = {"id": self.user_id, "first_name": first_name, "language_code": language_code, "bot": self.bot}
        self.http.post("/_sim/users", json={k: v for k, v in body.items() if v}).raise_for_status()
        self.refresh(show=False)

    def refresh(self, *, show: bool = True) -> None:
        """Print bot messages that are new, edited or deleted since the last refresh."""
        params = {"bot": self.bot} if self.bot else {}
        response = self.http.get(f"/_sim/chats/{self.user_id}/messages", params=params)
        if response.status_code != 200:
            return
        with self.lock:
            for message in response.json()["messages"]:
                if not message["from_bot"]:
                    continue
                state = (len(message["edits"]), message["deleted"])
                old = self.seen.get(message["message_id"])
                self.seen[message["message_id"]] = state
                if show and old != state:
                    self.out(render(message, edited=old is not None and not message["deleted"]))

    def handle(self, line: str) -> bool:
        """Act on one input line; False means quit."""
        line = line.strip()
        if not line:
            return True
        if line in ("/quit", "/exit"):
            return False
        try:
            result = self._dispatch(line)
        except (OSError, ValueError, httpx.HTTPError) as error:
            self.out(f"! {error}")
            return True
        if result is not None:
            body = result.json()
            if not body.get("ok"):
                self.out(f"! {body.get('error')}")
            elif body.get("answer") and body["answer"].get("text"):
                alert = "ALERT" if body["answer"]["show_alert"] else "toast"
                self.out(f"  ({alert}: {body['answer']['text']})")
        self.refresh()
        return True

    def _dispatch(self, line: str) -> httpx.Response | None:
        path = f"/_sim/users/{self.user_id}"
        extra = {"bot": self.bot} if self.bot else {}
        if line.startswith("#") and line[1:].isdigit():
            return self.http.post(f"{path}/press", json={"index": int(line[1:]), **extra})
        command, _, rest = line.partition(" ")
        if command in ("/photo", "/doc"):
            args = shlex.split(rest)
            if not args:
                raise ValueError(f"usage: {command} <path> [caption]")
            file = Path(args[0]).expanduser()
            field = "photo" if command == "/photo" else "document"
            mime = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
            data = {"caption": " ".join(args[1:]), "file_name": file.name, **extra}
            files = {field: (file.name, file.read_bytes(), mime)}
            return self.http.post(f"{path}/{field}", data={k: v for k, v in data.items() if v}, files=files)
        if command == "/location":
            latitude, longitude = (float(x) for x in rest.split())
            return self.http.post(f"{path}/location", json={"latitude": latitude, "longitude": longitude, **extra})
        if command == "/contact":
            if not rest.strip():
                raise ValueError("usage: /contact <phone>")
            return self.http.post(f"{path}/contact", json={"phone_number": rest.strip(), **extra})
        if command in ("/?", "/client-help"):
            self.out(HELP)
            return None
        return self.http.post(f"{path}/send", json={"text": line, **extra})


def _poll_forever(client: ChatClient, interval: float, stop: threading.Event) -> None:
    while not stop.wait(interval):
        try:
            client.refresh()
        except httpx.HTTPError:
            pass


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox.chat", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8081")
    parser.add_argument("--user", type=int, default=1001)
    parser.add_argument("--name", default=None, help="first name of the simulated person")
    parser.add_argument("--lang", default=None, help="language_code, e.g. zh-hans")
    parser.add_argument("--bot", default=None, help="bot username, if the server has several")
    parser.add_argument("--poll", type=float, default=1.0, help="seconds between checks for bot-initiated messages; 0 = off")
    args = parser.parse_args(argv)
    client = ChatClient(args.url, args.user, bot=args.bot, out=lambda text: print(text, flush=True))
    client.register(args.name, args.lang)
    print(f"Chatting as user {args.user} via {args.url}. /? for help, /quit to leave.", flush=True)
    stop = threading.Event()
    if args.poll > 0:
        threading.Thread(target=_poll_forever, args=(client, args.poll, stop), daemon=True).start()
    try:
        for line in sys.stdin:
            if not client.handle(line):
                break
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()


if __name__ == "__main__":
    main()
