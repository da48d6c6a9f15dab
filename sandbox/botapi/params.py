"""Bot API request parameters, however the client encoded them.

Telegram accepts the query string, JSON bodies, urlencoded forms and multipart
forms. In form encodings every value is a string (PTB and aiogram send numbers
as "123", booleans as "true" and objects such as reply_markup as JSON text), so
the typed getters below coerce the way Telegram does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .errors import bad_request


@dataclass(frozen=True)
class Upload:
    """A file sent in a multipart body."""

    data: bytes
    filename: str | None
    content_type: str | None


async def read_params(request: web.Request) -> Params:
    """Merge the query string and the body (JSON, urlencoded or multipart) into Params."""
    values: dict[str, Any] = dict(request.query)
    if request.method == "POST" and request.can_read_body:
        content_type = request.content_type
        if content_type == "application/json":
            values.update(await _json_body(request))
        elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            values.update(await _form_body(request))
    return Params(values)


async def _json_body(request: web.Request) -> dict[str, Any]:
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise bad_request("can't parse JSON object") from None
    if not isinstance(body, dict):
        raise bad_request("JSON object expected")
    return body


async def _form_body(request: web.Request) -> dict[str, Any]:
    form = await request.post()
    values: dict[str, Any] = {}
    for key, value in form.items():
        if isinstance(value, web.FileField):
            values[key] = Upload(value.file.read(), value.filename, value.content_type)
        else:
            values[key] = value
    return values


class Params:
    """Typed access to request parameters; missing optional values read as None."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def __contains__(self, name: str) -> bool:
        return self.values.get(name) not in (None, "")

    def raw(self, name: str) -> Any:
        return self.values.get(name)

    def loggable(self) -> dict[str, Any]:
        """Parameters for the call log, with uploads summarised instead of inlined."""
        out: dict[str, Any] = {}
        for key, value in self.values.items():
            if isinstance(value, Upload):
                out[key] = f"<upload {value.filename or key}: {len(value.data)} bytes>"
            else:
                out[key] = value
        return out

    def str(self, name: str, *, required: str | None = None) -> str | None:
        """The value as text; `required` is the error description used when it is missing."""
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(required)
            return None if value is None else ""
        if isinstance(value, Upload):
            return value.data.decode("utf-8", "replace")
        if isinstance(value, (dict, list)):
            return json.dumps(value, ensure_ascii=False)
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    def int(self, name: str, *, required: str | None = None, default: int | None = None) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(required)
            return default
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        try:
            return int(str(value).strip())
        except ValueError:
            raise bad_request(f"invalid {name} specified") from None

    def float(self, name: str, *, required: str | None = None) -> float | None:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(required)
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def bool(self, name: str) -> bool:
        value = self.values.get(name)
        if isinstance(value, str):
            return value.strip().lower() in ("true", "1", "yes", "on")
        return bool(value)

    def json(self, name: str, *, error: str | None = None) -> Any:
        """A nested object: native in JSON bodies, JSON text in form bodies."""
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(error or f"can't parse {name} JSON object") from None
        return value

    def chat_id(self) -> int | str:
        """chat_id as int, or "@username" text (which this server cannot resolve)."""
        value = self.values.get("chat_id")
        if value is None or value == "":
            raise bad_request("chat_id is empty")
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        text = str(value).strip()
        try:
            return int(text)
        except ValueError:
            return text
