"""Group robots' webhook URLs (WeCom, DingTalk, Feishu): where each platform keeps the robot's
credential. Shared by the shell that posts (bot/adapters/robots) and the admin command that
stores a robot (handlers.admin): both accept the same shapes, and neither shows the credential.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

WECOM, DINGTALK, FEISHU = "wecom", "dingtalk", "feishu"

# Where each platform's webhook keeps its credential; the host is not checked, so a robot can point at
# the local receiver (sandbox/robots.py) in tests and demos.
PATHS: dict[str, tuple[str, str | None]] = {
    WECOM: ("/cgi-bin/webhook/send", "key"),
    DINGTALK: ("/robot/send", "access_token"),
    FEISHU: ("/open-apis/bot/v2/hook/", None),
}
SIGNED = frozenset({DINGTALK, FEISHU})  # WeCom group robots take no secret


def webhook_token(platform: str, url: str) -> str:
    """The credential in a webhook URL ("" when the URL is not the platform's shape)."""
    parts = urlsplit(url)
    if platform not in PATHS or parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    path, param = PATHS[platform]
    if param is None:
        rest = parts.path.removeprefix(path)
        return rest if parts.path.startswith(path) and rest and "/" not in rest else ""
    if parts.path != path:
        return ""
    return (parse_qs(parts.query).get(param) or [""])[0]


def robot_name(platform: str, url: str) -> str:
    """How a robot is named where people or logs see it: the platform and the token's last four characters."""
    return f"{platform}:…{webhook_token(platform, url)[-4:]}"
