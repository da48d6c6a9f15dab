"""Rendering the core's translatable `Msg` values into text for one recipient.

The core (``handlers``) never formats user-facing text itself: it returns
``Msg(key, params)`` where ``key`` is the English source text with ``{name}``
placeholders.  The shell renders it here:

* the key is looked up with stdlib :mod:`gettext` in the compiled catalog
  ``<locales_dir>/<locale>/LC_MESSAGES/messages.mo``; an untranslated key is
  used as is (it *is* the English text);
* parameters that are themselves ``Msg`` are rendered first, in the same
  locale;
* with ``html=True`` every parameter value is escaped with :func:`html.escape`
  (user-typed text must never break Telegram's HTML parse mode), while the
  template's own markup (``<b>`` in a translation) is left alone.  A nested
  ``Msg`` is rendered with the same rule, so its template markup survives and
  its own parameters are escaped exactly once.

Catalogs are maintained with :mod:`bot.i18n_tools` (extract / update / compile).
"""

from __future__ import annotations

import gettext
import html as _html
import logging
import re
import string
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from babel import Locale, negotiate_locale
from babel.core import LOCALE_ALIASES, UnknownLocaleError, get_global

from handlers.messages import Msg

log = logging.getLogger(__name__)

DOMAIN = "messages"
DEFAULT_LOCALE = "zh_CN"
SOURCE_LOCALE = "en"  # the language the keys are written in
LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
# Chinese sets no space after full-width punctuation: a template's "{day} 前" with a day that
# ends in "（暂定）" must read "（暂定）前", not "（暂定） 前".
_SPACE_AFTER_FULL_WIDTH = re.compile(r"(?<=[）】」』])[ ](?=[\u4e00-\u9fff])")

__all__ = ["DEFAULT_LOCALE", "LOCALES_DIR", "SOURCE_LOCALE", "Translator"]


class _Safe(str):
    """Text that is already rendered for the target mode: not escaped again."""


class _MsgFormatter(string.Formatter):
    """`str.format` that escapes each parameter value after formatting it.

    Escaping happens *after* the format spec is applied, so ``{count:d}`` or
    ``{amount:.2f}`` keep working on the raw value.
    """

    def __init__(self, html: bool) -> None:
        super().__init__()
        self.html = html

    def format_field(self, value: Any, format_spec: str) -> str:
        if isinstance(value, _Safe):
            return format(str(value), format_spec)
        text = format(value, format_spec)
        return _html.escape(text) if self.html else text


