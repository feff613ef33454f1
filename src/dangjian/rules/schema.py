"""What a rule in the library is, and the validation of one rule's YAML mapping.

A rule file (`rules/library/*.yaml`) holds `version: 1` and a list `rules`. Each rule is
validated field by field; the first problem raises `RuleFileError` naming the file, the
rule id and the field, so a broken library stops start-up with a message that says where
to look (`rules/loader.py`, `RulesConfig.ready`). docs/rules.md describes every field.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from dangjian.activities.models import ActivityKind
from dangjian.orgs import termrules
from dangjian.orgs.models import OrgKind

FREQUENCY, TERM, INACTIVITY, DEADLINE, HOLIDAY, GUIDANCE = (
    "frequency",
    "term",
    "inactivity",
    "deadline",
    "holiday",
    "guidance",
)
KIND_LABELS = {
    FREQUENCY: "频次",
    TERM: "届期与换届",
    INACTIVITY: "党员长期未参加组织生活",
    DEADLINE: "期限提醒",
    HOLIDAY: "节假日提醒",
    GUIDANCE: "参考（不自动检查）",
}
SEVERITY_LABELS = {"error": "必须", "warning": "提示", "info": "参考"}
PERIOD_LABELS = {"month": "每月", "quarter": "每季度", "year": "每年"}
DEADLINE_EVENTS = ("probation_end", "political_birthday")
EACH_ACTIVITY_CHECKS = {"first_topic": "有“第一议题”议程"}

# The one term-length source (Term.compute_planned_end reads it); term rules point at it.
TERM_LENGTHS_FILE = "orgs/library/term_lengths.yaml"

RULE_ID_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
_NUM = "〇零一二三四五六七八九十百"
ARTICLE_RE = re.compile(rf"^第[{_NUM}]+条(（[{_NUM}]+）)?(、第[{_NUM}]+条(（[{_NUM}]+）)?)*$")

RULE_KEYS = {
    "id",
    "title",
    "description",
    "kind",
    "applies_to",
    "severity",
    "citation",
    "params",
    "effective_from",
    "effective_to",
    "local",
    "default_enabled",
}
REQUIRED_KEYS = ("id", "title", "kind", "applies_to", "severity", "citation")
CITATION_KEYS = {"document", "article", "quote", "verified", "note"}


class RuleFileError(ImproperlyConfigured):
    """A rule file is invalid: names the file, the rule and the field."""

    def __init__(self, source: str, rule_id: str, field_name: str, message: str) -> None:
        self.source, self.rule_id, self.field_name = source, rule_id, field_name
        where = f"规则 {rule_id}" if rule_id else "文件"
        super().__init__(f"规则库文件 {source}：{where} 的字段 {field_name} 无效：{message}")


@dataclass(frozen=True)
class Citation:
    document: str
    article: str
    quote: str
    verified: bool
    note: str = ""

    def text(self) -> str:
        """One line for reminders and exports: 《…》第十一条：“…”（已核实）."""
        head = f"{self.document}{self.article}"
        quote = f"：“{self.quote}”" if self.quote else ""
        return f"{head}{quote}（{'已核实' if self.verified else '未核实'}）"

    def as_dict(self) -> dict[str, Any]:
        return {
            "document": self.document,
            "article": self.article,
            "quote": self.quote,
            "verified": self.verified,
            "note": self.note,
        }


@dataclass(frozen=True)
class Frequency:
    """≥ `min_count` activities of `activity_kinds` per `period` (the evaluator's input)."""

    activity_kinds: tuple[str, ...]
    min_count: int
    period: str
    preferred_quarter: int | None = None
    min_full_members: int | None = None
    day_of_month: int | None = None
    every_activity_has: str | None = None


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    kind: str
    applies_to: tuple[str, ...]
    severity: str
    citation: Citation
    params: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    description: str = ""
    effective_from: dt.date | None = None
    effective_to: dt.date | None = None
    local: bool = False
    default_enabled: bool = True
    source: str = ""
    frequency: Frequency | None = None

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def severity_label(self) -> str:
        return SEVERITY_LABELS[self.severity]

    @property
    def applies_to_labels(self) -> list[str]:
        return [str(OrgKind(k).label) for k in self.applies_to]

    @property
    def schedule(self) -> Frequency:
        """The frequency parameters (frequency rules only)."""
        if self.frequency is None:
            raise ValueError(f"{self.id} is not a frequency rule")
        return self.frequency

    @property
    def is_evaluated(self) -> bool:
        """Does the compliance evaluator judge it (the other kinds feed reminders)?"""
        return self.kind == FREQUENCY

    def in_force(self, start: dt.date, end: dt.date) -> bool:
        """Was the rule in force for the whole of [start, end]?"""
        if self.effective_from and start < self.effective_from:
            return False
        return not (self.effective_to and end > self.effective_to)

    def describe_params(self) -> list[str]:
        """The parameters as Chinese phrases for the rules page."""
        if self.frequency is not None:
            return describe_frequency(self.frequency)
        p = self.params
        if self.kind == TERM:
            return [f"党组织届期：{describe_term_lengths(self.applies_to)}"] + (
                [f"延期或提前一般不超过 {p['max_extension_years']} 年"]
                if "max_extension_years" in p
                else []
            )
        if self.kind == INACTIVITY:
            return [f"满 {p['warn_after_months']} 个月提示，满 {p['alert_after_months']} 个月告警"]
        if self.kind == DEADLINE:
            return [f"提前 {p['days_before']} 天提醒"] if p.get("days_before") else ["当月提醒"]
        if self.kind == HOLIDAY:
            return [
                f"节前 {p['days_before']} 天提醒" + ("，节后检查" if p.get("follow_up") else "")
            ]
        return []

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "kind": self.kind,
            "applies_to": list(self.applies_to),
            "severity": self.severity,
            "citation": self.citation.as_dict(),
            "params": _plain(self.params),
            "effective_from": self.effective_from.isoformat() if self.effective_from else None,
            "effective_to": self.effective_to.isoformat() if self.effective_to else None,
            "local": self.local,
            "default_enabled": self.default_enabled,
            "source": self.source,
        }


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def describe_frequency(f: Frequency) -> list[str]:
    kinds = "、".join(str(ActivityKind(k).label) for k in f.activity_kinds)
    lines = []
    if f.every_activity_has:
        lines.append(f"每次{kinds}均{EACH_ACTIVITY_CHECKS[f.every_activity_has]}")
    if f.min_count:
        lines.append(f"{PERIOD_LABELS[f.period]}至少 {f.min_count} 次{kinds}")
    if f.day_of_month:
        lines.append(f"在每月 {f.day_of_month} 日开展")
    if f.preferred_quarter:
        lines.append(
            f"一般安排在第{'一二三四'[f.preferred_quarter - 1]}季度（其他季度召开给出提示）"
        )
    if f.min_full_members:
        lines.append(f"正式党员满 {f.min_full_members} 人（设支部委员会）的当月起适用")
    return lines


