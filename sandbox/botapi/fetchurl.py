"""Fetching a file by HTTP URL for sendPhoto/sendDocument, as Telegram does.

Only useful for URLs this machine can reach (e.g. a local test server); any
failure is Telegram's 400 "failed to get HTTP URL content".
"""

from __future__ import annotations

import asyncio

import aiohttp

from .errors import bad_request

FETCH_TIMEOUT = 5.0


async def fetch_url(url: str) -> tuple[bytes, str | None]:
    """The body and content type at `url`, or raise the Bot API error."""
    try:
        timeout = aiohttp.ClientTimeout(total=FETCH_TIMEOUT)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            async with session.get(url) as response:
                if response.status != 200:
                    raise bad_request("failed to get HTTP URL content")
                return await response.read(), response.content_type
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError):
        raise bad_request("failed to get HTTP URL content") from None
