"""/admin: an admin runs their part of the org tree from a private chat.

`/admin` alone lists what an admin can do; each action is a subcommand with its arguments
(`/admin duty 新村镇 赵主任`), so there are no buttons whose payload could claim anything.
Every subcommand asks handlers.authority, against the database, whether this account holds the
admin role over the unit, cadre or enterprise it names: one outside the admin's own subtree is
refused with a sentence naming the admin's own units, a person who is no admin gets one sentence.
What was typed wrong is said, with the subcommand's usage again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from handlers.authority import admin_of, administers, own_part, unit_under
from handlers.domain.deadlines import POLICIES
from handlers.domain.errors import DomainError
from handlers.domain.labels import ROLE_LABELS
from handlers.domain.model import Cadre, CadreRole, Enterprise, Grant, OrgUnit, Role
from handlers.domain.phone import normalize_phone
from handlers.domain.routing import duty_cadre_for
from handlers.domain.webhooks import PATHS, SIGNED, robot_name, webhook_token
from handlers.messages import Msg, plain, t
from handlers.reassign import MoveBaolian, Why, hand_over, move_baolian
from handlers.router import Router
from handlers.seam import start_link
from handlers.services import account_of, role_label
from handlers.turn import Turn
from handlers.unit_settings import POLICY, ROBOTS

COMMAND = "admin"
INVITE_VALID = timedelta(days=7)  # as `lianxin cadre invite`'s default
CANDIDATES_SHOWN = 8  # cadres listed when a name is ambiguous

router = Router("admin")

NOT_ADMIN = t("/admin is for administrators, and your account holds no admin role. Your office's administrator "
              "can give you one.")
# What people type for a cadre's post and for a role (the enum values work too).
POSTS = {"网格员": CadreRole.GRID_WORKER, "服务管家": CadreRole.BUTLER, "服务专员": CadreRole.BUTLER,
         "管家": CadreRole.BUTLER, "部门经办人": CadreRole.DEPARTMENT, "经办人": CadreRole.DEPARTMENT,
         "乡镇领导": CadreRole.TOWNSHIP_LEADER, "街道领导": CadreRole.TOWNSHIP_LEADER,
         "区县领导": CadreRole.DISTRICT_LEADER, "营商环境监督员": CadreRole.SUPERVISOR,
         "监督员": CadreRole.SUPERVISOR, **{role.value: role for role in CadreRole}}
ROLES = {"管理员": Role.ADMIN, "领导": Role.LEADER, "监督员": Role.SUPERVISOR, "干部": Role.CADRE,
         **{role.value: role for role in Role}}
POLICY_NAMES = {"三不过": "sanbuguo", **{name: name for name in POLICIES}}
DEFAULT = "default"  # back to the office's setting (the environment)
OFF = "off"  # no robots for this unit, whatever the environment names


@dataclass(frozen=True)
class Action:
    usage: Msg  # how to type it, shown again when it was typed wrong
    least: int  # the fewest words it takes
    run: Callable[[Turn, Cadre, list[str]], None]


ACTIONS: dict[str, Action] = {}


def action(name: str, usage: Msg, least: int) -> Callable[[Callable[[Turn, Cadre, list[str]], None]],
                                                          Callable[[Turn, Cadre, list[str]], None]]:
    def register(run: Callable[[Turn, Cadre, list[str]], None]) -> Callable[[Turn, Cadre, list[str]], None]:
        ACTIONS[name] = Action(usage, least, run)
        return run
    return register


class Typed(DomainError):
    """What was typed cannot be done as typed: the reason, then how to type it."""


@router.command(COMMAND, t("Administer your part of the org tree (admins)"))
def admin(turn: Turn, args: str) -> None:
    """/admin [action words…]: checked against the database before anything is read or written."""
    me = admin_of(turn.uow.directory, turn.account.id)
    if me is None:
        turn.say(NOT_ADMIN)
        return
    name, *words = args.split() or [""]
    chosen = ACTIONS.get(name.lower())
    if chosen is None:
        turn.say(menu(own_part(turn.uow.directory, me)))
        return
    if len(words) < chosen.least:
        turn.say(t("Something is missing. Type it like this: {usage}", usage=chosen.usage))
        return
    try:
        with turn.all_or_nothing():
            chosen.run(turn, me, words)
    except Typed as wrong:
        turn.say(Msg("{reason}\n{again}", {"reason": wrong.reason,
                                           "again": t("Type it like this: {usage}", usage=chosen.usage)}))


def menu(units: str) -> Msg:
    return t("What you can do as an admin of {units} and the units below:\n"
             "/admin add 张伟 网格员 裴李岗村第一网格 13800000000 — add a cadre; you get their invite link\n"
             "/admin disable 张伟 — a cadre stops working on tickets; their open tickets go to the duty cadre\n"
             "/admin baolian 润弘制药 陈晓明 — an enterprise's 包联 cadre (its open tickets follow)\n"
             "/admin duty 新村镇 赵主任 — a unit's duty cadre (属地兜底)\n"
             "/admin policy 新村镇 13710 — a unit's deadline policy (三不过 or 13710; default: the office's)\n"
             "/admin robot 新村镇 — a unit's group robots; add one: /admin robot 新村镇 dingtalk URL SECRET; "
             "stop them: /admin robot 新村镇 off; back to the office's: /admin robot 新村镇 default\n"
             "/admin grant 张伟 leader 新村镇 · /admin revoke 张伟 leader 新村镇 — roles (admin, leader, "
             "supervisor, cadre) on a unit and below\n"
             "/admin roles 张伟 — the roles a cadre holds\n"
             "/invite 新村镇 — invite links and QR codes for the unit's cadres who have not bound yet; "
             "/unbound 新村镇 — who they are\n"
             "Send a spreadsheet (.xlsx or .csv) to import units, cadres, enterprises and 包联; /import — the template\n"
             "In a leaders' group: /bind 新村镇 — the group gets the unit's digests.\n"
             "A cadre is named by name, or by number as #12.", units=plain(units))


# -- finding what was named, within the admin's own part of the tree ----------------------------


def unit_named(turn: Turn, me: Cadre, name: str) -> OrgUnit:
    unit = unit_under(turn.uow.directory, me, name)
    if unit is None:
        raise Typed(t("No unit named “{name}” in {home} or below: you administer only those.",
                      name=plain(name), home=plain(own_part(turn.uow.directory, me))))
    return unit


def cadre_named(turn: Turn, me: Cadre, text: str) -> Cadre:
    """A working cadre of the admin's subtree, by #number or by name (an ambiguous name lists them)."""
    directory = turn.uow.directory
    number = text.removeprefix("#")
    if number.isascii() and number.isdigit():
        found = [cadre] if (cadre := directory.cadre(int(number))) and not cadre.disabled else []
    else:
        found = [cadre for cadre in directory.search_cadres(text, 50) if cadre.name == text]
    mine = [cadre for cadre in found if administers(directory, me, cadre.org_unit_id)]
    if not mine:
        raise Typed(t("No working cadre “{name}” in {home} or below: you administer only those.",
                      name=plain(text), home=plain(own_part(directory, me))))
    if len(mine) > 1:
        units = directory.org_units({cadre.org_unit_id for cadre in mine})
        listed = "\n".join(f"#{cadre.id} {cadre.name} ({units[cadre.org_unit_id].name})"
                           for cadre in mine[:CANDIDATES_SHOWN])
        raise Typed(t("Several cadres are named “{name}”; name one by number:\n{cadres}",
                      name=plain(text), cadres=plain(listed)))
    return mine[0]