def describe_term_lengths(kinds: tuple[str, ...]) -> str:
    parts = []
    for kind in kinds:
        term = termrules.term_rule(kind)
        if term is not None:
            parts.append(f"{OrgKind(kind).label} {term.years} 年")
    return "、".join(parts)


# --- validation ---------------------------------------------------------------------------


class _Checker:
    """Field checks for one rule; each failure raises RuleFileError with file, id and field."""

    def __init__(self, source: str, rule_id: str) -> None:
        self.source, self.rule_id = source, rule_id

    def fail(self, field_name: str, message: str) -> RuleFileError:
        return RuleFileError(self.source, self.rule_id, field_name, message)

    def text(self, data: Mapping, key: str, *, required: bool = True, prefix: str = "") -> str:
        value = data.get(key, None)
        if value is None or value == "":
            if required:
                raise self.fail(prefix + key, "必填，不能为空")
            return ""
        if not isinstance(value, str):
            raise self.fail(prefix + key, f"应为文本，实际为 {value!r}")
        return value.strip()

    def boolean(self, data: Mapping, key: str, default: bool, prefix: str = "") -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(prefix + key, f"应为 true 或 false，实际为 {value!r}")
        return value

    def integer(self, data: Mapping, key: str, lo: int, hi: int, prefix: str = "params.") -> int:
        value = data.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise self.fail(prefix + key, f"应为 {lo} 到 {hi} 之间的整数，实际为 {value!r}")
        return value

    def date(self, data: Mapping, key: str) -> dt.date | None:
        value = data.get(key)
        if value is None or value == "":
            return None
        if isinstance(value, dt.datetime):
            raise self.fail(key, "应为日期（YYYY-MM-DD），不要带时间")
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            raise self.fail(key, f"应为日期 YYYY-MM-DD，实际为 {value!r}") from None

    def only_keys(self, data: Mapping, allowed: set[str], prefix: str = "") -> None:
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise self.fail(prefix + unknown[0], f"未知字段（可用：{'、'.join(sorted(allowed))}）")


