"""In-memory stand-ins for the storage ports, so dialog tests run without a database.

They keep real state and follow the same contracts as storage/ (whose
integration tests check those contracts on SQLite and PostgreSQL).
"""

from __future__ import annotations

import copy
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime

from handlers.domain.model import (ERASED_PREFIX, Account, Cadre, CadreRole, CardTries, Complaint, ContactCard,
                                   Enterprise, Grant, GroupBinding, InviteRefusal, OrgUnit, Refused, ReporterProfile,
                                   Role, Ticket, Unbound)
from handlers.domain.events import EventKind
from handlers.domain.lifecycle import OPEN
from handlers.domain.routing import walk_up
from handlers.ports import ConversationState
from handlers.seam import Reply


@dataclass
class FakeStore:
    accounts: dict[int, Account] = field(default_factory=dict)
    units: dict[int, OrgUnit] = field(default_factory=dict)
    cadres: dict[int, Cadre] = field(default_factory=dict)
    enterprises: dict[int, Enterprise] = field(default_factory=dict)
    invites: dict[str, int | tuple[int, datetime, bool]] = field(default_factory=dict)  # token -> cadre (_Invites)
    cards: dict[int, ContactCard] = field(default_factory=dict)
    card_tries: dict[tuple[int, int], CardTries] = field(default_factory=dict)
    tickets: dict[int, Ticket] = field(default_factory=dict)
    conversations: dict[tuple[str, int], ConversationState] = field(default_factory=dict)
    seen: set[tuple[str, int]] = field(default_factory=set)
    counter: dict[int, int] = field(default_factory=dict)
    profiles: dict[int, ReporterProfile] = field(default_factory=dict)
    complaints: list[tuple] = field(default_factory=list)
    outbox: list[Reply] = field(default_factory=list)
    held: list = field(default_factory=list)  # HeldLines a sweep keeps until its pass ends
    bindings: dict[tuple[str, int], GroupBinding] = field(default_factory=dict)
    digest_claims: set[tuple[str, str, datetime]] = field(default_factory=set)
    grants: set[Grant] = field(default_factory=set)
    unit_settings: dict[tuple[int, str], object] = field(default_factory=dict)

    def grant(self, cadre_id: int, role: Role, org_unit_id: int | None = None) -> None:
        """Give a cadre a role, on their own unit unless another is named (a test's set-up)."""
        self.grants.add(Grant(cadre_id, role, org_unit_id or self.cadres[cadre_id].org_unit_id))


class FakeUnitOfWork:
    """Works on a copy of the store: commit() publishes it, leaving without commit drops it."""

    def __init__(self, store: FakeStore) -> None:
        self._store = store

    def __enter__(self) -> FakeUnitOfWork:
        s = self.s = copy.deepcopy(self._store)
        self.accounts, self.directory, self.tickets = _Accounts(s), _Directory(s), _Tickets(s)
        self.enterprises = _Enterprises(s)
        self.conversations, self.invites, self.seen_updates = _Conversations(s), _Invites(s), _Seen(s)
        self.contact_cards = _ContactCards(s)
        self.reporter_profiles, self.complaints = _Profiles(s), _Complaints(s)
        self.outbox, self.groups, self.privacy = _Outbox(s), _Groups(s), _Privacy(s)
        self.roster, self.unit_settings = _Roster(s), _UnitSettings(s)
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def commit(self) -> None:
        self._store.__dict__.update(copy.deepcopy(self.s).__dict__)

    @contextmanager
    def savepoint(self):
        before = copy.deepcopy(self.s)
        try:
            yield
        except BaseException:
            self.s.__dict__.update(before.__dict__)  # the repositories share self.s: restore it in place
            raise


class _Part:
    def __init__(self, s: FakeStore) -> None:
        self.s = s


class _Accounts(_Part):
    def get_or_create(self, platform, user_id, chat_id, locale, display_name):
        for account in self.s.accounts.values():
            if (account.platform, account.user_id) == (platform, user_id):
                return account
        account = Account(len(self.s.accounts) + 1, platform, user_id, chat_id, locale, display_name)
        self.s.accounts[account.id] = account
        return account

    def find(self, platform, user_id):
        return next((a for a in self.s.accounts.values() if (a.platform, a.user_id) == (platform, user_id)), None)

    def get(self, account_id):
        return self.s.accounts.get(account_id)

    def get_many(self, account_ids):
        return {i: self.s.accounts[i] for i in account_ids if i in self.s.accounts}

    def set_locale(self, account_id, locale):
        self.s.accounts[account_id].locale = locale


