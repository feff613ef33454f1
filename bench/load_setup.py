"""The Django side of the load test (bench/load.py runs it as a child on the bench database).

    python bench/load_setup.py prepare [--seed 1]   # demo city if empty, bench accounts
    python bench/load_setup.py cleanup              # delete the meetings the load test recorded

`prepare` migrates, loads the demo city when the database is empty, and creates the
load test's own accounts once (later runs find them): 50 支部书记 at 50 distinct branches,
10 单位党组织管理员 at 10 unit orgs and 5 工委管理员 at the root — real org roles at real orgs
of the demo city, nothing granted that the platform would not grant. Each account also
gets the branch where it records its meetings (its own branch; for an admin a branch in its
scope). The 工委 accounts must sign in with a second factor: the driver enrols their
authenticator through the sign-in pages; for accounts already enrolled, the stored secret
is handed to the driver, which computes the codes like a phone would.

Prints one JSON document on the last line of stdout (see `prepare`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
from typing import Any

from common import ensure_demo, log, setup_django

setup_django()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db.models import Count, Q  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from dangjian.accounts import mfa  # noqa: E402
from dangjian.accounts.models import RoleAssignment, User  # noqa: E402
from dangjian.activities import attendance, kinds, services  # noqa: E402
from dangjian.activities.models import Activity  # noqa: E402
from dangjian.orgs.models import ACTIVE_MEMBERSHIP, Organization, OrgKind  # noqa: E402

# The password of the bench-only accounts (bench database only; 3 character classes, 14 long).
PASSWORD = "Load#Bench2024x"  # noqa: S105
# Every meeting the load test records carries this title prefix (cleanup finds them by it).
TITLE_MARK = "负载测试"
KIND = "member_assembly"
# persona → (how many accounts, username prefix, role)
PERSONAS = {
    "secretary": (50, "load_shuji_", "branch_secretary"),
    "unit_admin": (10, "load_danwei_", "unit_admin"),
    "committee": (5, "load_gongwei_", "committee_admin"),
}
# The pages each persona loops over: name → URL name (reversed here, so the driver follows
# the routes of the code it measures).
PAGES = {
    "home": "web:home",
    "activities": "activities:activity_list",
    "compliance": "rules:compliance",
    "reminders": "rules:inbox",
    "members": "members:member_list",
    "record form": "activities:activity_add",
}
# A recording branch should look like a real one: a few to a few dozen members.
MIN_ATTENDEES, MAX_ATTENDEES = 5, 60


def _recording_branches(rng: random.Random, want: int, within: str = "") -> list[Organization]:
    """Up to `want` active branches under path `within` where a 党员大会 can be recorded
    today with MIN..MAX expected members, in a seeded random order."""
    today = timezone.localdate()
    # Active members per subtree (a branch's members may sit in its 党小组), from one count
    # per org rolled up over the path prefixes.
    per_subtree: dict[str, int] = {}
    step = Organization.steplen
    for path, n in (
        Organization.objects.filter(path__startswith=within)
        .values_list("path")
        .annotate(n=Count("members", filter=Q(members__membership=ACTIVE_MEMBERSHIP)))
    ):
        for end in range(step, len(path) + 1, step):
            per_subtree[path[:end]] = per_subtree.get(path[:end], 0) + n
    per_branch = {
        pk: per_subtree.get(path, 0)
        for pk, path in Organization.objects.filter(
            kind=OrgKind.BRANCH, status="active", path__startswith=within
        ).values_list("pk", "path")
    }
    candidates = sorted(pk for pk, n in per_branch.items() if n >= MIN_ATTENDEES)
    rng.shuffle(candidates)
    chosen: list[Organization] = []
    for pk in candidates:
        org = Organization.objects.get(pk=pk)
        if kinds.kind_error(org, KIND, today):
            continue
        expected = len(attendance.expected_attendees(org, KIND, today))
        if MIN_ATTENDEES <= expected <= MAX_ATTENDEES:
            chosen.append(org)
        if len(chosen) == want:
            break
    return chosen


def _unit_orgs(rng: random.Random, want: int) -> list[Organization]:
    """`want` unit-level orgs (机关党组织), each with at least one recording branch."""
    units = list(Organization.objects.filter(kind=OrgKind.UNIT_PARTY, status="active"))
    units.sort(key=lambda o: o.path)
    rng.shuffle(units)
    return units[:want]


def _account(username: str, role: str, org: Organization, hashed: str) -> User:
    """The bench account `username` holding exactly `role` at `org`, able to sign in.

    `hashed` is PASSWORD hashed once: PBKDF2 costs about a second per call here."""
    user = User.objects.filter(username=username).first()
    if user is None or user.password_change_required():
        # New, or an old bench database whose password aged past the policy's maximum.
        user = user or User(username=username, display_name=f"负载测试 {username}")
        user.password, user.password_changed_at = hashed, timezone.now()
        user.must_change_password = False
        user.save()
    RoleAssignment.objects.filter(user=user).exclude(role=role, org=org).delete()
    RoleAssignment.objects.get_or_create(user=user, role=role, org=org)
    return user


def prepare(seed: int, scale: str) -> dict[str, Any]:
    ensure_demo(scale=scale)
    rng = random.Random(seed)
    hashed = make_password(PASSWORD)
    count, prefix, role = PERSONAS["secretary"]
    branches = _recording_branches(rng, count)
    if len(branches) < count:
        raise SystemExit(f"only {len(branches)} branches fit the load test, {count} needed")
    accounts: list[dict[str, Any]] = []
    for i, branch in enumerate(branches, start=1):
        user = _account(f"{prefix}{i:02d}", role, branch, hashed)
        accounts.append({"username": user.username, "persona": "secretary", "org": branch.pk})
    count, prefix, role = PERSONAS["unit_admin"]
    placed = 0
    for unit in _unit_orgs(rng, 4 * count):
        inside = _recording_branches(rng, 1, within=unit.path)
        if not inside:
            continue
        placed += 1
        user = _account(f"{prefix}{placed:02d}", role, unit, hashed)
        accounts.append({"username": user.username, "persona": "unit_admin", "org": inside[0].pk})
        if placed == count:
            break
    count, prefix, role = PERSONAS["committee"]
    root = Organization.objects.filter(kind=OrgKind.COMMITTEE).order_by("path").first()
    for i in range(1, count + 1):
        user = _account(f"{prefix}{i:02d}", role, root, hashed)
        device = mfa.confirmed_device(user)
        accounts.append(
            {
                "username": user.username,
                "persona": "committee",
                "org": rng.choice(branches).pk,
                # Enrolled on an earlier run: the driver computes codes from the stored secret.
                "totp_secret": device.secret if device is not None else None,
            }
        )
    return {
        "password": PASSWORD,
        "title_mark": TITLE_MARK,
        "kind": KIND,
        "today": timezone.localdate().isoformat(),
        "pages": {name: reverse(url) for name, url in PAGES.items()},
        "login": reverse("accounts:login"),
        "accounts": accounts,
        "database": {"orgs": Organization.objects.count()},
    }


def cleanup() -> dict[str, Any]:
    """Delete the meetings the load test recorded, through the service (audited like any)."""
    removed = 0
    for activity in Activity.objects.filter(title__startswith=TITLE_MARK).select_related(
        "recorded_by"
    ):
        services.delete_activity(activity.recorded_by, activity)
        removed += 1
    return {"removed": removed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("action", choices=["prepare", "cleanup"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scale", default="city", help="of the demo loaded when empty")
    args = parser.parse_args()
    started = dt.datetime.now(dt.UTC)
    result = prepare(args.seed, args.scale) if args.action == "prepare" else cleanup()
    log(f"  load_setup {args.action}: {(dt.datetime.now(dt.UTC) - started).total_seconds():.1f} s")
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