def parse_rule(data: Any, source: str, index: int) -> Rule:
    """Validate one rule mapping from `source` (its position `index` names it when id is bad)."""
    if not isinstance(data, Mapping):
        raise RuleFileError(source, f"#{index + 1}", "rules", "每条规则应为一个映射（键: 值）")
    raw_id = data.get("id")
    label = raw_id if isinstance(raw_id, str) and raw_id else f"#{index + 1}"
    c = _Checker(source, label)
    c.only_keys(data, RULE_KEYS)
    for key in REQUIRED_KEYS:
        if data.get(key) in (None, "", [], {}):
            raise c.fail(key, "必填，不能为空")
    rule_id = c.text(data, "id")
    if not RULE_ID_RE.match(rule_id):
        raise c.fail(
            "id", "应为小写英文、数字和下划线，用点分段，如 branch.member_assembly.quarterly"
        )
    kind = data["kind"]
    if kind not in KIND_LABELS:
        raise c.fail("kind", f"未知的规则类型 {kind!r}（可用：{'、'.join(KIND_LABELS)}）")
    severity = data["severity"]
    if severity not in SEVERITY_LABELS:
        raise c.fail("severity", f"应为 {'、'.join(SEVERITY_LABELS)} 之一，实际为 {severity!r}")
    applies_to = data["applies_to"]
    if not isinstance(applies_to, list) or not applies_to:
        raise c.fail("applies_to", "应为党组织类别的列表，如 [branch]")
    for org_kind in applies_to:
        if org_kind not in OrgKind.values:
            raise c.fail(
                "applies_to", f"未知的党组织类别 {org_kind!r}（可用：{'、'.join(OrgKind.values)}）"
            )
    citation = parse_citation(c, data["citation"])
    local = c.boolean(data, "local", False)
    default_enabled = c.boolean(data, "default_enabled", True)
    if not default_enabled and not local:
        raise c.fail("default_enabled", "只有地方性规则（local: true）可以默认停用")
    effective_from, effective_to = c.date(data, "effective_from"), c.date(data, "effective_to")
    if effective_from and effective_to and effective_to < effective_from:
        raise c.fail("effective_to", "失效日期不能早于施行日期")
    params = data.get("params") or {}
    if not isinstance(params, Mapping):
        raise c.fail("params", "应为映射（键: 值）")
    frequency = check_params(c, kind, tuple(applies_to), params)
    return Rule(
        id=rule_id,
        title=c.text(data, "title"),
        kind=kind,
        applies_to=tuple(applies_to),
        severity=severity,
        citation=citation,
        params=MappingProxyType(dict(params)),
        description=c.text(data, "description", required=False),
        effective_from=effective_from,
        effective_to=effective_to,
        local=local,
        default_enabled=default_enabled,
        source=source,
        frequency=frequency,
    )


def parse_citation(c: _Checker, data: Any) -> Citation:
    if not isinstance(data, Mapping):
        raise c.fail("citation", "应为映射，含 document、article、quote、verified")
    c.only_keys(data, CITATION_KEYS, prefix="citation.")
    if "verified" not in data:
        raise c.fail("citation.verified", "必填：依据是否已核实（true 或 false）")
    verified = c.boolean(data, "verified", False, prefix="citation.")
    article = c.text(data, "article", required=False, prefix="citation.")
    if article and not ARTICLE_RE.match(article):
        raise c.fail(
            "citation.article",
            f"条款号应写作“第十一条”（多条用顿号分隔）；未核实的请留空，不要编写，实际为 {article!r}",
        )
    return Citation(
        document=c.text(data, "document", prefix="citation."),
        article=article,
        quote=c.text(data, "quote", required=False, prefix="citation."),
        verified=verified,
        note=c.text(data, "note", required=False, prefix="citation."),
    )


