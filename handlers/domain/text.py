"""What people type, made safe to keep: cleaned once, where an event enters the core.

Control characters (NUL among them: PostgreSQL refuses it in text) are dropped, line
breaks and tabs kept. A text of nothing but invisible characters (zero-width spaces,
direction marks, controls, blanks) is no text at all. Format characters inside real text
stay: a zero-width joiner holds an emoji family together.
"""

from __future__ import annotations

import unicodedata

KEPT_CONTROLS = frozenset("\n\t")


def clean(text: str | None) -> str | None:
    """`text` without control characters; None if nothing visible is left (or it was None)."""
    if text is None:
        return None
    kept = "".join(c for c in text if c in KEPT_CONTROLS or unicodedata.category(c) != "Cc")
    return kept if any(_visible(c) for c in kept) else None


def _visible(char: str) -> bool:
    return not char.isspace() and unicodedata.category(char) not in ("Cc", "Cf", "Zs", "Zl", "Zp")
