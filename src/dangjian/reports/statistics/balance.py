"""The balance check (两年党员数综合比较): 上年末 + 发展 + 转入 − 出党 − 转出 = 本年末.

Checked per scope and, to say what to fix, per member: for each member touched by the
year, [on the roll at the start] + admissions + transfers in − exits − transfers out must
equal [on the roll at the end]. The scope's totals are the sums of these, so the totals
balance whenever no member is listed (a +1 and a −1 on two members can also cancel out in
the totals: both are still listed).

Admissions are those with a 发展党员 record (the 支部大会 step in the year), as the 发展党员
table counts them: a member entered with a joining date in the year but no such record is
on the roll at the end without a movement, and is listed — the record, or the date, needs
fixing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from dangjian.members.models import Member

from .facts import Facts

LIST_LIMIT = 500  # members listed on the page; the count says how many there are in all


@dataclass
class Movement:
    admitted: int = 0
    unrecorded_join: int = 0
    moved_in: int = 0
    moved_out: int = 0
    exited: int = 0


@dataclass
class Mismatch:
    member_id: int
    name: str
    org_name: str
    at_start: bool
    at_end: bool
    movement: Movement

    @property
    def expected_end(self) -> int:
        m = self.movement
        return int(self.at_start) + m.admitted + m.moved_in - m.exited - m.moved_out

    @property
    def problem(self) -> str:
        m, start, end = self.movement, self.at_start, self.at_end
        if m.unrecorded_join and end and not start:
            return (
                "入党日期在本年度，但发展党员纪实中没有本年度支部大会接收的记录："
                "请补录发展党员纪实，或核对入党日期。"
            )
        if end and not start and not (m.admitted or m.moved_in):
            return (
                "年末在册，但年初不在册，本年度也没有发展或转入记录："
                "请核对入党日期和组织关系转入记录。"
            )
        if start and not end and not (m.exited or m.moved_out):
            return (
                "年初在册、年末不在册，但本年度没有出党或转出记录："
                "请核对党籍状态，补登出党或组织关系转出记录。"
            )
        return (
            f"年初{'在册' if start else '不在册'}，发展 {m.admitted}、转入 {m.moved_in}、"
            f"出党 {m.exited}、转出 {m.moved_out}，年末{'在册' if end else '不在册'}："
            "增减记录与在册情况不符，请核对组织关系转接的日期和转出、转入组织。"
        )


@dataclass
class Balance:
    start: int
    admitted: int
    moved_in: int
    exited: int
    moved_out: int
    end: int
    mismatches: list[Mismatch]
    mismatch_count: int

    @property
    def computed_end(self) -> int:
        return self.start + self.admitted + self.moved_in - self.exited - self.moved_out

    @property
    def difference(self) -> int:
        return self.end - self.computed_end

    @property
    def balanced(self) -> bool:
        return self.difference == 0 and self.mismatch_count == 0


def movements(facts: Facts) -> dict[int, Movement]:
    out: dict[int, Movement] = {}

    def of(pk: int) -> Movement:
        return out.setdefault(pk, Movement())

    for j in facts.joiners:
        if j.recorded:
            of(j.pk).admitted += 1
        else:
            of(j.pk).unrecorded_join += 1
    for mv in facts.moves:
        if mv.to_in and not mv.from_in:
            of(mv.member_id).moved_in += 1
        elif mv.from_in and not mv.to_in:
            of(mv.member_id).moved_out += 1
    for pk, _kind in facts.exits:
        of(pk).exited += 1
    return out


def check(facts: Facts) -> Balance:
    """The scope's balance and the members whose records do not add up (one query for
    the names of those listed)."""
    moved = movements(facts)
    totals: Counter = Counter()
    for m in moved.values():
        totals.update(
            admitted=m.admitted, moved_in=m.moved_in, moved_out=m.moved_out, exited=m.exited
        )
    start, end = facts.start_ids, facts.end_ids
    wrong: list[tuple[int, Movement]] = []
    # A member on the roll at both ends, or at neither, with no movement adds up: only
    # those whose presence changed or who moved need the per-member sum.
    for pk in sorted((start ^ end) | moved.keys()):
        m = moved.get(pk, Movement())
        expected = int(pk in start) + m.admitted + m.moved_in - m.exited - m.moved_out
        if expected != int(pk in end):
            wrong.append((pk, m))
    shown = wrong[:LIST_LIMIT]
    names = {
        pk: (name, org)
        for pk, name, org in Member.objects.filter(pk__in=[pk for pk, _m in shown]).values_list(
            "pk", "name", "org__name"
        )
    }
    mismatches = [
        Mismatch(pk, *names.get(pk, ("", "")), pk in start, pk in end, m) for pk, m in shown
    ]
    return Balance(
        start=len(start),
        admitted=totals["admitted"],
        moved_in=totals["moved_in"],
        exited=totals["exited"],
        moved_out=totals["moved_out"],
        end=len(end),
        mismatches=mismatches,
        mismatch_count=len(wrong),
    )
