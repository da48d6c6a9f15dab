"""python-telegram-bot's requests over aiohttp instead of httpx.

PTB lets any HTTP library carry its calls (telegram.request.BaseRequest). Its default, httpx over
httpcore and anyio, cost 0.9 ms of CPU per Bot API call on this project's machine and aiohttp
0.2 ms (docs/performance.md): a third of the bot's CPU was its HTTP client. aiohttp is already
here (aiogram, the webhook server). PTB still builds every request and reads every answer;
only the transport changes, with PTB's own timeouts and errors.
"""

from __future__ import annotations

import asyncio

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData


# A request that timed out before it left: never delivered, so sending it again repeats nothing.
# (aiohttp's connect timeout covers waiting for a free connection of the pool too.)
NOT_SENT = (aiohttp.ConnectionTimeoutError,)


class AiohttpRequest(BaseRequest):
    """One aiohttp session, at most `connections` of them open to the Bot API server at once."""

    def __init__(self, *, connections: int = 16, read_timeout: float | None = 5.0, write_timeout: float | None = 5.0,
                 connect_timeout: float | None = 5.0, pool_timeout: float | None = 1.0,
                 media_write_timeout: float | None = 20.0) -> None:
        self._connections = connections
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=self._connections))

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
                         write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
                         connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
                         pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data else None
        timeout = self._timeout(read_timeout, write_timeout, connect_timeout, pool_timeout, media=bool(files))
        try:
            async with self._session.request(method, url, data=_body(request_data, files), timeout=timeout,
                                             headers={"User-Agent": self.USER_AGENT}) as response:
                return response.status, await response.read()
        except asyncio.TimeoutError as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{error.__class__.__name__}: {error}") from error

    def _timeout(self, read: ODVInput[float], write: ODVInput[float], connect: ODVInput[float],
                 pool: ODVInput[float], *, media: bool) -> aiohttp.ClientTimeout:
        """PTB's four timeouts as aiohttp's: writing has no timeout of its own there, so a request's
        reading allows for its writing too (an upload's longer one included)."""
        read = self._read_timeout if isinstance(read, DefaultValue) else read
        write = (self._media_write_timeout if media else self._write_timeout) if isinstance(write, DefaultValue) \
            else write
        connect = self._connect_timeout if isinstance(connect, DefaultValue) else connect
        pool = self._pool_timeout if isinstance(pool, DefaultValue) else pool
        sock_read = None if read is None else read + (write or 0)
        return aiohttp.ClientTimeout(total=None, connect=None if connect is None or pool is None else connect + pool,
                                     sock_connect=connect, sock_read=sock_read)


def _body(request_data: RequestData | None, files: dict | None) -> aiohttp.FormData | dict[str, str] | None:
    """The parameters as a form, as PTB's httpx request sends them; multipart when files go too."""
    if request_data is None:
        return None
    fields = request_data.json_parameters
    if not files:
        return fields
    form = aiohttp.FormData(quote_fields=False)  # a file name in UTF-8, as Telegram reads it (not %-escaped)
    for name, value in fields.items():
        form.add_field(name, value)
    for name, (file_name, content, mime_type) in files.items():
        form.add_field(name, content, filename=file_name, content_type=mime_type)
    return form