def enterprise_named(turn: Turn, me: Cadre, text: str) -> Enterprise:
    """An enterprise of the admin's subtree, by credit code or by name (exact, else the only match)."""
    directory = turn.uow.directory
    found = directory.enterprise_by_code(text)
    if found is None:
        matches = directory.search_enterprises(text, CANDIDATES_SHOWN)
        exact = [enterprise for enterprise in matches if enterprise.name == text]
        found = exact[0] if exact else matches[0] if len(matches) == 1 else None
    if found is None or not _in_part(turn, me, found):
        raise Typed(t("No enterprise “{name}” in {home} or below: give its full name or credit code.",
                      name=plain(text), home=plain(own_part(directory, me))))
    return found


def _in_part(turn: Turn, me: Cadre, enterprise: Enterprise) -> bool:
    """Where an enterprise lies: its grid; one without a grid, its 包联's unit."""
    directory = turn.uow.directory
    if enterprise.grid_id is not None:
        return administers(directory, me, enterprise.grid_id)
    contact = directory.cadre(enterprise.assigned_cadre_id) if enterprise.assigned_cadre_id else None
    return contact is not None and administers(directory, me, contact.org_unit_id)


# -- the actions ----------------------------------------------------------------------------------


@action("add", t("/admin add NAME POST UNIT PHONE"), 4)
def add_cadre(turn: Turn, me: Cadre, words: list[str]) -> None:
    name, post, unit_name, phone = words[0], words[1], " ".join(words[2:-1]), words[-1]
    role = POSTS.get(post.lower())
    if role is None:
        raise Typed(t("“{post}” is not a post the bot knows: 网格员, 服务管家, 部门经办人, 乡镇领导, 区县领导 or "
                      "营商环境监督员.", post=plain(post)))
    unit = unit_named(turn, me, unit_name)
    number = normalize_phone(phone)
    if number is None:
        raise Typed(t("“{phone}” is not a phone number.", phone=plain(phone)))
    if any(cadre.name == name for cadre in turn.uow.directory.cadres_in(unit.id, role.value)):
        raise DomainError(t("{unit} already has a {post} named {name}. /admin roles {name} shows them.",
                            unit=plain(unit.name), post=ROLE_LABELS[role], name=plain(name)))
    cadre = turn.uow.roster.add(name, role.value, unit.id, number)
    token = turn.uow.invites.issue(cadre.id, turn.now, INVITE_VALID)
    turn.say(t("{name} ({post}, {unit}) is cadre #{number}. Send them this invite; it binds the first account "
               "that opens it, within 7 days:\n{link}", name=plain(name), post=ROLE_LABELS[role],
               unit=plain(unit.name), number=plain(str(cadre.id)), link=start_link(token)))


