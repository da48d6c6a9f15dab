"""Button payloads: short typed strings that carry ids, never authority.

Every press is re-checked against the database by the core. Telegram allows
1-64 bytes of callback data; `pack` refuses anything longer so a bad button
fails in tests, not in front of a user.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_BYTES = 64
SEP = ":"


class PayloadError(ValueError):
    pass


@dataclass(frozen=True)
class Payload:
    kind: str  # "c" a choice in a dialog step, "t" an action on a ticket, "r" a rating
    name: str  # the step, or the ticket action
    value: str  # the chosen value, or the ticket id

    def pack(self) -> str:
        packed = SEP.join((self.kind, self.name, self.value))
        if len(packed.encode()) > MAX_BYTES:
            raise PayloadError(f"payload over {MAX_BYTES} bytes: {packed!r}")
        return packed


def choice(step: str, value: str | int) -> str:
    return Payload("c", step, str(value)).pack()


def ticket_action(action: str, ticket_id: int) -> str:
    return Payload("t", action, str(ticket_id)).pack()


def rating(stars: int, ticket_id: int) -> str:
    return Payload("r", str(stars), str(ticket_id)).pack()


def pick(cadre_id: int, ticket_id: int = 0) -> str:
    """A cadre chosen from search results (for a hand-over, a 会商, a 举报; 0: no ticket)."""
    return Payload("h", str(cadre_id), str(ticket_id)).pack()


def finding(value: str, complaint_id: int) -> str:
    """A supervisor's finding on a 举报 ("upheld" / "not_upheld")."""
    return Payload("k", value, str(complaint_id)).pack()


def unpack(data: str) -> Payload:
    parts = data.split(SEP, 2)
    if len(parts) != 3 or not all(parts[:2]):
        raise PayloadError(f"not a Lianxin payload: {data!r}")
    return Payload(*parts)
