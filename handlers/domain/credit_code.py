"""统一社会信用代码 (unified social credit code), GB 32100-2015.

18 characters: registration authority (1), entity type (1), region code (6),
organisation code (9), check character (1). The alphabet leaves out I, O, Z, S, V
so the code cannot be misread; the check character is a weighted sum mod 31.
"""

from __future__ import annotations

import re
from enum import StrEnum

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_SHAPE = re.compile(rf"^[{ALPHABET}]{{18}}$")


class CodeProblem(StrEnum):
    SHAPE = "shape"  # not 18 characters of the code's alphabet
    CHECK = "check"  # well-formed, but the check character is wrong


def normalize(text: str) -> str:
    return text.strip().upper().replace(" ", "")


def looks_like_code(text: str) -> bool:
    """True when the user was evidently typing a code rather than a name."""
    cleaned = normalize(text)
    return len(cleaned) >= 15 and all(ch.isascii() and ch.isalnum() for ch in cleaned)


_VALUE = {ch: value for value, ch in enumerate(ALPHABET)}  # a dict, not ALPHABET.index: an import checks 100,000


def check_character(first17: str) -> str:
    total = sum(_VALUE[ch] * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def problem_with(code: str) -> CodeProblem | None:
    """None when `code` (already normalized) is a valid credit code."""
    if not _SHAPE.match(code):
        return CodeProblem.SHAPE
    if check_character(code[:17]) != code[17]:
        return CodeProblem.CHECK
    return None