@action("disable", t("/admin disable NAME"), 1)
def disable_cadre(turn: Turn, me: Cadre, words: list[str]) -> None:
    cadre = cadre_named(turn, me, " ".join(words))
    if cadre.id == me.id:
        raise DomainError(t("You cannot disable yourself; another admin can."))
    directory = turn.uow.directory
    receiver = duty_cadre_for(directory, cadre.org_unit_id, instead_of=cadre.id)
    if receiver is None:
        raise DomainError(t("No duty cadre above {name} could take their open tickets. Set one first: "
                            "/admin duty UNIT NAME.", name=plain(cadre.name)))
    account = account_of(turn, cadre)
    moved = hand_over(turn, turn.uow.tickets.get_many(turn.uow.tickets.open_owned(cadre.id)), receiver,
                      Why.OWNER_DISABLED, turn.account.id)
    turn.uow.roster.disable(cadre.id, turn.now)
    if account is not None:  # told once: the account is unbound now, nothing they press acts as a cadre
        turn.tell(account, t("Your cadre account ({name}) was disabled by the office: you no longer handle "
                             "tickets in this bot. Your open tickets went to {receiver}. You can still report "
                             "problems like anyone.", name=plain(cadre.name), receiver=plain(receiver.name)))
    turn.say(t("{name} is disabled: no longer routed to, and their account is unbound. {count} open tickets went "
               "to {receiver}, marked for reassignment.", name=plain(cadre.name), count=plain(str(len(moved))),
               receiver=plain(receiver.name)))


