"""Bot API errors with Telegram's own status codes and descriptions.

Bots branch on these strings (PTB maps them to exception classes, aiogram too),
so the wording matches what api.telegram.org returns wherever it is known.
"""

from __future__ import annotations


class BotApiError(Exception):
    """A failed Bot API call: becomes {"ok": false, "error_code", "description"}."""

    def __init__(self, status: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def to_json(self) -> dict:
        body: dict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(detail: str) -> BotApiError:
    """400 with Telegram's "Bad Request: " prefix."""
    return BotApiError(400, f"Bad Request: {detail}")


def forbidden(detail: str) -> BotApiError:
    return BotApiError(403, f"Forbidden: {detail}")


def unauthorized() -> BotApiError:
    return BotApiError(401, "Unauthorized")


def not_found() -> BotApiError:
    return BotApiError(404, "Not Found")


def conflict(detail: str) -> BotApiError:
    return BotApiError(409, f"Conflict: {detail}")


def too_many_requests(retry_after: int) -> BotApiError:
    return BotApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)


CHAT_NOT_FOUND = "chat not found"
TEXT_EMPTY = "message text is empty"
TEXT_TOO_LONG = "message is too long"
CAPTION_TOO_LONG = "message caption is too long"
BUTTON_DATA_INVALID = "BUTTON_DATA_INVALID"
EDIT_NOT_FOUND = "message to edit not found"
DELETE_NOT_FOUND = "message to delete not found"
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
CANT_INITIATE = "bot can't initiate conversation with a user"
BLOCKED = "bot was blocked by the user"
QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"
WRONG_FILE_ID = "wrong file identifier/HTTP URL specified"
WEBHOOK_ACTIVE = "can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
TERMINATED = "terminated by other getUpdates request; make sure that only one bot instance is running"
