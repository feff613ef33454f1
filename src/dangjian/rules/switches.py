"""Which rules are on: national rules always; local rules by settings, then the UI switch.

Precedence for a local rule (`local: true`):
1. `DANGJIAN_RULES_DISABLED` / `DANGJIAN_RULES_ENABLED` (settings or environment lists):
   the deployment's decision; the rules page shows the rule as locked by the deployment;
2. a `RuleSetting` row, set on the rules page by a 工委管理员 (audited);
3. the rule's `default_enabled` in the library.
A national rule cannot be switched off: naming one in the settings stops start-up, as does
an unknown id or an id in both lists.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

from .loader import Library, get_library, setting
from .schema import Rule


@dataclass(frozen=True)
class Switch:
    enabled: bool
    locked: bool  # set by the deployment's settings: the UI cannot change it
    source: str  # "settings" | "ui" | "default" | "national"

    @property
    def source_label(self) -> str:
        return {
            "settings": "部署配置",
            "ui": "页面设置",
            "default": "默认",
            "national": "全国性规定",
        }[self.source]


def settings_switches(library: Library | None = None) -> dict[str, bool]:
    """{rule id: enabled} from the settings, validated against the library."""
    library = library or get_library()
    disabled = _ids("DANGJIAN_RULES_DISABLED")
    enabled = _ids("DANGJIAN_RULES_ENABLED")
    for name, ids in (("DANGJIAN_RULES_DISABLED", disabled), ("DANGJIAN_RULES_ENABLED", enabled)):
        for rule_id in ids:
            if rule_id not in library:
                raise ImproperlyConfigured(
                    f"设置 {name} 中的规则 {rule_id} 不存在，请检查规则编号。"
                )
            if not library.get(rule_id).local:
                raise ImproperlyConfigured(
                    f"设置 {name} 中的规则 {rule_id} 是全国性规定，不能停用或启用；只有地方性规则可以切换。"
                )
    both = sorted(set(disabled) & set(enabled))
    if both:
        raise ImproperlyConfigured(
            f"规则 {both[0]} 同时出现在 DANGJIAN_RULES_DISABLED 和 DANGJIAN_RULES_ENABLED 中。"
        )
    return {**dict.fromkeys(enabled, True), **dict.fromkeys(disabled, False)}


def _ids(name: str) -> list[str]:
    value = setting(name, [])
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ImproperlyConfigured(f"设置 {name} 应为规则编号的列表。")
    return list(value)


def switches(rules: list[Rule] | None = None) -> dict[str, Switch]:
    """The switch of every rule (one query on RuleSetting)."""
    from .models import RuleSetting

    library = get_library()
    rules = list(library) if rules is None else rules
    forced = settings_switches(library)
    stored = dict(RuleSetting.objects.values_list("rule_id", "enabled"))
    result: dict[str, Switch] = {}
    for rule in rules:
        if not rule.local:
            result[rule.id] = Switch(True, True, "national")
        elif rule.id in forced:
            result[rule.id] = Switch(forced[rule.id], True, "settings")
        elif rule.id in stored:
            result[rule.id] = Switch(stored[rule.id], False, "ui")
        else:
            result[rule.id] = Switch(rule.default_enabled, False, "default")
    return result


def enabled_rules(rules: list[Rule] | None = None) -> list[Rule]:
    rules = list(get_library()) if rules is None else rules
    state = switches(rules)
    return [r for r in rules if state[r.id].enabled]


def is_enabled(rule: Rule) -> bool:
    return switches([rule])[rule.id].enabled