def check_params(
    c: _Checker, kind: str, applies_to: tuple[str, ...], p: Mapping
) -> Frequency | None:
    """Validate the kind's parameters; a frequency rule also gets its typed `Frequency`."""
    if kind == FREQUENCY:
        return check_frequency(c, p)
    if kind == TERM:
        c.only_keys(
            p,
            {"term_lengths", "max_extension_years", "overdue_every_months", "no_data_every_months"},
            prefix="params.",
        )
        if p.get("term_lengths") != TERM_LENGTHS_FILE:
            raise c.fail(
                "params.term_lengths",
                f"届期规则应引用 {TERM_LENGTHS_FILE}（唯一来源，不在此重复年限）",
            )
        for org_kind in applies_to:
            if termrules.term_rule(org_kind) is None:
                raise c.fail("applies_to", f"{org_kind} 在 {TERM_LENGTHS_FILE} 中没有届期")
        for key in ("max_extension_years", "overdue_every_months", "no_data_every_months"):
            if key in p:
                c.integer(p, key, 1, 12)
    elif kind == INACTIVITY:
        c.only_keys(p, {"warn_after_months", "alert_after_months"}, prefix="params.")
        warn = c.integer(p, "warn_after_months", 1, 24)
        if c.integer(p, "alert_after_months", 1, 24) <= warn:
            raise c.fail("params.alert_after_months", "告警月数应大于提示月数")
    elif kind == DEADLINE:
        c.only_keys(p, {"event", "days_before"}, prefix="params.")
        if p.get("event") not in DEADLINE_EVENTS:
            raise c.fail("params.event", f"应为 {'、'.join(DEADLINE_EVENTS)} 之一")
        c.integer(p, "days_before", 0, 366)
    elif kind == HOLIDAY:
        c.only_keys(p, {"days_before", "follow_up"}, prefix="params.")
        c.integer(p, "days_before", 1, 60)
        c.boolean(p, "follow_up", False, prefix="params.")
    elif kind == GUIDANCE and p:
        raise c.fail("params", "参考类规则不自动检查，不应有参数")
    return None


def check_frequency(c: _Checker, p: Mapping) -> Frequency:
    allowed = {
        "activity_kinds",
        "min_count",
        "period",
        "preferred_quarter",
        "condition",
        "day_of_month",
        "every_activity_has",
    }
    c.only_keys(p, allowed, prefix="params.")
    kinds = p.get("activity_kinds")
    if not isinstance(kinds, list) or not kinds:
        raise c.fail("params.activity_kinds", "应为活动类型的列表，如 [member_assembly]")
    for activity_kind in kinds:
        if activity_kind not in ActivityKind.values:
            raise c.fail(
                "params.activity_kinds",
                f"未知的活动类型 {activity_kind!r}（可用：{'、'.join(ActivityKind.values)}）",
            )
    period = p.get("period")
    if period not in PERIOD_LABELS:
        raise c.fail("params.period", f"应为 {'、'.join(PERIOD_LABELS)} 之一，实际为 {period!r}")
    min_count = c.integer(p, "min_count", 0, 100)
    every = p.get("every_activity_has")
    if every is not None and every not in EACH_ACTIVITY_CHECKS:
        raise c.fail("params.every_activity_has", f"应为 {'、'.join(EACH_ACTIVITY_CHECKS)} 之一")
    if min_count == 0 and every is None:
        raise c.fail("params.min_count", "为 0 时必须同时设置 every_activity_has")
    preferred = None
    if "preferred_quarter" in p:
        if period != "year":
            raise c.fail("params.preferred_quarter", "只适用于按年检查（period: year）的规则")
        preferred = c.integer(p, "preferred_quarter", 1, 4)
    min_full = None
    if "condition" in p:
        cond = p["condition"]
        if not isinstance(cond, Mapping):
            raise c.fail("params.condition", "应为映射，如 {min_full_members: 7}")
        c.only_keys(cond, {"min_full_members"}, prefix="params.condition.")
        min_full = c.integer(cond, "min_full_members", 1, 1000, prefix="params.condition.")
    day = None
    if "day_of_month" in p:
        if period != "month":
            raise c.fail("params.day_of_month", "只适用于按月检查（period: month）的规则")
        day = c.integer(p, "day_of_month", 1, 28)
    return Frequency(
        activity_kinds=tuple(kinds),
        min_count=min_count,
        period=period,
        preferred_quarter=preferred,
        min_full_members=min_full,
        day_of_month=day,
        every_activity_has=every,
    )
