"""A local stand-in for the WeCom, DingTalk and Feishu group-robot webhooks, on 127.0.0.1.

    receiver = RobotReceiver(clock=time.time, rates=None, throttle=600.0, peak_busy=True)
    async with receiver:                                  # or await start() / stop()
        url = receiver.add("dingtalk", secret="SEC…")     # a new robot: its webhook URL here
        ... post to url ...
        receiver.messages          # accepted messages, in order: Received(platform, token, title, text, at)
        receiver.answers           # every answer given: Answer(platform, token, code, message, at)

It checks what the platforms document (docs/robots.md), independently of bot/adapters/robots so a
mistake there is caught here: the body's shape, its size (WeCom 40058, DingTalk 460101, Feishu 9499),
the signature and its age (DingTalk 310000, Feishu 19021; one hour either way), and each robot's rate
as a sliding window (WeCom 45009; DingTalk 130101 and then 10 minutes of 130101; Feishu 11232, also
for anything arriving in the first minute of xx:00 or xx:30 when `peak_busy`, imitating the load Feishu
warns of). `clock` (epoch seconds) and `rates` ({platform: [(count, seconds), ...]}) can be replaced
so tests move time instead of waiting.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

WECOM, DINGTALK, FEISHU = "wecom", "dingtalk", "feishu"
DEFAULT_RATES = {WECOM: [(20, 60.0)], DINGTALK: [(20, 60.0)], FEISHU: [(100, 60.0), (5, 1.0)]}
WECOM_MAX_CONTENT = 4096
DINGTALK_MAX_BODY = 20_000  # assumed (docs/robots.md)
FEISHU_MAX_BODY = 20_000  # "20 KB"
SIGNATURE_MAX_AGE = 3600.0  # both DingTalk and Feishu: within one hour of the server's time


@dataclass(frozen=True)
class Received:
    platform: str
    token: str
    title: str
    text: str  # the markdown as the group would see it rendered
    at: float


@dataclass(frozen=True)
class Answer:
    platform: str
    token: str
    code: int
    message: str
    at: float


class Refused(Exception):
    def __init__(self, code: int, message: str, status: int = 200) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


@dataclass
class _Robot:
    platform: str
    secret: str | None
    sent: deque[float] = field(default_factory=deque)  # accepted send times, for the sliding windows
    throttled_until: float = 0.0


class RobotReceiver:
    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, clock: Callable[[], float] = time.time,
                 rates: dict[str, list[tuple[int, float]]] | None = None, throttle: float = 600.0,
                 peak_busy: bool = True) -> None:
        self.host, self.port = host, port
        self.clock = clock
        self.rates = DEFAULT_RATES | (rates or {})
        self.throttle = throttle
        self.peak_busy = peak_busy
        self.messages: list[Received] = []
        self.answers: list[Answer] = []
        self._robots: dict[str, _Robot] = {}
        self._runner: web.AppRunner | None = None
        self.app = web.Application()
        self.app.router.add_post("/cgi-bin/webhook/send", self._wecom)
        self.app.router.add_post("/robot/send", self._dingtalk)
        self.app.router.add_post("/open-apis/bot/v2/hook/{token}", self._feishu)

    # --- lifecycle -----------------------------------------------------------

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> RobotReceiver:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def add(self, platform: str, secret: str | None = None, token: str | None = None) -> str:
        """Register a robot; returns the webhook URL to configure it with."""
        token = token or secrets.token_hex(16)
        self._robots[token] = _Robot(platform, secret)
        return {WECOM: f"{self.url}/cgi-bin/webhook/send?key={token}",
                DINGTALK: f"{self.url}/robot/send?access_token={token}",
                FEISHU: f"{self.url}/open-apis/bot/v2/hook/{token}"}[platform]

    def texts(self, platform: str | None = None) -> list[str]:
        return [m.text for m in self.messages if platform in (None, m.platform)]

    # --- the three endpoints -----------------------------------------------

    async def _wecom(self, request: web.Request) -> web.Response:
        return await self._handle(WECOM, request.query.get("key", ""), request, self._check_wecom)

    async def _dingtalk(self, request: web.Request) -> web.Response:
        return await self._handle(DINGTALK, request.query.get("access_token", ""), request, self._check_dingtalk)

    async def _feishu(self, request: web.Request) -> web.Response:
        return await self._handle(FEISHU, request.match_info["token"], request, self._check_feishu)

    async def _handle(self, platform: str, token: str, request: web.Request,
                      check: Callable[[_Robot, web.Request, bytes, Any], tuple[str, str]]) -> web.Response:
        now = self.clock()
        raw = await request.read()
        try:
            robot = self._robots.get(token)
            if robot is None or robot.platform != platform:
                raise _unknown_token(platform)
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
            title, text = check(robot, request, raw, body)
            self._pace(platform, robot, now)
        except Refused as refused:
            self.answers.append(Answer(platform, token, refused.code, refused.message, now))
            return _answer(platform, refused.code, refused.message, refused.status)
        self.messages.append(Received(platform, token, title, text, now))
        self.answers.append(Answer(platform, token, 0, "ok", now))
        return _answer(platform, 0, "ok" if platform != FEISHU else "success")

    def _check_wecom(self, robot: _Robot, request: web.Request, raw: bytes, body: Any) -> tuple[str, str]:
        content = _dig(body, "markdown", "content")
        if _dig(body, "msgtype") != "markdown" or not isinstance(content, str):
            raise Refused(40008, "invalid message type")
        if len(content.encode("utf-8")) > WECOM_MAX_CONTENT:
            raise Refused(40058, f"markdown.content exceed max length {WECOM_MAX_CONTENT}")
        title, _, text = content.partition("\n")
        return title.removeprefix("### "), content

    def _check_dingtalk(self, robot: _Robot, request: web.Request, raw: bytes, body: Any) -> tuple[str, str]:
        if robot.secret is not None:
            _check_age(request.query.get("timestamp", ""), 1000, Refused(310000, "invalid timestamp"), self.clock())
            # aiohttp has already undone the sender's urlencode, as DingTalk's server would.
            expected = _b64_hmac(robot.secret.encode(), f"{request.query['timestamp']}\n{robot.secret}".encode())
            if not hmac.compare_digest(request.query.get("sign", ""), expected):
                raise Refused(310000, "sign not match")
        title, text = _dig(body, "markdown", "title"), _dig(body, "markdown", "text")
        if _dig(body, "msgtype") != "markdown" or not isinstance(title, str) or not isinstance(text, str):
            raise Refused(40035, "缺少参数 json")
        if len(raw) > DINGTALK_MAX_BODY:
            raise Refused(460101, f"message too long, exceed {DINGTALK_MAX_BODY} bytes")
        return title, text

    def _check_feishu(self, robot: _Robot, request: web.Request, raw: bytes, body: Any) -> tuple[str, str]:
        if len(raw) > FEISHU_MAX_BODY or not isinstance(body, dict):
            raise Refused(9499, "Bad Request", status=400)
        if robot.secret is not None:
            stale = Refused(19021, "sign match fail or timestamp is not within one hour from current time")
            timestamp = str(body.get("timestamp", ""))
            _check_age(timestamp, 1, stale, self.clock())
            expected = _b64_hmac(f"{timestamp}\n{robot.secret}".encode(), b"")
            if not hmac.compare_digest(str(body.get("sign", "")), expected):
                raise stale
        title = _dig(body, "card", "header", "title", "content")
        elements = _dig(body, "card", "elements")
        if body.get("msg_type") != "interactive" or not isinstance(title, str) or not isinstance(elements, list):
            raise Refused(9499, "Bad Request", status=400)
        texts = [_dig(e, "text", "content") for e in elements if _dig(e, "text", "tag") == "lark_md"]
        return title, "\n".join(t for t in texts if isinstance(t, str))

    # --- rates -----------------------------------------------------------------

    def _pace(self, platform: str, robot: _Robot, now: float) -> None:
        code = {WECOM: 45009, DINGTALK: 130101, FEISHU: 11232}[platform]
        message = {WECOM: "api freq out of limit", DINGTALK: "send too fast, exceed 20 times per minute",
                   FEISHU: "frequency limited"}[platform]
        if now < robot.throttled_until:
            raise Refused(code, message)
        if platform == FEISHU and self.peak_busy and now % 1800 < 60:
            raise Refused(code, message)  # the on-the-hour / half-hour load Feishu warns about
        for count, seconds in self.rates[platform]:
            recent = sum(1 for t in robot.sent if t > now - seconds)
            if recent >= count:
                if platform == DINGTALK:
                    robot.throttled_until = now + self.throttle
                raise Refused(code, message)
        robot.sent.append(now)
        longest = max(seconds for _, seconds in self.rates[platform])
        while robot.sent and robot.sent[0] <= now - longest:
            robot.sent.popleft()


def _dig(value: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _b64_hmac(key: bytes, message: bytes) -> str:
    return base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()


def _check_age(timestamp: str, per_second: int, refused: Refused, now: float) -> None:
    if not timestamp.isdigit() or abs(now - int(timestamp) / per_second) > SIGNATURE_MAX_AGE:
        raise refused


def _unknown_token(platform: str) -> Refused:
    return {WECOM: Refused(93000, "invalid webhook url"), DINGTALK: Refused(300001, "token is not exist"),
            FEISHU: Refused(19001, "param invalid: incoming webhook access token invalid")}[platform]


def _answer(platform: str, code: int, message: str, status: int = 200) -> web.Response:
    if platform == FEISHU:
        return web.json_response({"code": code, "msg": message, "data": {}}, status=status)
    return web.json_response({"errcode": code, "errmsg": message}, status=status)
