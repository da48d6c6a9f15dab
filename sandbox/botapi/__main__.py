"""Run the local Bot API server standalone, e.g. for the demo:

    python -m sandbox.botapi --port 8081 --token 123:ABC --username lianxin_bot

Then point the bot at http://127.0.0.1:8081 and talk to it with
``python -m sandbox.chat --url http://127.0.0.1:8081 --user 1001``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging

from .server import LocalBotApi


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m sandbox.botapi", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", action="append", default=[], help="bot token (repeatable)")
    parser.add_argument("--username", action="append", default=[], help="bot username, per --token")
    parser.add_argument("--first-name", default="连心桥", help="the bot's display name")
    parser.add_argument("--rate-limits", action="store_true", help="enforce Telegram's flood limits")
    parser.add_argument("--lenient-ampersand", action="store_true",
                        help="accept a bare '&' in HTML like Telegram does (default: reject it)")
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    server = LocalBotApi(args.host, args.port, rate_limits=args.rate_limits,
                         strict_ampersand=not args.lenient_ampersand)
    for index, token in enumerate(args.token):
        username = args.username[index] if index < len(args.username) else f"bot{index + 1}_bot"
        server.add_bot(token, username, args.first_name)
    await server.start()
    if not server.bots:
        print("No --token given: every Bot API call will get 401 until POST /_sim/bots adds a bot.")
    print(f"Bot API on {server.url}  (bots: {', '.join('@' + b.account.username for b in server.bots.values()) or 'none'})",
          flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await server.stop()


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        asyncio.run(serve(parse_args(argv)))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