class _Directory(_Part):
    def org_unit(self, i): return self.s.units.get(i)

    def lineage(self, i): return walk_up(self.s.units.get, i)

    def children(self, i): return [u for u in self.s.units.values() if u.parent_id == i]
    def roots(self): return [u for u in self.s.units.values() if u.parent_id is None]
    def cadre(self, i): return self.s.cadres.get(i)
    def units_named(self, name): return [u for u in self.s.units.values() if u.name == name.strip()]
    def enterprise(self, i): return self.s.enterprises.get(i)
    def org_units(self, ids): return {i: self.s.units[i] for i in ids if i in self.s.units}
    def cadres(self, ids): return {i: self.s.cadres[i] for i in ids if i in self.s.cadres}

    def cadre_by_account(self, account_id):
        return next((c for c in self.s.cadres.values() if c.account_id == account_id), None)

    def _working(self):
        return [c for c in sorted(self.s.cadres.values(), key=lambda c: c.id) if not c.disabled]

    def grid_worker(self, grid_id):
        return next((c for c in self._working() if c.org_unit_id == grid_id and c.role is CadreRole.GRID_WORKER), None)

    def cadres_in(self, org_unit_id, role):
        return [c for c in self._working() if c.org_unit_id == org_unit_id and c.role == role]

    def admins(self):
        return [c for c in self._working() if any(g.cadre_id == c.id and g.role == Role.ADMIN for g in self.s.grants)]

    def grants_of(self, cadre_id):
        return sorted((g for g in self.s.grants if g.cadre_id == cadre_id), key=lambda g: (g.role, g.org_unit_id))

    def holders(self, role, org_unit_ids):
        return [c for c in self._working()
                if any(g.cadre_id == c.id and g.role == role and g.org_unit_id in org_unit_ids for g in self.s.grants)]

    def search_cadres(self, text, limit):
        return [c for c in self._working()
                if text in c.name or text in self.s.units[c.org_unit_id].name][:limit]

    def enterprise_by_code(self, code):
        return next((e for e in self.s.enterprises.values() if e.credit_code == code), None)

    def search_enterprises(self, part, limit):
        return [e for e in self.s.enterprises.values() if part.lower() in e.name.lower()][:limit]


class _Enterprises(_Part):
    def add(self, name, credit_code, grid_id):
        enterprise = Enterprise(max(self.s.enterprises, default=0) + 1, name, credit_code, grid_id, None)
        self.s.enterprises[enterprise.id] = enterprise
        return enterprise

    def set_baolian(self, enterprise_id, cadre_id):
        self.s.enterprises[enterprise_id] = replace(self.s.enterprises[enterprise_id], assigned_cadre_id=cadre_id)


class _Tickets(_Part):
    def next_number(self, year):
        self.s.counter[year] = self.s.counter.get(year, 0) + 1
        return f"LX-{year}-{self.s.counter[year]:06d}"

    def add(self, ticket):
        ticket.id = len(self.s.tickets) + 1
        return self._store(ticket)

    def get(self, ticket_id):
        return copy.deepcopy(self.s.tickets.get(ticket_id))

    def get_many(self, ticket_ids):
        return [copy.deepcopy(self.s.tickets[i]) for i in sorted(ticket_ids) if i in self.s.tickets]

    def save(self, ticket):
        self._store(ticket)

    def save_plans(self, tickets):
        for ticket in tickets:
            stored = self.s.tickets[ticket.id]
            stored.events.extend(copy.deepcopy(ticket.new_events))
            stored.next_action_at, stored.ladder_step, stored.due_at = ticket.next_action_at, ticket.ladder_step, ticket.due_at
            ticket.new_events.clear()

    def by_number(self, number):
        return next((copy.deepcopy(t) for t in self.s.tickets.values() if t.number == number), None)

    def page_for_owner(self, cadre_id, statuses, offset, limit):
        found = sorted((t for t in self.s.tickets.values() if t.owner_cadre_id == cadre_id and t.status in statuses),
                       key=lambda t: (t.created_at, t.id))
        return copy.deepcopy(found[offset:offset + limit]), len(found)

    def open_owned(self, cadre_id, enterprise_id=None):
        found = sorted((t for t in self.s.tickets.values() if t.owner_cadre_id == cadre_id and t.status in OPEN
                        and (enterprise_id is None or t.enterprise_id == enterprise_id)),
                       key=lambda t: (t.created_at, t.id))
        return [t.id for t in found]

    def provisional_open(self):
        return sorted(t.id for t in self.s.tickets.values() if t.status in OPEN
                      and any(e.kind == EventKind.DEADLINES_PROVISIONAL for e in t.events))

    def resolved_before(self, cutoff, limit):
        return sorted(t.id for t in self.s.tickets.values() if t.status == "resolved"
                      and t.resolved_at is not None and t.resolved_at <= cutoff)[:limit]

    def page_for_reporter(self, account_id, offset, limit, statuses=None):
        found = sorted((t for t in self.s.tickets.values() if t.reporter_account_id == account_id
                        and (statuses is None or t.status in statuses)),
                       key=lambda t: (t.created_at, t.id), reverse=True)
        return copy.deepcopy(found[offset:offset + limit]), len(found)

    def claim_actions_due(self, now, limit):
        due = [t for t in self.s.tickets.values() if t.next_action_at is not None and t.next_action_at <= now]
        return [t.id for t in sorted(due, key=lambda t: (t.next_action_at, t.owner_cadre_id, t.id))][:limit]

    def linked_to(self, ticket_id):
        return [copy.deepcopy(t) for t in sorted(self.s.tickets.values(), key=lambda t: t.id)
                if t.linked_to_id == ticket_id]

    def revisits_due(self, now, limit):
        due = [t for t in self.s.tickets.values() if t.revisit_at is not None and t.revisit_at <= now]
        return [t.id for t in sorted(due, key=lambda t: (t.revisit_at, t.id))][:limit]

    def _store(self, ticket):
        ticket.new_events.clear()
        self.s.tickets[ticket.id] = copy.deepcopy(ticket)
        return ticket


