"""Runtime settings, from ``LIANXIN_*`` environment variables or a ``.env`` file."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

TELEGRAM_API_URL = "https://api.telegram.org"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LIANXIN_", env_file=".env", env_file_encoding="utf-8",
                                      extra="ignore")

    bot_token: SecretStr | None = None  # None: run the local demo
    bot_api_url: str = TELEGRAM_API_URL
    framework: Literal["ptb", "aiogram"] = "ptb"  # the Telegram framework the adapter is built on
    database_url: str = "sqlite:///lianxin.db"
    default_locale: str = "zh_CN"
    timezone: str = "Asia/Shanghai"
    # False: send as fast as the server takes it, for benchmarks against a local Bot API server whose
    # limits are off (sandbox/botapi). Never for Telegram: it answers floods with 429s and may block the bot.
    send_pacing: bool = True
    webhook_url: str | None = None  # None: long polling
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_secret: SecretStr | None = None  # required with a webhook: Telegram sends it with every update
    webhook_reuse_port: bool = False  # several worker processes listen on one port (SO_REUSEPORT; `run --workers`)
    demo_port: int = 8081
    auto_confirm_days: int = 7  # a resolved ticket with no verdict from its reporter closes after this
    revisit_days: int = 30  # 回头看: days after 销号 the reporter is asked whether it stayed solved
    deadline_policy: str = "sanbuguo"  # 限时办结: "sanbuguo" (三不过) or "13710"
    # Working days per stage, overriding the policy's: "assign,first_answer,general,difficult"; "-" = untimed.
    deadline_days: str | None = None
    # Other policies for some org units (and the units below them), as JSON: {"新郑市": "13710"}.
    unit_policies: str | None = None
    flag_warning_days: int = 1  # 红旗 this many working days before the due day (1: on the due day)
    flag_hard_limit_days: int = 5  # 黑旗 once late by more than this many working days
    holiday_lists: Path | None = None  # JSON of official holiday lists for years the library lacks
    ladder: str = "remind,supervise,escalate"  # 督办 rungs in order (催办, 督办, 黑旗 escalation); "" = none
    # 红黑榜: weights by indicator (docs/ranking.md), JSON, e.g. {"satisfaction": 20}; unnamed keep their default.
    ranking_weights: str | None = None
    ranking_list_size: int = 3  # units on each of the red and black lists
    # 周通报 group robots per org unit, JSON: {"城关街道": [{"platform": "dingtalk", "url": "…", "secret": "SEC…"}]}.
    robots: SecretStr | None = None  # webhook URLs carry credentials too
    quiet_hours: bool = True  # 无事不扰 on; the local demo turns it off (it is played at any hour)
    office_hours: str = "09:00-18:00"  # 无事不扰: cadres hear from the bot then, on working days
    reporter_night: str = "22:00-08:00"  # 无事不扰: reporters are not messaged then
    weekly_digest_cron: str = "0 9 * * mon"  # 周通报 to bound groups (crontab, local time); "" = none
    monthly_digest_cron: str = "0 9 1 * *"  # 月报告 on the 1st; "" = none

    @property
    def token(self) -> str | None:
        token = self.bot_token.get_secret_value().strip() if self.bot_token else ""
        return token or None

    @property
    def api_url(self) -> str:
        return self.bot_api_url.rstrip("/")
