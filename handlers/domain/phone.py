"""Phone numbers as reporters type or share them, validated with libphonenumber.

libphonenumber is imported when the first number is checked, not when the bot starts: only
the report dialog's last step needs it, and its metadata costs the start-up about 20 ms.
"""

from __future__ import annotations

DEFAULT_REGION = "CN"


def normalize_phone(text: str) -> str | None:
    """E.164 form ("+8613812345678") of a valid number, or None."""
    import phonenumbers

    try:
        number = phonenumbers.parse(text.strip(), DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