class _Conversations(_Part):
    def load(self, platform, chat_id):
        return copy.deepcopy(self.s.conversations.get((platform, chat_id), ConversationState(platform, chat_id)))

    def save(self, state):
        self.s.conversations[(state.platform, state.chat_id)] = copy.deepcopy(state)


class _Roster(_Part):
    def add(self, name, role, org_unit_id, phone):
        cadre = Cadre(max(self.s.cadres, default=0) + 1, name, CadreRole(role), org_unit_id, phone)
        self.s.cadres[cadre.id] = cadre
        return cadre

    def disable(self, cadre_id, at):
        self.s.cadres[cadre_id] = replace(self.s.cadres[cadre_id], disabled=True, account_id=None)

    def set_duty(self, org_unit_id, cadre_id):
        self.s.units[org_unit_id] = replace(self.s.units[org_unit_id], duty_cadre_id=cadre_id)

    def grant(self, grant, by_cadre_id, at):
        held = grant in self.s.grants
        self.s.grants.add(grant)
        return not held

    def revoke(self, grant):
        held = grant in self.s.grants
        self.s.grants.discard(grant)
        return held


class _UnitSettings(_Part):
    def of(self, org_unit_ids, key):
        return {unit: value for (unit, k), value in self.s.unit_settings.items() if k == key and unit in org_unit_ids}

    def everywhere(self, key):
        return {unit: value for (unit, k), value in sorted(self.s.unit_settings.items()) if k == key}

    def put(self, org_unit_id, key, value, by_cadre_id, at):
        self.s.unit_settings[(org_unit_id, key)] = copy.deepcopy(value)

    def remove(self, org_unit_id, key):
        return self.s.unit_settings.pop((org_unit_id, key), None) is not None


class _Invites(_Part):
    """Tokens -> (cadre id, expiry, used); an invite given as a bare cadre id never expires."""

    def redeem(self, token: str, account_id: int, now: datetime):
        invite = self.s.invites.get(token)
        if invite is None:
            return Refused(InviteRefusal.UNKNOWN)
        cadre_id, expires, used = invite if isinstance(invite, tuple) else (invite, None, False)
        cadre = self.s.cadres[cadre_id]
        if used:
            return cadre if cadre.account_id == account_id else Refused(InviteRefusal.USED, cadre)
        other = next((c for c in self.s.cadres.values() if c.account_id == account_id and c.id != cadre_id), None)
        if other is not None:
            return Refused(InviteRefusal.OTHER_CADRE, other)
        if expires is not None and expires <= now:
            return Refused(InviteRefusal.EXPIRED, cadre, expires)
        self.s.invites[token] = (cadre_id, expires, True)
        self.s.cadres[cadre_id] = replace(cadre, account_id=account_id)
        return self.s.cadres[cadre_id]

    def issue(self, cadre_id, now, ttl):
        token = f"invite{len(self.s.invites) + 1}"
        self.s.invites[token] = (cadre_id, now + ttl, False)
        return token

    def unbound_under(self, org_unit_id, now):
        units = _subtree(self.s, org_unit_id)
        found = []
        for cadre in sorted(self.s.cadres.values(), key=lambda c: (self.s.units[c.org_unit_id].name, c.name, c.id)):
            if cadre.org_unit_id in units and cadre.account_id is None and not cadre.disabled:
                live = [i[1] for i in self.s.invites.values()
                        if isinstance(i, tuple) and i[0] == cadre.id and not i[2] and i[1] > now]
                found.append(Unbound(cadre, self.s.units[cadre.org_unit_id].name, max(live, default=None)))
        return found


def _subtree(s: FakeStore, org_unit_id: int) -> set[int]:
    units, grown = {org_unit_id}, True
    while grown:
        more = {u.id for u in s.units.values() if u.parent_id in units} - units
        units |= more
        grown = bool(more)
    return units


