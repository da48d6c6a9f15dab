"""Leader groups (领导群): an admin binds a group chat to an org unit with `/bind <unit>`, and
the group gets that unit's 周通报 every week and 月报告 every month (handlers.digest.push).

In a group the bot hears only /bind, /unbind, /digest and /help, and only from cadres it knows:
a group somebody else added it to stays silent, whatever is said there. Everything is
checked against the database (handlers.authority): the sender's admin role, and that the unit
lies in the admin's own part of the tree.
"""

from __future__ import annotations

from collections.abc import Callable

from handlers import digest
from handlers.authority import admin_of, administers, own_part, unit_under
from handlers.domain.model import Cadre, GroupBinding
from handlers.messages import Msg, t
from handlers.seam import Address, Incoming, Reply
from handlers.turn import Work

BIND, UNBIND, HELP = "bind", "unbind", "help"
GROUP_HELP = t("In this group:\n/digest this group's unit: last week's figures (/digest month for last month)\n"
               "/bind 新村镇 follow a unit's digests here (admins)\n/unbind stop them (admins)")
Say = Callable[[Msg], None]


def handle(work: Work, incoming: Incoming, locale: str) -> None:
    """One message in a group; `locale` is the language the group is answered in."""
    if incoming.command not in (BIND, UNBIND, HELP, digest.COMMAND):
        return
    account = work.uow.accounts.find(incoming.platform, incoming.user_id)
    cadre = work.uow.directory.cadre_by_account(account.id) if account else None
    if cadre is None or account is None:
        return  # strangers get nothing, not even a refusal: the bot does not talk in their group

    def say(text: Msg) -> None:
        work.replies.append(Reply(Address(incoming.platform, incoming.chat_id), locale, text))

    is_admin = admin_of(work.uow.directory, account.id) is not None
    if incoming.command == HELP:
        say(GROUP_HELP)
    elif incoming.command == digest.COMMAND:
        _digest(work, incoming, is_admin, locale, say)
    elif not is_admin or _bound_elsewhere(work, incoming, cadre, say):
        return
    elif incoming.command == BIND:
        _bind(work, incoming, cadre, say)
    elif work.uow.groups.unbind(incoming.platform, incoming.chat_id):
        say(t("This group no longer gets digests."))
    else:
        say(t("This group was not bound to a unit."))


def _bound_elsewhere(work: Work, incoming: Incoming, admin: Cadre, say: Say) -> bool:
    """A group bound to a unit outside this admin's part of the tree is its own admins' to change."""
    binding = work.uow.groups.binding(incoming.platform, incoming.chat_id)
    if binding is None or administers(work.uow.directory, admin, binding.org_unit_id):
        return False
    unit = work.uow.directory.org_unit(binding.org_unit_id)
    say(t("This group follows {unit}, outside {home}: only an admin of {unit} can change that.",
          unit=unit.name if unit else "", home=own_part(work.uow.directory, admin)))
    return True


def _bind(work: Work, incoming: Incoming, admin: Cadre, say: Say) -> None:
    name = incoming.args.strip()
    if not name:
        say(t("Which unit should this group follow? For example: /bind 城关街道"))
        return
    unit = unit_under(work.uow.directory, admin, name)
    if unit is None:
        say(t("No unit named “{name}” in {home} or below. Check the name and send /bind again.",
              name=name, home=own_part(work.uow.directory, admin)))
        return
    binding = GroupBinding(incoming.platform, incoming.chat_id, unit.id, incoming.chat_title)
    work.uow.groups.bind(binding, admin.id, work.now)
    say(t("This group now follows {unit}: its 周通报 every week and its 月报告 every month. "
          "/digest shows last week's now.", unit=unit.name))


def _digest(work: Work, incoming: Incoming, is_admin: bool, locale: str, say: Say) -> None:
    binding = work.uow.groups.binding(incoming.platform, incoming.chat_id)
    if binding is None:
        if is_admin:
            say(t("This group follows no unit yet: send /bind followed by the unit's name."))
        return
    asked = digest.requested(work, incoming.args)
    if isinstance(asked, Msg):
        say(asked)
        return
    start, end, monthly = asked
    work.replies.append(digest.for_group(work, binding, locale, monthly, period=(start, end)))