@action("baolian", t("/admin baolian ENTERPRISE-OR-CREDIT-CODE NAME"), 2)
def set_baolian(turn: Turn, me: Cadre, words: list[str]) -> None:
    enterprise = enterprise_named(turn, me, " ".join(words[:-1]))
    cadre = cadre_named(turn, me, words[-1])
    moved = move_baolian(MoveBaolian(enterprise.id, to=cadre.id, by=turn.account.id), turn)
    turn.say(t("{cadre} is now the 包联 of {enterprise}; {count} open tickets followed.",
               cadre=plain(cadre.name), enterprise=plain(enterprise.name), count=plain(str(len(moved)))))


@action("duty", t("/admin duty UNIT NAME"), 2)
def set_duty(turn: Turn, me: Cadre, words: list[str]) -> None:
    unit = unit_named(turn, me, " ".join(words[:-1]))
    cadre = cadre_named(turn, me, words[-1])
    turn.uow.roster.set_duty(unit.id, cadre.id)
    turn.say(t("{cadre} is now the duty cadre of {unit}: what nobody else there owns goes to them.",
               cadre=plain(cadre.name), unit=plain(unit.name)))


@action("policy", t("/admin policy UNIT 三不过|13710|default"), 2)
def set_policy(turn: Turn, me: Cadre, words: list[str]) -> None:
    unit = unit_named(turn, me, " ".join(words[:-1]))
    chosen = words[-1].lower()
    if chosen == DEFAULT:
        turn.uow.unit_settings.remove(unit.id, POLICY)
        turn.say(t("{unit} follows the office's deadline policy again (or the nearest unit above that sets one).",
                   unit=plain(unit.name)))
        return
    if chosen not in POLICY_NAMES:
        raise Typed(t("“{policy}” is not a deadline policy: 三不过, 13710 or default.", policy=plain(words[-1])))
    turn.uow.unit_settings.put(unit.id, POLICY, POLICY_NAMES[chosen], me.id, turn.now)
    turn.say(t("New tickets in {unit} and below are now timed by {policy}; tickets already open keep their "
               "deadlines.", unit=plain(unit.name), policy=plain(words[-1])))


@action("robot", t("/admin robot UNIT [wecom|dingtalk|feishu URL [SECRET] | off | default]"), 1)
def set_robots(turn: Turn, me: Cadre, words: list[str]) -> None:
    platform_at = next((i for i, word in enumerate(words) if word.lower() in (*PATHS, OFF, DEFAULT)), len(words))
    unit = unit_named(turn, me, " ".join(words[:platform_at]))
    rest = words[platform_at:]
    settings = turn.uow.unit_settings
    if not rest:
        robots = settings.of([unit.id], ROBOTS).get(unit.id)
        turn.say(_robots_of(unit, robots))
    elif rest[0].lower() == DEFAULT:
        settings.remove(unit.id, ROBOTS)
        turn.say(t("{unit}'s digests go to the robots the office's settings name (LIANXIN_ROBOTS), if any.",
                   unit=plain(unit.name)))
    elif rest[0].lower() == OFF:
        settings.put(unit.id, ROBOTS, [], me.id, turn.now)
        turn.say(t("{unit}'s digests go to no group robot now.", unit=plain(unit.name)))
    else:
        robot = _robot(rest)
        kept = [r for r in settings.of([unit.id], ROBOTS).get(unit.id) or [] if r["url"] != robot["url"]]
        settings.put(unit.id, ROBOTS, [*kept, robot], me.id, turn.now)
        turn.say(t("{unit}'s digests now also go to robot {robot}. The link is a password: delete your message "
                   "that holds it.", unit=plain(unit.name), robot=plain(robot_name(robot["platform"], robot["url"]))))