class Translator:
    """Looks up and renders `Msg` values for the locales under `locales_dir`.

    ``available_locales()`` are the locales that have a compiled catalog, plus
    the default locale and the source language (English), which are always
    renderable (untranslated keys fall back to the English source).
    """

    def __init__(
        self,
        locales_dir: Path | str = LOCALES_DIR,
        default_locale: str = DEFAULT_LOCALE,
        *,
        domain: str = DOMAIN,
    ) -> None:
        self.locales_dir = Path(locales_dir)
        self.default_locale = default_locale
        self.domain = domain
        self._catalogs: dict[str, gettext.NullTranslations] = {}
        self._available: list[str] | None = None

    # -- catalogs ---------------------------------------------------------

    def available_locales(self) -> list[str]:
        """Locale identifiers (``zh_CN``, ``en``) this translator can render."""
        if self._available is None:
            found = {self.default_locale, SOURCE_LOCALE}
            if self.locales_dir.is_dir():
                for child in self.locales_dir.iterdir():
                    if (child / "LC_MESSAGES" / f"{self.domain}.mo").is_file():
                        found.add(child.name)
            self._available = sorted(found)
        return list(self._available)

    def catalog(self, locale: str) -> gettext.NullTranslations:
        """The compiled catalog for `locale` (a no-op catalog if there is none)."""
        cached = self._catalogs.get(locale)
        if cached is not None:
            return cached
        path = self.locales_dir / locale / "LC_MESSAGES" / f"{self.domain}.mo"
        catalog: gettext.NullTranslations
        if path.is_file():
            with path.open("rb") as fh:
                catalog = gettext.GNUTranslations(fh)
        else:
            catalog = gettext.NullTranslations()
        self._catalogs[locale] = catalog
        return catalog

    def reload(self) -> None:
        """Forget cached catalogs (after `bot.i18n_tools.compile()`)."""
        self._catalogs.clear()
        self._available = None

    def gettext(self, key: str, locale: str) -> str:
        """The translated template for `key`, or `key` itself if untranslated."""
        if not key:  # gettext("") would return the catalog's header
            return key
        return self.catalog(self._resolve(locale)).gettext(key)

    # -- rendering --------------------------------------------------------

    def render(self, msg: Msg | str, locale: str | None, *, html: bool = False) -> str:
        """Render `msg` in `locale` (any Telegram language code is accepted).

        A bare ``str`` is treated as already-final text (escaped if `html`).
        """
        locale = self._resolve(locale)
        if not isinstance(msg, Msg):
            text = str(msg)
            return _html.escape(text) if html else text
        text = self._render(msg, locale, html)
        return _SPACE_AFTER_FULL_WIDTH.sub("", text) if locale.startswith("zh") else text

    def _render(self, msg: Msg, locale: str, html: bool) -> str:
        values: dict[str, Any] = {}
        for name, value in msg.params.items():
            if isinstance(value, Msg):
                values[name] = _Safe(self._render(value, locale, html))
            else:
                values[name] = value
        formatter = _MsgFormatter(html)
        template = self.gettext(msg.key, locale)
        try:
            return formatter.vformat(template, (), values)
        except (KeyError, IndexError, ValueError, AttributeError) as exc:
            if template == msg.key:
                raise
            # A broken translation must not swallow the message: say it in English.
            log.warning("bad %s translation of %r: %r; using the source text", locale, msg.key, exc)
            return formatter.vformat(msg.key, (), values)

    # -- negotiation ------------------------------------------------------

    def negotiate(self, language_code: str | None) -> str:
        """Map a Telegram ``language_code`` (IETF tag) to an available locale.

        ``"zh-hans"``, ``"zh-CN"``, ``"zh"`` -> ``zh_CN``; ``"en-US"`` -> ``en``;
        ``None`` or a language without a catalog -> the default locale.
        """
        available = self.available_locales()
        if not language_code or not language_code.strip():
            return self.default_locale
        tag = language_code.strip().replace("-", "_")
        candidates = _candidates(tag)
        match = negotiate_locale(candidates, available, aliases=LOCALE_ALIASES)
        if match:
            return _canonical(match, available)
        # Same language, other territory/script (zh_TW asked, zh_CN available).
        language = candidates[-1].lower()
        same_language = [a for a in available if _language_of(a) == language]
        if same_language:
            return self.default_locale if self.default_locale in same_language else same_language[0]
        return self.default_locale

    def _resolve(self, locale: str | None) -> str:
        if locale and locale in self.available_locales():
            return locale
        return self.negotiate(locale)


def _candidates(tag: str) -> list[str]:
    """Locale identifiers to try for `tag`, most specific first, language last."""
    parts = tag.split("_")
    language = parts[0].lower()
    candidates = [tag]
    try:
        parsed = Locale.parse(tag)
    except (UnknownLocaleError, ValueError, TypeError):
        parsed = None
    if parsed is not None:
        territory = parsed.territory
        if territory is None:
            # zh_Hans -> zh_Hans_CN -> territory CN
            likely = get_global("likely_subtags").get(str(parsed)) or get_global("likely_subtags").get(
                parsed.language
            )
            if likely:
                try:
                    territory = Locale.parse(likely).territory
                except (UnknownLocaleError, ValueError):
                    territory = None
        if territory:
            candidates.append(f"{parsed.language}_{territory}")
        language = parsed.language
    candidates.append(language)
    return list(dict.fromkeys(candidates))


def _canonical(match: str, available: Iterable[str]) -> str:
    """`negotiate_locale` returns the preferred spelling; give the available one."""
    by_lower: Mapping[str, str] = {a.lower(): a for a in available}
    return by_lower.get(match.lower(), match)


def _language_of(identifier: str) -> str:
    return identifier.replace("-", "_").split("_")[0].lower()
