"""Wiring: the core, the translator and the PTB application, from `Settings`.

Nothing happens at import time; storage and the core are imported when first built.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from bot.i18n import LOCALES_DIR, Translator
from bot.settings import Settings

if TYPE_CHECKING:
    from telegram.ext import Application

    from handlers.app import Lianxin


def build_core(settings: Settings) -> Lianxin:
    from handlers.app import Lianxin, SystemClock
    from handlers.rules import Rules
    from storage.uow import uow_factory

    rules = Rules(auto_confirm_after=timedelta(days=settings.auto_confirm_days),
                  revisit_after=timedelta(days=settings.revisit_days))
    return Lianxin(uow_factory(settings.database_url), clock=SystemClock(), default_locale=settings.default_locale,
                   rules=rules)


def build_translator(settings: Settings) -> Translator:
    return Translator(LOCALES_DIR, settings.default_locale)


def build_application(settings: Settings, core: Lianxin | None = None,
                      translator: Translator | None = None) -> Application:
    """The PTB application for `settings` (a token is needed), with a fresh core unless given one."""
    from bot.adapters import telegram_ptb

    return telegram_ptb.build_application(settings, core if core is not None else build_core(settings),
                                          translator if translator is not None else build_translator(settings))