def _robot(words: list[str]) -> dict[str, str]:
    """A robot as stored, checked as the shell will check it (bot/adapters/robots); never echoed back."""
    platform, url, *secret = words
    platform = platform.lower()
    if len(secret) > 1 or not url or not webhook_token(platform, url):
        raise Typed(t("That is not a {platform} robot's webhook link (nothing was saved).", platform=plain(platform)))
    if secret and platform not in SIGNED:
        raise Typed(t("WeCom group robots take no secret (nothing was saved)."))
    return {"platform": platform, "url": url, **({"secret": secret[0]} if secret else {})}


def _robots_of(unit: OrgUnit, robots: list[dict[str, str]] | None) -> Msg:
    if robots is None:
        return t("No robots set on {unit} here; the office's settings (LIANXIN_ROBOTS) apply.", unit=plain(unit.name))
    if not robots:
        return t("{unit}'s digests go to no group robot.", unit=plain(unit.name))
    names = ", ".join(robot_name(robot["platform"], robot["url"]) for robot in robots)
    return t("{unit}'s digests go to the robots {robots}.", unit=plain(unit.name), robots=plain(names))


@action("grant", t("/admin grant NAME admin|leader|supervisor|cadre UNIT"), 3)
def grant_role(turn: Turn, me: Cadre, words: list[str]) -> None:
    cadre, role, unit = _grant_words(turn, me, words)
    if turn.uow.roster.grant(Grant(cadre.id, role, unit.id), me.id, turn.now):
        turn.say(t("{cadre} now holds the role {role} on {unit} and below.", cadre=plain(cadre.name),
                   role=plain(role.value), unit=plain(unit.name)))
    else:
        turn.say(t("{cadre} already held the role {role} on {unit}.", cadre=plain(cadre.name), role=plain(role.value),
                   unit=plain(unit.name)))


@action("revoke", t("/admin revoke NAME admin|leader|supervisor|cadre UNIT"), 3)
def revoke_role(turn: Turn, me: Cadre, words: list[str]) -> None:
    cadre, role, unit = _grant_words(turn, me, words)
    if turn.uow.roster.revoke(Grant(cadre.id, role, unit.id)):
        turn.say(t("{cadre} no longer holds the role {role} on {unit}.", cadre=plain(cadre.name),
                   role=plain(role.value), unit=plain(unit.name)))
    else:
        turn.say(t("{cadre} did not hold the role {role} on {unit}.", cadre=plain(cadre.name), role=plain(role.value),
                   unit=plain(unit.name)))


def _grant_words(turn: Turn, me: Cadre, words: list[str]) -> tuple[Cadre, Role, OrgUnit]:
    role = ROLES.get(words[1].lower())
    if role is None:
        raise Typed(t("“{role}” is not a role: admin, leader, supervisor or cadre.", role=plain(words[1])))
    return cadre_named(turn, me, words[0]), role, unit_named(turn, me, " ".join(words[2:]))


@action("roles", t("/admin roles NAME"), 1)
def show_roles(turn: Turn, me: Cadre, words: list[str]) -> None:
    cadre = cadre_named(turn, me, " ".join(words))
    directory = turn.uow.directory
    grants = directory.grants_of(cadre.id)
    units = directory.org_units({grant.org_unit_id for grant in grants})
    held = "\n".join(f"{grant.role.value} · {units[grant.org_unit_id].name}" for grant in grants
                     if grant.org_unit_id in units)
    home = directory.org_unit(cadre.org_unit_id)
    turn.say(t("#{number} {name}, {post} of {unit}. Roles held:\n{roles}", number=plain(str(cadre.id)),
               name=plain(cadre.name), post=role_label(cadre), unit=plain(home.name if home else ""),
               roles=plain(held or "—")))
