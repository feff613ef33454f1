"""Loading the rule library: the package's `library/*.yaml` plus deployment directories.

`RulesConfig.ready()` loads and validates the library once; any problem (a missing field,
an unknown kind or activity kind, a bad citation, a duplicate id, a bad switch or parameter
override in settings) raises `ImproperlyConfigured` naming the file, the rule and the field,
so `migrate`, `runserver`, `serve` and every command refuse to start.

Settings (each also read from the environment of the same name, comma-separated or JSON):
- `DANGJIAN_RULES_LIBRARY_DIRS`: more directories of rule files (a deployment's own rules);
- `DANGJIAN_RULE_PARAMS`: parameter overrides for local rules, `{"rule.id": {"key": value}}`.
The on/off switches of local rules are in `rules/switches.py`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from dangjian.core import yamlio

from .schema import Rule, RuleFileError, parse_rule

PACKAGE_LIBRARY = Path(__file__).resolve().parent / "library"
PARAMS_SOURCE = "设置 DANGJIAN_RULE_PARAMS"


@dataclass(frozen=True)
class Library:
    rules: dict[str, Rule]
    files: tuple[str, ...]

    def __iter__(self):
        return iter(self.rules.values())

    def __len__(self) -> int:
        return len(self.rules)

    def get(self, rule_id: str) -> Rule:
        try:
            return self.rules[rule_id]
        except KeyError:
            raise LookupError(rule_id) from None

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self.rules


def setting(name: str, default: Any) -> Any:
    """A Django setting, else the environment variable of the same name, else `default`."""
    if hasattr(settings, name):
        return getattr(settings, name)
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    raw = raw.strip()
    if raw[0] in "[{":
        try:
            return json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ImproperlyConfigured(f"环境变量 {name} 不是有效的 JSON：{exc}") from exc
    return [part.strip() for part in raw.split(",") if part.strip()]


def library_dirs() -> list[Path]:
    extra = setting("DANGJIAN_RULES_LIBRARY_DIRS", [])
    if isinstance(extra, str):
        extra = [extra]
    return [PACKAGE_LIBRARY, *(Path(d) for d in extra)]


def display_path(path: Path) -> str:
    """The package's own files relative to the package (stable in messages), others absolute."""
    try:
        return str(path.resolve().relative_to(PACKAGE_LIBRARY.parent.parent.parent))
    except ValueError:
        return str(path)


def load_library(dirs: Iterable[Path] | None = None, params: Any = None) -> Library:
    """Read and validate every `*.yaml` of `dirs`; raise ImproperlyConfigured on the first problem."""
    rules: dict[str, Rule] = {}
    files: list[str] = []
    for directory in library_dirs() if dirs is None else dirs:
        if not directory.is_dir():
            raise ImproperlyConfigured(
                f"规则库目录 {directory} 不存在或不是目录（DANGJIAN_RULES_LIBRARY_DIRS）。"
            )
        for path in sorted(directory.glob("*.yaml")):
            source = display_path(path)
            files.append(source)
            for rule in read_file(path, source):
                if rule.id in rules:
                    raise RuleFileError(
                        source, rule.id, "id", f"编号重复：已在 {rules[rule.id].source} 中定义"
                    )
                rules[rule.id] = rule
    overrides = setting("DANGJIAN_RULE_PARAMS", {}) if params is None else params
    return Library(apply_param_overrides(rules, overrides), tuple(files))


def read_file(path: Path, source: str) -> list[Rule]:
    try:
        data = yamlio.load_path(path)
    except OSError as exc:
        raise RuleFileError(source, "", "（文件）", f"无法读取：{exc}") from exc
    except yamlio.YamlError as exc:
        raise RuleFileError(source, "", "（YAML）", exc.message) from exc
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        raise RuleFileError(source, "", "rules", "文件应包含 version: 1 和规则列表 rules")
    if data.get("version", 1) != 1:
        raise RuleFileError(
            source, "", "version", f"不支持的版本 {data.get('version')!r}（应为 1）"
        )
    return [parse_rule(item, source, i) for i, item in enumerate(data["rules"])]


def apply_param_overrides(rules: dict[str, Rule], overrides: Any) -> dict[str, Rule]:
    """Merge deployment parameters into local rules, validated like a rule file."""
    if not overrides:
        return rules
    if not isinstance(overrides, dict):
        raise RuleFileError(
            PARAMS_SOURCE, "", "DANGJIAN_RULE_PARAMS", "应为 {规则编号: {参数: 值}}"
        )
    for rule_id, changes in overrides.items():
        if rule_id not in rules:
            raise RuleFileError(PARAMS_SOURCE, rule_id, "id", "规则库中没有这条规则")
        rule = rules[rule_id]
        if not rule.local:
            raise RuleFileError(
                PARAMS_SOURCE, rule_id, "params", "只有地方性规则（local: true）可以调整参数"
            )
        if not isinstance(changes, dict):
            raise RuleFileError(PARAMS_SOURCE, rule_id, "params", "应为 {参数: 值}")
        data = rule.as_dict() | {"params": dict(rule.params) | changes}
        data.pop("source")
        for key in ("effective_from", "effective_to"):
            data[key] = getattr(rule, key)
        checked = parse_rule(data, PARAMS_SOURCE, 0)
        rules[rule_id] = replace(
            checked, source=rule.source, params=MappingProxyType(data["params"])
        )
    return rules


_library: Library | None = None


def get_library() -> Library:
    """The validated library of this process (loaded by `RulesConfig.ready`)."""
    global _library
    if _library is None:
        _library = load_library()
    return _library


def reload_library() -> Library:
    """Forget the cached library and load it again (tests that change settings)."""
    global _library
    _library = None
    return get_library()


def get_rule(rule_id: str) -> Rule:
    """The rule with this id; LookupError when the library has none."""
    return get_library().get(rule_id)


def all_rules() -> list[Rule]:
    return list(get_library())
