"""A configured group robot (one webhook of one platform), and its per-platform send rate."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

from handlers.domain.webhooks import PATHS, robot_name, webhook_token


class Platform(StrEnum):
    WECOM = "wecom"  # 企业微信 group robot
    DINGTALK = "dingtalk"  # 钉钉 custom robot
    FEISHU = "feishu"  # 飞书 custom bot


@dataclass(frozen=True)
class Rate:
    """At most `count` messages per `period` seconds; sends are spaced period/count apart (see send.py)."""

    count: int
    period: float

    @property
    def interval(self) -> float:
        return self.period / self.count


# Documented per-robot limits (docs/robots.md). Feishu's 5/s is implied by its 100/min spacing (0.6 s).
RATES = {
    Platform.WECOM: Rate(20, 60.0),
    Platform.DINGTALK: Rate(20, 60.0),
    Platform.FEISHU: Rate(100, 60.0),
}


class Robot(BaseModel):
    """One webhook. The URL carries the robot's credential too, so neither it nor the secret is in repr()."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    platform: Platform
    url: str = Field(repr=False)
    secret: SecretStr | None = None  # DingTalk 加签 / Feishu 签名校验; WeCom robots have none

    @model_validator(mode="after")
    def _url_fits_platform(self) -> Robot:
        token = webhook_token(self.platform, self.url)
        if not token:
            path, param = PATHS[self.platform]
            where = f"?{param}=…" if param else "<token>"
            raise ValueError(f"{self.platform} webhook URL must look like https://…{path}{where}")
        if self.platform is Platform.WECOM and self.secret is not None:
            raise ValueError("WeCom group robots are not signed: drop the secret")
        return self

    @property
    def name(self) -> str:
        """For logs: the platform and the token's last four characters."""
        return robot_name(self.platform, self.url)

    @property
    def secret_value(self) -> str | None:
        return self.secret.get_secret_value() if self.secret is not None else None
