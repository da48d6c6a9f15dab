"""Translatable messages as values: the core says *what* to tell, the shell says it.

`t("Ticket {number} accepted", number=...)` marks the English source text for
extraction (Babel keyword `t`) and returns a `Msg`; the shell looks the text up
in the recipient's catalog and fills in the parameters. Parameters may be other
`Msg` values (a category name, a role), rendered in the same locale.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Msg:
    key: str
    params: dict[str, Any] = field(default_factory=dict)

    def __hash__(self) -> int:  # params is a dict; identity by key is enough for sets
        return hash(self.key)


def t(key: str, **params: Any) -> Msg:
    """Mark `key` (English, with `{name}` placeholders) for translation."""
    return Msg(key, params)


def plain(text: str) -> Msg:
    """Text that must not be translated (a name, a ticket number), as a Msg."""
    return Msg("{text}", {"text": text})