class _ContactCards(_Part):
    def of_enterprise(self, enterprise_id):
        return next((c for c in self.s.cards.values() if c.enterprise_id == enterprise_id), None)

    def enterprises_under(self, org_unit_id):
        units = _subtree(self.s, org_unit_id)
        return sorted((e for e in self.s.enterprises.values() if e.grid_id in units), key=lambda e: e.name)

    def add(self, enterprise_id, token, code, at):
        card = ContactCard(len(self.s.cards) + 1, enterprise_id, token, code)
        self.s.cards[card.id] = card
        return card

    def by_token(self, token):
        return next((c for c in self.s.cards.values() if c.token == token), None)

    def tries(self, card_id, account_id):
        return self.s.card_tries.get((card_id, account_id), CardTries())

    def set_tries(self, card_id, account_id, tries):
        self.s.card_tries[(card_id, account_id)] = tries


class _Seen(_Part):
    def first_time(self, platform, update_id):
        if (platform, update_id) in self.s.seen:
            return False
        self.s.seen.add((platform, update_id))
        return True


class _Profiles(_Part):
    def get(self, account_id):
        return self.s.profiles.get(account_id)

    def save(self, profile):
        self.s.profiles[profile.account_id] = profile

    def contact_of(self, enterprise_id):
        theirs = [p for p in self.s.profiles.values() if p.enterprise_id == enterprise_id]  # in the order first saved
        bound = sorted((p for p in theirs if p.bound_at is not None), key=lambda p: p.bound_at, reverse=True)
        return next(iter(bound + theirs), None)


class _Complaints(_Part):
    def add(self, complainant_account_id, cadre_id, org_unit_id, text, at, ticket_id=None):
        self.s.complaints.append((complainant_account_id, cadre_id, org_unit_id, text, at))
        return len(self.s.complaints)

    def filed_by(self, account_id):
        return [Complaint(i, c[0], c[1], c[2], c[3], at=c[4]) for i, c in enumerate(self.s.complaints, start=1)
                if c[0] == account_id]


class _Privacy(_Part):
    """Erasure on the fakes. The outbox stays as it is: here it is the record of what each chat was
    sent (tests read their chats from it), not a queue."""

    def scrub_history(self, ticket_ids, account, keys):
        for ticket_id in ticket_ids:
            for event in self.s.tickets[ticket_id].events:
                if event.actor_account_id == account.id:
                    event.data.update({key: [] if isinstance(event.data[key], list) else ""
                                       for key in keys if key in event.data})

    def erase_complaints(self, account_id):
        ids = [i for i, c in enumerate(self.s.complaints, start=1) if c[0] == account_id]
        for i in ids:
            self.s.complaints[i - 1] = (*self.s.complaints[i - 1][:3], "", self.s.complaints[i - 1][4])
        return ids

    def forget_reporter(self, account, ticket_ids, complaint_ids, photos):
        self.s.profiles.pop(account.id, None)
        self._forget_chat(account)

    def duties_of(self, cadre_id):
        units = [u.name for u in self.s.units.values() if u.duty_cadre_id == cadre_id]
        return units, sum(e.assigned_cadre_id == cadre_id for e in self.s.enterprises.values())

    def forget_cadre(self, cadre_id, placeholder):
        cadre = self.s.cadres[cadre_id] = replace(self.s.cadres[cadre_id], name=placeholder, phone="")
        self.s.grants = {g for g in self.s.grants if g.cadre_id != cadre_id}
        self.s.invites = {token: i for token, i in self.s.invites.items()
                          if (i[0] if isinstance(i, tuple) else i) != cadre_id}
        if cadre.account_id in self.s.accounts:
            self._forget_chat(self.s.accounts[cadre.account_id])

    def _forget_chat(self, account):
        self.s.conversations.pop((account.platform, account.chat_id), None)
        erased = f"{ERASED_PREFIX}{account.id}"
        self.s.accounts[account.id] = replace(account, user_id=erased, chat_id=erased, display_name="")


class _Groups(_Part):
    def bind(self, binding, cadre_id, at):
        self.s.bindings[(binding.platform, binding.chat_id)] = binding

    def unbind(self, platform, chat_id):
        return self.s.bindings.pop((platform, chat_id), None) is not None

    def binding(self, platform, chat_id):
        return self.s.bindings.get((platform, chat_id))

    def bindings(self):
        return list(self.s.bindings.values())

    def claim_digest(self, target, period, start, at):
        claimed = (target, period, start) not in self.s.digest_claims
        self.s.digest_claims.add((target, period, start))
        return claimed


class _Outbox(_Part):
    def put(self, replies, lane):
        self.s.outbox.extend(replies)

    def hold(self, lines):
        self.s.held.extend(lines)

    def take_held(self):
        taken, self.s.held = self.s.held, []
        return taken
