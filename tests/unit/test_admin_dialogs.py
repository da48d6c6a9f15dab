"""/admin as tables of turns, on in-memory fakes: every action with and without the right role
(the admin of the unit, the admin of another branch, a plain cadre, a stranger), and what the
people concerned notice."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest

from handlers.domain.events import EventKind
from handlers.domain.model import Cadre, CadreRole, Grant, OrgLevel, OrgUnit, Role
from handlers.messages import Msg
from handlers.seam import START_LINK
from tests.unit.chat import OWNER_CHAT, REPORTER_CHAT, Chat, demo_store, keys
from tests.unit.fakes import FakeStore
from tests.unit.test_cadre_dialogs import LEADER_CHAT, Desk

OTHER_ADMIN_CHAT = "800"
BUTLER, GRID_WORKER, LEADER, OTHER_ADMIN = 1, 2, 3, 4
TOWNSHIP, VILLAGE, GRID, OTHER_TOWNSHIP = 1, 2, 3, 4
NOT_ADMIN = ("/admin is for administrators, and your account holds no admin role. Your office's administrator "
             "can give you one.")
TYPED_WRONG = "{reason}\n{again}"
DINGTALK = "https://oapi.dingtalk.com/robot/send?access_token=0123456789abcdefWXYZ"


def office() -> FakeStore:
    """The demo township, whose leader 赵主任 administers it, and a second township 城关街道 beside it
    with its own admin 钱主任."""
    store = demo_store()
    store.units[OTHER_TOWNSHIP] = OrgUnit(OTHER_TOWNSHIP, "城关街道", OrgLevel.TOWNSHIP, None, duty_cadre_id=OTHER_ADMIN)
    store.cadres[OTHER_ADMIN] = Cadre(OTHER_ADMIN, "钱主任", CadreRole.TOWNSHIP_LEADER, OTHER_TOWNSHIP, "13800000004")
    store.invites["invite-qian"] = OTHER_ADMIN
    store.grant(LEADER, Role.ADMIN)
    store.grant(OTHER_ADMIN, Role.ADMIN)
    return store


class Office(Desk):
    """The Desk (ticket 1 of 润弘制药 with 李管家), and 钱主任 bound in their own chat."""

    def __init__(self, store: FakeStore) -> None:
        super().__init__(store)
        self.other_admin = Chat(self.owner.core, OTHER_ADMIN_CHAT)
        self.other_admin.says("/start invite-qian")

    @property
    def admin(self) -> Chat:
        return self.leader


@pytest.fixture
def desk() -> Office:
    return Office(office())


def reason(reply) -> str:
    """What a refusal said: the reason itself when it came with the usage again."""
    text = reply.text
    return text.params["reason"].key if text.key == TYPED_WRONG else text.key


def rendered(value: object) -> str:
    """Every text a message carries, parameters and all, for checking what it must never show."""
    if isinstance(value, Msg):
        return value.key + " ".join(rendered(param) for param in value.params.values())
    return str(value)


# Each action as an admin types it, and what it changed when it was done.
ACTIONS = [
    ("/admin add 张伟 网格员 一网格 13812345670", lambda s: any(c.name == "张伟" for c in s.cadres.values())),
    ("/admin disable 王网格", lambda s: s.cadres[GRID_WORKER].disabled),
    ("/admin baolian 润弘制药 王网格", lambda s: s.enterprises[1].assigned_cadre_id == GRID_WORKER),
    ("/admin duty 裴李岗村 王网格", lambda s: s.units[VILLAGE].duty_cadre_id == GRID_WORKER),
    ("/admin policy 新村镇 13710", lambda s: s.unit_settings.get((TOWNSHIP, "deadline_policy")) == "13710"),
    (f"/admin robot 新村镇 dingtalk {DINGTALK} SECabc", lambda s: (TOWNSHIP, "robots") in s.unit_settings),
    ("/admin grant 王网格 leader 裴李岗村", lambda s: Grant(GRID_WORKER, Role.LEADER, VILLAGE) in s.grants),
    ("/admin revoke 李管家 supervisor 新村镇", lambda s: Grant(BUTLER, Role.SUPERVISOR, TOWNSHIP) not in s.grants),
]
IDS = ["add", "disable", "baolian", "duty", "policy", "robot", "grant", "revoke"]


def with_supervisor_grant() -> Office:
    store = office()
    store.grant(BUTLER, Role.SUPERVISOR, TOWNSHIP)  # for revoke to take away
    return Office(store)


@pytest.mark.parametrize(("command", "done"), ACTIONS, ids=IDS)
def test_the_admin_of_the_unit_does_it(command, done):
    desk = with_supervisor_grant()
    assert not done(desk.store)
    r = desk.admin.says(command)
    assert done(desk.store), keys(r)
    assert all(reply.text.key != NOT_ADMIN for reply in r)


@pytest.mark.parametrize(("command", "done"), ACTIONS, ids=IDS)
def test_the_admin_of_another_branch_is_told_which_part_is_theirs_and_nothing_changes(command, done):
    desk = with_supervisor_grant()
    before = copy.deepcopy(desk.store)
    [answer] = desk.other_admin.says(command)
    assert "you administer only those" in reason(answer) or reason(answer).startswith("No enterprise")
    assert answer.text.params["reason"].params["home"].params["text"] == "城关街道"
    assert (desk.store.cadres, desk.store.units, desk.store.grants, desk.store.unit_settings,
            desk.store.enterprises) == (before.cadres, before.units, before.grants, before.unit_settings,
                                        before.enterprises)


@pytest.mark.parametrize("who", ["plain cadre", "stranger"])
@pytest.mark.parametrize(("command", "done"), [*ACTIONS, ("/admin", None)], ids=[*IDS, "menu"])
def test_a_plain_cadre_or_a_stranger_gets_one_sentence_and_nothing_changes(command, done, who):
    desk = with_supervisor_grant()
    before = copy.deepcopy(desk.store)
    chat = desk.owner if who == "plain cadre" else desk.stranger
    assert keys(chat.says(command)) == [NOT_ADMIN]
    assert (desk.store.cadres, desk.store.grants, desk.store.unit_settings) == (before.cadres, before.grants,
                                                                                before.unit_settings)


def test_admin_alone_shows_what_an_admin_can_do_for_their_own_part(desk):
    [menu] = desk.admin.says("/admin")
    assert menu.text.key.startswith("What you can do as an admin of {units} and the units below:")
    assert menu.text.params["units"].params["text"] == "新村镇"
    assert "/admin disable" in menu.text.key and "/admin robot" in menu.text.key
    help_parts = desk.admin.says("/help")[0].text.params
    assert "admin" in help_parts and "admin" not in desk.owner.says("/help")[0].text.params


def test_a_new_cadre_gets_an_invite_that_binds_their_account(desk):
    [answer] = desk.admin.says("/admin add 张伟 服务管家 新村镇 13812345670")
    assert answer.text.key.startswith("{name} ({post}, {unit}) is cadre #{number}.")
    link = answer.text.params["link"]
    assert link.key == START_LINK  # the shell spells it as the platform's deep link
    newcomer = Chat(desk.owner.core, "900")
    newcomer.says(f"/start {link.params['start']}")
    cadre = next(c for c in desk.store.cadres.values() if c.name == "张伟")
    assert (cadre.role, cadre.org_unit_id, cadre.phone) == (CadreRole.BUTLER, TOWNSHIP, "+8613812345670")
    bound = desk.store.accounts[cadre.account_id]
    assert bound.chat_id == "900"


def test_a_wrong_post_or_phone_is_said_with_the_usage_again_and_nothing_is_added(desk):
    before = dict(desk.store.cadres)
    [wrong_post] = desk.admin.says("/admin add 张伟 厨师 新村镇 13812345670")
    [wrong_phone] = desk.admin.says("/admin add 张伟 网格员 新村镇 12345")
    [missing] = desk.admin.says("/admin add 张伟")
    assert reason(wrong_post).startswith("“{post}” is not a post the bot knows")
    assert reason(wrong_phone) == "“{phone}” is not a phone number."
    assert wrong_phone.text.params["again"].params["usage"].key == "/admin add NAME POST UNIT PHONE"
    assert missing.text.key == "Something is missing. Type it like this: {usage}"
    assert desk.store.cadres == before


def test_a_disabled_cadres_open_ticket_goes_to_the_duty_cadre_flagged_and_they_are_told_once(desk):
    r = desk.admin.says("/admin disable 李管家")

    ticket = desk.ticket
    assert ticket.owner_cadre_id == LEADER  # 赵主任, the township's duty cadre
    moved = ticket.events[-1]
    assert (moved.kind, moved.data["previous_owner"], moved.data["reason"]) == (EventKind.REASSIGNED, BUTLER,
                                                                                 "owner_disabled")
    heard = {reply.to.chat_id: reply.text for reply in r}
    assert heard[LEADER_CHAT].key.startswith("{name} is disabled")
    told = [reply for reply in r if reply.to.chat_id == LEADER_CHAT and reply.ticket_id == ticket.id]
    assert told and told[0].text.key == "The office moved ticket {number} ({title}) to you: {why}."
    disabled_heard = [reply.text.key for reply in r if reply.to.chat_id == OWNER_CHAT]
    assert disabled_heard.count("Your cadre account ({name}) was disabled by the office: you no longer handle "
                                "tickets in this bot. Your open tickets went to {receiver}. You can still report "
                                "problems like anyone.") == 1
    assert desk.store.cadres[BUTLER].disabled and desk.store.cadres[BUTLER].account_id is None

    # Their old card's buttons no longer act, and a new report of their enterprise passes them by.
    desk.owner.forges(f"t:accept:{ticket.id}")
    assert desk.ticket.status == "assigned" and desk.ticket.owner_cadre_id == LEADER
    desk.boss_reports("又停电了")
    assert desk.store.tickets[2].owner_cadre_id == GRID_WORKER, "包联 disabled: the grid worker takes it"


def test_a_disabled_admin_administers_nothing(desk):
    desk.store.grant(GRID_WORKER, Role.ADMIN, VILLAGE)
    desk.admin.says("/admin disable 王网格")
    assert keys(desk.grid.says("/admin")) == [NOT_ADMIN]


def test_an_admin_cannot_disable_themselves(desk):
    [answer] = desk.admin.says("/admin disable 赵主任")
    assert answer.text.key == "You cannot disable yourself; another admin can."
    assert not desk.store.cadres[LEADER].disabled


def test_moving_a_baolian_takes_the_open_ticket_along(desk):
    [*_, answer] = [reply for reply in desk.admin.says("/admin baolian 润弘制药 王网格")
                    if reply.to.chat_id == LEADER_CHAT]
    assert answer.text.key == "{cadre} is now the 包联 of {enterprise}; {count} open tickets followed."
    assert answer.text.params["count"].params["text"] == "1"
    assert desk.ticket.owner_cadre_id == GRID_WORKER and desk.ticket.events[-1].data["reason"] == "baolian_moved"


def test_a_units_policy_times_new_tickets_below_it(desk):
    first = desk.ticket  # 三不过: 交办不过夜, due the day it came
    desk.admin.says("/admin policy 新村镇 13710")  # 13710: assigned within a working day
    desk.boss_reports("又停电了")
    second = desk.store.tickets[2]
    assert second.assign_due_at - first.assign_due_at == timedelta(days=1)
    assert first.answer_due_at is None and second.answer_due_at is not None, "13710 times the first answer"

    [wrong] = desk.admin.says("/admin policy 新村镇 明天")
    assert reason(wrong) == "“{policy}” is not a deadline policy: 三不过, 13710 or default."
    desk.admin.says("/admin policy 新村镇 default")
    assert (TOWNSHIP, "deadline_policy") not in desk.store.unit_settings


def test_a_robots_link_and_secret_are_never_shown_back(desk):
    r = desk.admin.says(f"/admin robot 新村镇 dingtalk {DINGTALK} SECabc")
    r += desk.admin.says("/admin robot 新村镇")
    assert [reply.text.key for reply in r] == [
        "{unit}'s digests now also go to robot {robot}. The link is a password: delete your message that holds it.",
        "{unit}'s digests go to the robots {robots}."]
    for reply in r:
        assert "0123456789abcdef" not in rendered(reply.text) and "SECabc" not in rendered(reply.text)
    assert r[1].text.params["robots"].params["text"] == "dingtalk:…WXYZ"
    [wrong] = desk.admin.says("/admin robot 新村镇 wecom https://example.com/hook?token=secret123")
    assert reason(wrong) == "That is not a {platform} robot's webhook link (nothing was saved)."
    assert "secret123" not in rendered(wrong.text)
    desk.admin.says("/admin robot 新村镇 off")
    assert desk.store.unit_settings[(TOWNSHIP, "robots")] == []


def test_a_role_granted_on_a_village_reaches_its_grid_and_no_further(desk):
    desk.admin.says("/admin grant 王网格 admin 裴李岗村")
    r = desk.grid.says("/admin duty 一网格 王网格")
    assert keys(r) == ["{cadre} is now the duty cadre of {unit}: what nobody else there owns goes to them."]
    [refused] = desk.grid.says("/admin duty 新村镇 王网格")
    assert refused.text.params["reason"].params["home"].params["text"] == "裴李岗村"
    assert desk.store.units[TOWNSHIP].duty_cadre_id == LEADER
    [roles] = desk.admin.says("/admin roles 王网格")
    assert roles.text.params["roles"].params["text"] == "admin · 裴李岗村"


def test_a_supervisor_grant_brings_the_holder_the_complaints_of_the_subtree(desk):
    from handlers.domain.routing import business_supervisors
    from tests.unit.fakes import FakeUnitOfWork

    desk.admin.says("/admin grant 李管家 supervisor 新村镇")
    with FakeUnitOfWork(desk.store) as uow:
        assert [c.name for c in business_supervisors(uow.directory, GRID)] == ["李管家"]


def test_an_ambiguous_name_lists_the_cadres_to_choose_by_number(desk):
    desk.store.cadres[5] = Cadre(5, "王网格", CadreRole.GRID_WORKER, VILLAGE, "13800000005")
    [answer] = desk.admin.says("/admin duty 一网格 王网格")
    assert reason(answer) == "Several cadres are named “{name}”; name one by number:\n{cadres}"
    assert answer.text.params["reason"].params["cadres"].params["text"] == "#2 王网格 (一网格)\n#5 王网格 (裴李岗村)"
    desk.admin.says("/admin duty 一网格 #5")
    assert desk.store.units[GRID].duty_cadre_id == 5


def test_bind_in_a_group_is_checked_through_the_grants(desk):
    from handlers.seam import GROUP, Incoming

    def in_group(chat_id: str, text: str):
        command, _, args = text[1:].partition(" ")
        return desk.owner.core.handle(Incoming("telegram", "-100", chat_id, f"g{chat_id}{text}", text=text,
                                               command=command, args=args, chat_kind=GROUP, chat_title="领导群"))

    assert in_group(OWNER_CHAT, "/bind 新村镇") == [] and not desk.store.bindings, "a plain cadre: silence"
    [refused] = in_group(OTHER_ADMIN_CHAT, "/bind 新村镇")
    assert refused.text.params["home"] == "城关街道" and not desk.store.bindings
    in_group(LEADER_CHAT, "/bind 新村镇")
    assert [b.org_unit_id for b in desk.store.bindings.values()] == [TOWNSHIP]


def test_a_reporter_is_no_admin(desk):
    assert keys(Chat(desk.owner.core, REPORTER_CHAT).says("/admin")) == [NOT_ADMIN]


@pytest.mark.parametrize(("stored", "environment", "expected"), [
    ({}, {}, "sanbuguo"),  # nothing set: the office's default
    ({}, {"新村镇": "13710"}, "13710"),  # LIANXIN_UNIT_POLICIES keeps working
    ({TOWNSHIP: "13710"}, {}, "13710"),  # set in chat on the township: covers its grids
    ({TOWNSHIP: "sanbuguo"}, {"裴李岗村": "13710"}, "13710"),  # the nearest unit wins, whoever set it
    ({VILLAGE: "sanbuguo"}, {"新村镇": "13710"}, "sanbuguo"),
    ({VILLAGE: "13710"}, {"裴李岗村": "sanbuguo"}, "13710"),  # on the same unit, the chat's setting wins
])
def test_the_nearest_units_policy_wins_with_the_environment_as_the_fallback(stored, environment, expected):
    from handlers.domain.deadlines import POLICIES
    from handlers.rules import Rules
    from handlers.turn import Work
    from handlers.unit_settings import policy_for_unit
    from tests.unit.chat import FixedClock
    from tests.unit.fakes import FakeUnitOfWork

    store = office()
    store.unit_settings = {(unit, "deadline_policy"): name for unit, name in stored.items()}
    rules = Rules(unit_policies={unit: POLICIES[name] for unit, name in environment.items()})
    with FakeUnitOfWork(store) as uow:
        assert policy_for_unit(Work(uow=uow, now=FixedClock().now(), rules=rules), GRID).name == expected


def test_a_group_bound_to_one_branch_cannot_be_unbound_or_taken_by_another_branchs_admin(desk):
    from handlers.seam import GROUP, Incoming

    def in_group(chat_id: str, text: str):
        command, _, args = text[1:].partition(" ")
        return desk.owner.core.handle(Incoming("telegram", "-100", chat_id, f"g{chat_id}{text}", text=text,
                                               command=command, args=args, chat_kind=GROUP, chat_title="领导群"))

    in_group(LEADER_CHAT, "/bind 新村镇")
    for text in ("/unbind", "/bind 城关街道"):
        [refused] = in_group(OTHER_ADMIN_CHAT, text)
        assert refused.text.key == "This group follows {unit}, outside {home}: only an admin of {unit} can change that."
        assert (refused.text.params["unit"], refused.text.params["home"]) == ("新村镇", "城关街道")
        assert [b.org_unit_id for b in desk.store.bindings.values()] == [TOWNSHIP]
    assert keys(in_group(LEADER_CHAT, "/unbind")) == ["This group no longer gets digests."]


def test_a_cadre_disabled_after_being_offered_in_a_search_cannot_be_handed_the_ticket(desk):
    desk.owner.presses("Transfer")
    r = desk.owner.says("王")
    assert [b.payload for row in r[0].buttons for b in row] == ["h:2:1"]
    desk.admin.says("/admin disable 王网格")
    desk.owner.forges("h:2:1")
    r = desk.owner.says("属于网格事务")
    assert keys(r) == ["This button is out of date."]
    assert all(event.kind != EventKind.HANDOVER_OFFERED for event in desk.ticket.events)
    desk.owner.presses("Transfer")
    assert keys(desk.owner.says("王")) == ["No cadre matches “{query}”. Try another part of the name or unit."]
