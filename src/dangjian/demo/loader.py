"""Turns a demo plan into rows: bulk inserts, stage by stage, with a progress display.

bulk_create skips `save()`, so what `save()` would derive is derived here: treebeard's
path/depth/numchild come from the plan, `Member.prepare()` fills the blind indexes and
pinyin initials (encryption happens as the values are sent), and a term's planned end
uses `Term.compute_planned_end()` itself. The whole load is one transaction: a failure
leaves the database as it was.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import models, transaction
from django.utils import timezone

from dangjian.accounts.models import RoleAssignment, User
from dangjian.accounts.roles import ROLES
from dangjian.audit.services import record
from dangjian.members.models import Exemption, Member, Transfer
from dangjian.orgs.models import CommitteePost, Organization, OrgKind, Term, Unit
from dangjian.rules import rollup

from . import (
    activity_loader,
    assessment_loader,
    bulk,
    cases_loader,
    dues_loader,
    exits_loader,
    honors_loader,
    integrity_loader,
    recruitment_loader,
    roster,
    selfservice_loader,
    training_loader,
    volunteers_loader,
)
from .people import UnitPeople, iter_people
from .plan import CityPlan

BATCH = 1000
DEMO_PASSWORD = "Demo@2024"  # noqa: S105 - the published password of the demo accounts


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    where: str  # "root" | "unit" | "branch" | "" (global role)
    display_name: str = ""


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("gongwei", "committee_admin", "root", "工委管理员（演示）"),
    DemoAccount("danwei", "unit_admin", "unit", "单位党组织管理员（演示）"),
    DemoAccount("shuji", "branch_secretary", "branch"),
    DemoAccount("zuzhi", "organization_officer", "branch"),
    DemoAccount("chakan", "viewer", "root", "只读查看（演示）"),
    DemoAccount("dangyuan", "party_member", "branch"),
    DemoAccount("xitong", "system_admin", "", "系统管理员（演示）"),
    DemoAccount("anquan", "security_admin", "", "安全管理员（演示）"),
    DemoAccount("shenji", "audit_admin", "", "审计管理员（演示）"),
)
DEMO_USERNAMES = tuple(a.username for a in DEMO_ACCOUNTS)


class Stages:
    """Progress bars when a rich Progress is given; silent otherwise."""

    def __init__(self, progress=None) -> None:
        self.progress = progress

    @contextlib.contextmanager
    def stage(self, label: str, total: int) -> Iterator:
        if self.progress is None:
            yield lambda n=1: None
            return
        task = self.progress.add_task(label, total=total)
        yield lambda n=1: self.progress.advance(task, n)
        self.progress.update(task, completed=total)


# Each register's demo writer and its reset, in the order they are written (reset first).
REGISTERS = (
    (honors_loader.write_honors, honors_loader.reset_honors),
    (cases_loader.write_cases, cases_loader.reset_cases),
    (integrity_loader.write_integrity, integrity_loader.reset_integrity),
    (training_loader.write_training, training_loader.reset_training),
    (volunteers_loader.write_volunteers, volunteers_loader.reset_volunteers),
)


def is_empty() -> bool:
    return not Organization.objects.exists()


def existing_demo_usernames() -> list[str]:
    return list(User.objects.filter(username__in=DEMO_USERNAMES).values_list("username", flat=True))


def reset() -> None:
    """Delete all org-tree data, activities, 督查考评 and the demo accounts (the audit trail stays:
    append-only)."""
    for _write, reset_register in REGISTERS:  # first: they name activities, members and orgs
        reset_register()
    assessment_loader.reset_assessments()
    activity_loader.reset_activities()
    recruitment_loader.reset_recruitment()  # before the members and orgs it protects
    dues_loader.reset_dues()  # before the members and orgs it names
    CommitteePost.objects.all().delete()
    Term.objects.all().delete()
    Exemption.objects.all().delete()
    Transfer.objects.all().delete()
    # Member accounts go with their members (before them: the link would be cleared first).
    selfservice_loader.linked_member_accounts().delete()
    Member.objects.only("pk").delete()
    User.objects.filter(username__in=DEMO_USERNAMES).delete()
    RoleAssignment.objects.all().delete()
    Organization.objects.update(unit=None)
    Unit.objects.all().delete()
    Organization.objects.only("pk").delete()


def load(plan: CityPlan, progress=None, *, reset_first: bool = False) -> dict:
    """Write the plan (and demo users) in one transaction; returns counts and the accounts."""
    stages = Stages(progress)
    with transaction.atomic():
        if reset_first:
            with stages.stage("清除原有数据", 1) as advance:
                reset()
                advance()
        orgs = _orgs(plan, stages)
        terms = _terms(plan, orgs, stages)
        counts, rosters = _people(plan, orgs, terms, stages)
        hashed = make_password(DEMO_PASSWORD)  # once: PBKDF2 per user would cost seconds
        accounts, branch, shuji = _users(plan, orgs, hashed)
        staff = activity_loader.staff_users(orgs[0])
        exemptions = activity_loader.rule_exemptions(plan, orgs)
        counts.update(
            activity_loader.write_activities(plan, orgs, rosters, staff, exemptions, stages)
        )
        del rosters
        counts.update(assessment_loader.write_assessments(plan, orgs, staff, stages))
        counts["exits"] = exits_loader.write_exits(plan, branch)
        with stages.stage("党员账号与会议通知", 1) as advance:
            members = selfservice_loader.open_member_accounts(branch, hashed)
            counts["member_accounts"] = len(members)
            counts["notices"] = selfservice_loader.write_notices(branch, plan.today, shuji)
            accounts.append(selfservice_loader.summary_row(branch, members, DEMO_PASSWORD))
            advance()
        with stages.stage("发展党员", 1) as advance:
            counts.update(recruitment_loader.write_recruitment(plan, orgs, branch))
            advance()
        with stages.stage("党费台账", 1) as advance:
            counts.update(dues_loader.write_dues(plan, branch))
            advance()
        # The registers (issue 13): honors, cases and brands, integrity, classes, volunteers.
        with stages.stage("工作登记", len(REGISTERS)) as advance:
            for write, _reset in REGISTERS:
                counts.update(write(plan, orgs, staff, branch))
                advance()
        counts.update(
            organizations=len(orgs),
            units=len(plan.units),
            unit_party_orgs=plan.count(OrgKind.UNIT_PARTY),
            grassroots_orgs=plan.count(
                OrgKind.PARTY_COMMITTEE, OrgKind.GENERAL_BRANCH, OrgKind.BRANCH
            ),
            party_groups=plan.count(OrgKind.PARTY_GROUP),
            terms=len(terms),
            users=len(DEMO_ACCOUNTS) + len(staff) + counts["member_accounts"],
        )
        # Bulk writes send no signals: the compliance roll-ups are judged afresh.
        rollup.touch_all()
        record(
            "demo_load",
            detail={
                "seed": plan.seed,
                "scale": plan.scale.name,
                "today": plan.today.isoformat(),
                "reset": reset_first,
                "counts": counts,
            },
        )
    bulk.analyze()
    return {"counts": counts, "accounts": accounts}


def _orgs(plan: CityPlan, stages: Stages) -> list[Organization]:
    with stages.stage("党组织", len(plan.orgs)) as advance:
        units = [
            Unit(name=u.name, short_name=u.short_name[:32], sort_order=u.index + 1)
            for u in plan.units
        ]
        Unit.objects.bulk_create(units, batch_size=BATCH)
        orgs = [
            Organization(
                path=o.path,
                depth=o.depth,
                numchild=o.numchild,
                kind=o.kind,
                name=o.name,
                short_name=o.short_name,
                unit_id=units[o.unit].pk if o.unit is not None else None,
                established_on=o.established_on,
                code=o.code,
                unit_form=o.unit_form,
            )
            for o in plan.orgs
        ]
        for start in range(0, len(orgs), BATCH):
            Organization.objects.bulk_create(orgs[start : start + BATCH])
            advance(len(orgs[start : start + BATCH]))
        for unit, up in zip(units, plan.units, strict=True):
            unit.party_org_id = orgs[up.org].pk
        Unit.objects.bulk_update(units, ["party_org"], batch_size=BATCH)
    return orgs


def _terms(plan: CityPlan, orgs: list[Organization], stages: Stages) -> list[Term]:
    with stages.stage("届次", len(plan.terms)) as advance:
        terms = []
        for t in plan.terms:
            term = Term(
                org=orgs[t.org], number=t.number, started_on=t.started_on, ended_on=t.ended_on
            )
            term.planned_end_on = term.compute_planned_end()  # what Term.save() would set
            terms.append(term)
        Term.objects.bulk_create(terms, batch_size=BATCH)
        advance(len(terms))
    return terms


def _people(
    plan: CityPlan, orgs: list[Organization], terms: list[Term], stages: Stages
) -> tuple[Counter, list[roster.UnitRoster]]:
    """Members and their posts, exemptions and transfers; returns the counts and each unit's
    roster (who was where, when) for the activities."""
    counts: Counter = Counter()
    rosters: list[roster.UnitRoster] = []
    pending: dict[type[models.Model], list] = {CommitteePost: [], Exemption: [], Transfer: []}

    def flush(force: bool = False) -> None:
        for model, rows in pending.items():
            if rows and (force or len(rows) >= BATCH):
                model._default_manager.bulk_create(rows, batch_size=BATCH)
                counts[model._meta.model_name] += len(rows)
                rows.clear()

    with stages.stage("党员", plan.member_total) as advance:
        for people in iter_people(plan):
            members = _members(people, orgs)
            counts["member"] += len(members)
            _related(people, members, orgs, terms, pending)
            rosters.append(roster.build(plan, people, [m.pk for m in members]))
            flush()
            advance(len(members))
        flush(force=True)
    return counts, rosters


def _members(people: UnitPeople, orgs: list[Organization]) -> list[Member]:
    rows = []
    for p in people.members:
        m = Member(
            org=orgs[p.org],
            unit_id=orgs[p.org].unit_id,
            name=p.name,
            gender=p.gender,
            ethnicity=p.ethnicity,
            birth_date=p.birth_date,
            id_number=p.id_number,
            phone=p.phone,
            education=p.education,
            job_title=p.job_title,
            category=p.category,
            status=p.status,
            joined_on=p.joined_on,
            full_member_on=p.full_member_on,
            is_mobile=p.is_mobile,
        )
        m.prepare()  # blind indexes + pinyin initials; bulk_create bypasses save()
        rows.append(m)
    Member.objects.bulk_create(rows, batch_size=BATCH)
    return rows


def _related(
    people: UnitPeople,
    members: list[Member],
    orgs: list[Organization],
    terms: list[Term],
    pending: dict[type[models.Model], list],
) -> None:
    pending[CommitteePost] += [
        CommitteePost(
            term=terms[p.term],
            member=members[p.member],
            post=p.post,
            assigned_on=p.assigned_on,
            dismissed_on=p.dismissed_on,
        )
        for p in people.posts
    ]
    pending[Exemption] += [
        Exemption(
            member=members[e.member],
            reason=e.reason,
            starts_on=e.starts_on,
            ends_on=e.ends_on,
            note=e.note,
            approved_by="党支部委员会",
        )
        for e in people.exemptions
    ]
    pending[Transfer] += [
        Transfer(
            member=members[t.member],
            from_org=orgs[t.from_org] if t.from_org is not None else None,
            to_org=orgs[t.to_org],
            external_org_name=t.external_org_name,
            transferred_on=t.transferred_on,
            letter_number=t.letter_number,
            dues_paid_until=t.dues_paid_until,
        )
        for t in people.transfers
    ]


def _showcase(plan: CityPlan, orgs: list[Organization]) -> tuple[Organization, Organization]:
    """The unit and branch the scoped demo accounts are given: a unit with a 党委 and a
    branch with 党小组, so the subtree views have depth to show."""
    children = plan.children()
    for unit in plan.units:
        kinds = {plan.orgs[i].kind for i in unit.orgs}
        if OrgKind.PARTY_COMMITTEE in kinds and OrgKind.PARTY_GROUP in kinds:
            break
    else:
        unit = plan.units[0]
    branch = next(
        (i for i in unit.orgs if plan.orgs[i].kind == OrgKind.BRANCH and children[i]),
        next(i for i in unit.orgs if plan.orgs[i].kind == OrgKind.BRANCH),
    )
    return orgs[unit.org], orgs[branch]


def _users(
    plan: CityPlan, orgs: list[Organization], hashed: str
) -> tuple[list[dict], Organization, User]:
    """The demo accounts (rows to print), shuji's branch and shuji; the branch-level
    accounts are linked to the member records they are named after."""
    unit_org, branch = _showcase(plan, orgs)
    places = {"root": orgs[0], "unit": unit_org, "branch": branch, "": None}
    # Names for the branch-level accounts: the branch's own 书记, 组织委员 and a member.
    posts = {
        post: (member_id, name)
        for post, member_id, name in CommitteePost.objects.filter(
            term__org=branch, term__ended_on__isnull=True
        ).values_list("post", "member_id", "member__name")
    }
    ordinary = (
        Member.objects.filter(org__path__startswith=branch.path)
        .exclude(committee_posts__term__org=branch)
        .order_by("pk")
        .values_list("pk", "name")
        .first()
    )
    # The branch-level accounts are these members (their records are linked to them).
    people = {
        "branch_secretary": posts.get(CommitteePost.Post.SECRETARY),
        "organization_officer": posts.get(CommitteePost.Post.ORGANIZATION),
        "party_member": ordinary,
    }
    names = {role: person[1] for role, person in people.items() if person}
    now = timezone.now()
    users = [
        User(
            username=a.username,
            display_name=a.display_name or names.get(a.role, "") or ROLES[a.role].label,
            password=hashed,
            password_changed_at=now,
        )
        for a in DEMO_ACCOUNTS
    ]
    User.objects.bulk_create(users)
    RoleAssignment.objects.bulk_create(
        RoleAssignment(user=u, role=a.role, org=places[a.where])
        for u, a in zip(users, DEMO_ACCOUNTS, strict=True)
    )
    by_role = {a.role: u for u, a in zip(users, DEMO_ACCOUNTS, strict=True)}
    selfservice_loader.link_accounts(
        {person[0]: by_role[role].pk for role, person in people.items() if person}
    )
    rows = [
        {
            "username": a.username,
            "display_name": u.display_name,
            "role": a.role,
            "role_label": ROLES[a.role].label,
            "org": org.name if (org := places[a.where]) is not None else "（全局角色）",
            "password": DEMO_PASSWORD,
        }
        for u, a in zip(users, DEMO_ACCOUNTS, strict=True)
    ]
    return rows, branch, by_role["branch_secretary"]


def account_rows() -> list[dict]:
    """The demo accounts as they exist now (for printing when the load was skipped)."""
    assignments = (
        RoleAssignment.objects.filter(user__username__in=DEMO_USERNAMES)
        .select_related("user", "org")
        .order_by("user__username")
    )
    order = {name: i for i, name in enumerate(DEMO_USERNAMES)}
    rows = [
        {
            "username": ra.user.username,
            "display_name": ra.user.display_name,
            "role": ra.role,
            "role_label": ROLES[ra.role].label if ra.role in ROLES else ra.role,
            "org": ra.org.name if ra.org is not None else "（全局角色）",
            "password": DEMO_PASSWORD,
        }
        for ra in sorted(assignments, key=lambda r: order[r.user.username])
    ]
    branch = next((ra.org for ra in assignments if ra.user.username == "shuji"), None)
    if branch is not None:
        members = selfservice_loader.existing_member_accounts(branch, DEMO_USERNAMES)
        rows.append(selfservice_loader.summary_row(branch, members, DEMO_PASSWORD))
    return rows


def today_default() -> dt.date:
    return timezone.localdate()
