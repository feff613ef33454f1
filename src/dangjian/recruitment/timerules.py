"""The time and procedure rules of 发展党员 as data (`timerules.yaml`), cited.

Loaded once through the project's one safe YAML loader (`core.yamlio`) and validated at
start-up (`RecruitmentConfig.ready`): a missing rule, an unknown key or a bad parameter
stops the process with a Chinese message naming the rule and the field, as the rules
library does (rules/schema.py). The services cite `rule.cite()` in every refusal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from dangjian.core import yamlio

PATH = Path(__file__).with_name("timerules.yaml")

AGE = "recruitment.age"
TALK = "recruitment.talk"
REVIEW = "recruitment.review"
ACTIVIST_YEAR = "recruitment.activist_year"
CONTACTS = "recruitment.contacts"
INTRODUCERS = "recruitment.introducers"
TRAINING = "recruitment.training"
FORM_NUMBER = "recruitment.form_number"
QUORUM = "recruitment.quorum"
APPROVAL = "recruitment.approval"
PROBATION = "recruitment.probation"
EXTENSION = "recruitment.extension"
CONVERSION = "recruitment.conversion"
ORDER = "recruitment.order"

# Every rule the code checks, with the integer parameters it reads and their bounds.
PARAMS: dict[str, dict[str, tuple[int, int]]] = {
    AGE: {"min_age_years": (14, 30)},
    TALK: {"within_months": (1, 12)},
    REVIEW: {"every_months": (1, 12)},
    ACTIVIST_YEAR: {"min_years": (1, 5)},
    CONTACTS: {"min_people": (1, 5), "max_people": (1, 5)},
    INTRODUCERS: {"people": (1, 5)},
    TRAINING: {"min_days": (1, 30), "min_hours": (1, 240)},
    FORM_NUMBER: {},
    QUORUM: {},
    APPROVAL: {"within_months": (1, 12), "max_months": (1, 24)},
    PROBATION: {"years": (1, 3)},
    EXTENSION: {"min_months": (1, 24), "max_months": (1, 24)},
    CONVERSION: {"approval_within_months": (1, 12)},
    ORDER: {},
}
_RULE_KEYS = {"id", "title", "exceptable", "description", "citation", "params"}
_CITATION_KEYS = {"document", "article", "quote", "verified", "note"}
_NUM = "〇零一二三四五六七八九十百"
_ARTICLE_RE = re.compile(rf"^(第[{_NUM}]+条)(、第[{_NUM}]+条)*$")


@dataclass(frozen=True)
class TimeRule:
    id: str
    title: str
    exceptable: bool
    description: str
    document: str
    article: str
    verified: bool
    note: str = ""
    quote: str = ""
    params: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))

    def cite(self) -> str:
        """The citation as a refusal names it: 《细则》第七条（条款待核实）."""
        text = f"{self.document}{self.article}"
        return text if self.verified else f"{text}（待核实）"

    def __getitem__(self, name: str) -> int:
        return self.params[name]


class TimeRuleError(ImproperlyConfigured):
    def __init__(self, rule_id: str, field_name: str, message: str) -> None:
        where = f"规则 {rule_id}" if rule_id else "文件"
        super().__init__(
            f"发展党员规则文件 timerules.yaml：{where} 的字段 {field_name} 无效：{message}"
        )


def _text(raw: dict, key: str, rule_id: str, *, required: bool = True) -> str:
    value = raw.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise TimeRuleError(rule_id, key, "应为非空文字" if required else "应为文字")
    return value.strip()


def _parse(raw: Any) -> TimeRule:
    if not isinstance(raw, dict):
        raise TimeRuleError("", "rules", "每条规则应为一个映射")
    rule_id = raw.get("id")
    if not isinstance(rule_id, str) or rule_id not in PARAMS:
        raise TimeRuleError(str(rule_id or ""), "id", "不是本平台检查的规则")
    unknown = set(raw) - _RULE_KEYS
    if unknown:
        raise TimeRuleError(rule_id, ",".join(sorted(unknown)), "未知字段")
    if not isinstance(raw.get("exceptable"), bool):
        raise TimeRuleError(rule_id, "exceptable", "应为 true 或 false")
    citation = raw.get("citation")
    if not isinstance(citation, dict) or set(citation) - _CITATION_KEYS:
        raise TimeRuleError(rule_id, "citation", f"应为映射，字段限于 {sorted(_CITATION_KEYS)}")
    if not isinstance(citation.get("verified"), bool):
        raise TimeRuleError(rule_id, "citation.verified", "应为 true 或 false")
    article = _text(citation, "article", rule_id, required=False)
    if article and not _ARTICLE_RE.match(article):
        raise TimeRuleError(rule_id, "citation.article", f"“{article}”不是“第X条”的写法")
    if citation["verified"] and not article:
        raise TimeRuleError(rule_id, "citation.article", "已核实的规则须写明条款")
    params = raw.get("params") or {}
    if not isinstance(params, dict) or set(params) != set(PARAMS[rule_id]):
        raise TimeRuleError(rule_id, "params", f"应恰好包含 {sorted(PARAMS[rule_id])}")
    for name, (lo, hi) in PARAMS[rule_id].items():
        value = params[name]
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise TimeRuleError(rule_id, f"params.{name}", f"应为 {lo} 至 {hi} 的整数")
    return TimeRule(
        id=rule_id,
        title=_text(raw, "title", rule_id),
        exceptable=raw["exceptable"],
        description=_text(raw, "description", rule_id, required=False),
        document=_text(citation, "document", rule_id),
        article=article,
        verified=citation["verified"],
        note=_text(citation, "note", rule_id, required=False),
        quote=_text(citation, "quote", rule_id, required=False),
        params=MappingProxyType(dict(params)),
    )


def parse(data: Any) -> dict[str, TimeRule]:
    """Validate the file's data; every rule of PARAMS exactly once."""
    if not isinstance(data, dict) or data.get("version") != 1 or set(data) != {"version", "rules"}:
        raise TimeRuleError("", "version", "文件应包含 version: 1 与 rules 列表")
    if not isinstance(data["rules"], list):
        raise TimeRuleError("", "rules", "应为列表")
    rules: dict[str, TimeRule] = {}
    for raw in data["rules"]:
        rule = _parse(raw)
        if rule.id in rules:
            raise TimeRuleError(rule.id, "id", "重复")
        rules[rule.id] = rule
    missing = set(PARAMS) - set(rules)
    if missing:
        raise TimeRuleError(",".join(sorted(missing)), "id", "缺少此规则")
    lo, hi = rules[CONTACTS]["min_people"], rules[CONTACTS]["max_people"]
    if lo > hi:
        raise TimeRuleError(CONTACTS, "params", "min_people 不能大于 max_people")
    if rules[APPROVAL]["within_months"] > rules[APPROVAL]["max_months"]:
        raise TimeRuleError(APPROVAL, "params", "within_months 不能大于 max_months")
    if rules[EXTENSION]["min_months"] > rules[EXTENSION]["max_months"]:
        raise TimeRuleError(EXTENSION, "params", "min_months 不能大于 max_months")
    return rules


@cache
def get_rules() -> dict[str, TimeRule]:
    try:
        data = yamlio.load_path(PATH)
    except yamlio.YamlError as exc:
        raise TimeRuleError("", "文件", str(exc)) from exc
    return parse(data)


def rule(rule_id: str) -> TimeRule:
    return get_rules()[rule_id]


def exceptable_ids() -> list[str]:
    """The rules a step may break as an approved exception (form choices)."""
    return [r.id for r in get_rules().values() if r.exceptable]
