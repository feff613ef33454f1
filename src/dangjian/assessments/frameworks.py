"""Framework libraries (考评模板): YAML files shipped in `library/`, or imported in the UI.

A file describes one framework: its header (code, name, where it applies, optional pass line,
rating bands and quota shares) and a tree of items. `parse_framework` validates everything
and returns a normalized spec (the item tree flattened in reading order, with inherited
methods and categories filled in), or raises `FrameworkFileError` listing every problem
with the file, the item code and the field. docs/assessments.md ("框架文件格式") is the
reference for authors.

Versions: the database keeps every version of a framework (`Framework.code` + `version`).
Text identity is the sha256 of the file: the same text is never loaded twice, a changed
text becomes a new version, and an existing version is never edited in place, so a
campaign keeps exactly the checklist it was run on.
"""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max

from dangjian.core import yamlio
from dangjian.core.models import snapshot
from dangjian.core.scoping import has_any_scope
from dangjian.core.services import emit
from dangjian.dues import audit as dues_audit
from dangjian.orgs.models import OrgKind

from .models import CampaignType, Framework, FrameworkItem, ItemKind, Method

PACKAGE_LIBRARY = Path(__file__).resolve().parent / "library"
FORMAT_VERSION = 1
CODE_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
ITEM_CODE_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._\-]{0,31}$")
REQUIREMENTS = {"innovation": "有创新项目"}

HEADER_KEYS = {
    "version",
    "code",
    "name",
    "description",
    "basis",
    "is_example",
    "campaign_types",
    "target_kinds",
    "total_score",
    "pass_score",
    "rating_bands",
    "quota_shares",
    "items",
}
ITEM_KEYS = {
    "code",
    "text",
    "kind",
    "max_score",
    "methods",
    "evidence_hint",
    "category",
    "rule_id",
    "evidence_source",
    "children",
}
MAX_LENGTHS = {
    "name": 100,
    "basis": 300,
    "evidence_hint": 300,
    "category": 64,
    "rule_id": 64,
    "evidence_source": 32,
}
KIND_LABELS = {k.value: str(k.label) for k in ItemKind}
METHOD_LABELS = {m.value: str(m.label) for m in Method}
HEADER = "（模板）"


class FrameworkFileError(ValidationError):
    """A framework file is invalid. `problems` lists (item code, field, message)."""

    def __init__(self, filename: str, problems: list[tuple[str, str, str]]) -> None:
        self.filename = filename
        self.problems = problems
        messages = []
        for code, field_name, message in problems:
            where = HEADER if code == HEADER else f"条目 {code}"
            messages.append(f"考评模板文件 {filename}：{where} 的字段 {field_name} 无效：{message}")
        super().__init__(messages)


class _Checker:
    """Collects the problems of one file, so an author sees all of them at once."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.problems: list[tuple[str, str, str]] = []

    def add(self, code: str, field_name: str, message: str) -> None:
        self.problems.append((code, field_name, message))

    def done(self) -> None:
        if self.problems:
            raise FrameworkFileError(self.filename, self.problems)


def _decimal(value: Any) -> Decimal | None:
    """A finite number from YAML (int, float or numeric string), else None."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _text(check: _Checker, code: str, data: dict, key: str, *, required: bool = False) -> str:
    value = data.get(key)
    if value is None or value == "":
        if required:
            check.add(code, key, "不能为空")
        return ""
    if not isinstance(value, str):
        check.add(code, key, "应为文字")
        return ""
    value = value.strip()
    limit = MAX_LENGTHS.get(key)
    if limit and len(value) > limit:
        check.add(code, key, f"不能超过 {limit} 个字（现有 {len(value)} 个）")
    return value


def _choice_list(
    check: _Checker, code: str, data: dict, key: str, allowed: dict[str, str], *, required: bool
) -> list[str]:
    value = data.get(key)
    if value is None:
        if required:
            check.add(code, key, "不能为空，可选：" + "、".join(allowed))
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or (required and not value):
        check.add(code, key, "应为非空列表，可选：" + "、".join(allowed))
        return []
    result: list[str] = []
    for entry in value:
        if entry not in allowed:
            options = "、".join(f"{k}（{v}）" for k, v in allowed.items())
            check.add(code, key, f"未知的取值 {entry!r}，可选：{options}")
        elif entry not in result:
            result.append(entry)
    return result


def _rule_exists(rule_id: str) -> bool:
    from dangjian.rules.loader import get_rule

    try:
        get_rule(rule_id)
    except LookupError:
        return False
    return True


def _item_code(check: _Checker, raw: Any, position: str) -> str:
    if isinstance(raw, bool) or raw is None or raw == "":
        check.add(position, "code", "条目编号不能为空")
        return ""
    if isinstance(raw, float):
        # YAML reads 1.10 as the number 1.1: the author's code would silently change.
        check.add(position, "code", f'编号 {raw} 被读成了数字，请加引号（如 "{raw}"）')
        return ""
    code = str(raw).strip()
    if not ITEM_CODE_RE.match(code):
        check.add(position, "code", "编号只能包含字母、数字、点、下划线和短横线，最长 32 个字符")
    return code


def _parse_items(
    check: _Checker,
    raw_items: Any,
    *,
    parent: dict | None,
    depth: int,
    seen: dict[str, str],
    out: list[dict],
    parent_code: str,
) -> None:
    where = parent_code or HEADER
    if not isinstance(raw_items, list) or not raw_items:
        check.add(where, "children" if parent else "items", "应为非空的条目列表")
        return
    for index, raw in enumerate(raw_items, start=1):
        position = f"{parent_code + ' 下' if parent_code else ''}第 {index} 项"
        if not isinstance(raw, dict):
            check.add(position, "（条目）", "每个条目应为包含 code、text、kind 的映射")
            continue
        code = _item_code(check, raw.get("code"), position)
        label = code or position
        for key in sorted(set(raw) - ITEM_KEYS):
            check.add(label, key, "未知字段，可用字段：" + "、".join(sorted(ITEM_KEYS)))
        if code:
            if code in seen:
                check.add(code, "code", f"编号重复（与{seen[code]}重复）")
            seen[code] = f"第 {len(out) + 1} 个条目"
        kind = raw.get("kind")
        if kind not in KIND_LABELS:
            options = "、".join(f"{k}（{v}）" for k, v in KIND_LABELS.items())
            check.add(label, "kind", f"未知的评价方式 {kind!r}，可选：{options}")
        text = _text(check, label, raw, "text", required=True)
        max_score = None
        if raw.get("max_score") is not None:
            max_score = _decimal(raw["max_score"])
            if max_score is None or max_score <= 0:
                check.add(label, "max_score", "满分应为大于 0 的数字")
                max_score = None
            elif kind not in (ItemKind.SCORE, ItemKind.SECTION):
                check.add(
                    label,
                    "max_score",
                    f"只有计分条目（score）可以设满分，{KIND_LABELS.get(str(kind), kind)}条目不能设",
                )
        elif kind == ItemKind.SCORE:
            check.add(label, "max_score", "计分条目（score）必须填写满分 max_score")
        methods = (
            _choice_list(check, label, raw, "methods", METHOD_LABELS, required=False)
            if "methods" in raw
            else list(parent["methods"])
            if parent
            else []
        )
        category = _text(check, label, raw, "category") or (parent["category"] if parent else "")
        rule_id = _text(check, label, raw, "rule_id")
        if rule_id and not _rule_exists(rule_id):
            check.add(label, "rule_id", f"规则库中没有规则 {rule_id}（见“制度规则”页面的规则编号）")
        source = _text(check, label, raw, "evidence_source")
        if source and source not in dues_audit.SOURCES:
            known = "、".join(f"{k}（{v[0]}）" for k, v in dues_audit.SOURCES.items())
            check.add(label, "evidence_source", f"没有台账取证来源 {source}，可用：{known}")
        children = raw.get("children")
        if kind == ItemKind.SECTION and not children:
            check.add(label, "children", "分类条目（section）应包含下级条目 children")
        if children and kind in (ItemKind.SCORE, ItemKind.PASS_FAIL, ItemKind.GRADED):
            check.add(
                label, "children", "只有分类条目（section）可以有下级条目；请把本条改为 section"
            )
            children = None
        if kind in (ItemKind.SCORE, ItemKind.PASS_FAIL, ItemKind.GRADED) and not category:
            check.add(label, "category", "请填写问题类别（用于负面清单归类），或在上级分类中填写")
        item = {
            "code": code,
            "text": text,
            "kind": kind,
            "max_score": max_score,
            "methods": methods,
            "evidence_hint": _text(check, label, raw, "evidence_hint"),
            "category": category,
            "rule_id": rule_id,
            "evidence_source": source,
            "parent": parent_code or None,
            "depth": depth,
        }
        out.append(item)
        if children:
            first_child = len(out)
            _parse_items(
                check,
                children,
                parent=item,
                depth=depth + 1,
                seen=seen,
                out=out,
                parent_code=code,
            )
            if max_score is not None and kind == ItemKind.SECTION:
                total = _score_total(out[first_child:], code)
                if total != max_score:
                    check.add(
                        code,
                        "max_score",
                        f"分类满分 {_fmt(max_score)} 与下级计分条目满分合计 {_fmt(total)} 不一致",
                    )


def _score_total(items: list[dict], parent_code: str | None = None) -> Decimal:
    """Sum of the score leaves in `items` (all of them, or those under `parent_code`)."""
    if parent_code is None:
        return sum(
            (i["max_score"] for i in items if i["kind"] == ItemKind.SCORE and i["max_score"]),
            Decimal(0),
        )
    under = {parent_code}
    total = Decimal(0)
    for item in items:
        if item["parent"] in under:
            under.add(item["code"])
            if item["kind"] == ItemKind.SCORE and item["max_score"]:
                total += item["max_score"]
    return total


def _fmt(number: Decimal | None) -> str:
    if number is None:
        return ""
    return format(number.normalize(), "f") if number == number.to_integral() else str(number)


def _parse_bands(check: _Checker, raw: Any, total: Decimal) -> list[dict]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        check.add(HEADER, "rating_bands", "应为列表，每项含 label、min_score，可选 requires")
        return []
    bands: list[dict] = []
    for index, entry in enumerate(raw, start=1):
        field_name = f"rating_bands 第 {index} 项"
        if not isinstance(entry, dict) or set(entry) - {"label", "min_score", "requires"}:
            check.add(HEADER, field_name, "应为 {label, min_score, requires?}")
            continue
        label = entry.get("label")
        if not isinstance(label, str) or not label.strip() or len(label) > 32:
            check.add(HEADER, field_name, "label 应为不超过 32 个字的文字")
            continue
        minimum = _decimal(entry.get("min_score"))
        if minimum is None or minimum < 0:
            check.add(HEADER, field_name, "min_score 应为不小于 0 的数字")
            continue
        if total and minimum > total:
            check.add(HEADER, field_name, f"最低分 {_fmt(minimum)} 超过满分 {_fmt(total)}")
        requires = entry.get("requires") or []
        if isinstance(requires, str):
            requires = [requires]
        unknown = [r for r in requires if r not in REQUIREMENTS]
        if not isinstance(requires, list) or unknown:
            options = "、".join(f"{k}（{v}）" for k, v in REQUIREMENTS.items())
            check.add(HEADER, field_name, f"requires 只能取：{options}")
            requires = []
        if any(b["label"] == label.strip() for b in bands):
            check.add(HEADER, field_name, f"等次 {label} 重复")
        if bands and minimum >= Decimal(bands[-1]["min_score"]):
            check.add(
                HEADER,
                field_name,
                "等次应按最低分从高到低排列（最低分须严格递减）",
            )
        bands.append({"label": label.strip(), "min_score": _fmt(minimum), "requires": requires})
    return bands


def _parse_quotas(check: _Checker, raw: Any, bands: list[dict]) -> list[dict]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        check.add(HEADER, "quota_shares", "应为列表，每项含 label、share（0–1 的比例）")
        return []
    quotas: list[dict] = []
    total = Decimal(0)
    band_labels = {b["label"] for b in bands}
    for index, entry in enumerate(raw, start=1):
        field_name = f"quota_shares 第 {index} 项"
        if not isinstance(entry, dict) or set(entry) != {"label", "share"}:
            check.add(HEADER, field_name, "应为 {label, share}")
            continue
        label = str(entry["label"]).strip()
        share = _decimal(entry["share"])
        if share is None or share <= 0 or share > 1:
            check.add(HEADER, field_name, "share 应为大于 0、不超过 1 的比例（如 0.1 表示 10%）")
            continue
        if bands and label not in band_labels:
            check.add(HEADER, field_name, f"等次 {label} 不在 rating_bands 中")
        if any(q["label"] == label for q in quotas):
            check.add(HEADER, field_name, f"等次 {label} 重复")
        total += share
        quotas.append({"label": label, "share": _fmt(share)})
    if quotas and abs(total - 1) > Decimal("0.0001"):
        check.add(HEADER, "quota_shares", f"各等次比例之和应为 1（现为 {_fmt(total)}）")
    return quotas


def parse_framework(text: str, filename: str) -> dict[str, Any]:
    """Parse and validate one framework file; raise ValidationError (Chinese) naming the
    file, the item code and the field (duplicate item codes, bad max_score, unknown method,
    unknown rule id, unknown campaign type …). Returns the normalized spec."""
    check = _Checker(filename)
    try:
        data = yamlio.loads(text)
    except yamlio.YamlError as exc:
        check.add(HEADER, "（YAML 语法）", exc.message)
        check.done()
    if not isinstance(data, dict):
        check.add(HEADER, "（文件）", "文件应为包含 code、name、items 等字段的 YAML 映射")
        check.done()
    for key in sorted(set(data) - HEADER_KEYS):
        check.add(HEADER, key, "未知字段，可用字段：" + "、".join(sorted(HEADER_KEYS)))
    if data.get("version", FORMAT_VERSION) != FORMAT_VERSION:
        check.add(HEADER, "version", f"不支持的文件格式版本 {data.get('version')!r}（应为 1）")
    code = data.get("code")
    if not isinstance(code, str) or not CODE_RE.match(code):
        check.add(HEADER, "code", "模板代码应为小写字母开头的字母、数字、下划线（如 basic_system）")
        code = ""
    spec: dict[str, Any] = {
        "code": code,
        "name": _text(check, HEADER, data, "name", required=True),
        "description": _text(check, HEADER, data, "description"),
        "basis": _text(check, HEADER, data, "basis"),
        "is_example": data.get("is_example", False),
        "campaign_types": _choice_list(
            check,
            HEADER,
            data,
            "campaign_types",
            {c.value: str(c.label) for c in CampaignType},
            required=True,
        ),
        "target_kinds": _choice_list(
            check,
            HEADER,
            data,
            "target_kinds",
            {k.value: str(k.label) for k in OrgKind},
            required=True,
        ),
    }
    if not isinstance(spec["is_example"], bool):
        check.add(HEADER, "is_example", "应为 true 或 false")
    items: list[dict] = []
    _parse_items(check, data.get("items"), parent=None, depth=0, seen={}, out=items, parent_code="")
    total = _score_total(items)
    if data.get("total_score") is not None:
        declared = _decimal(data["total_score"])
        if declared is None or declared != total:
            check.add(
                HEADER,
                "total_score",
                f"总分 {data['total_score']} 与计分条目满分合计 {_fmt(total)} 不一致",
            )
    pass_score = None
    if data.get("pass_score") is not None:
        pass_score = _decimal(data["pass_score"])
        if pass_score is None or pass_score < 0:
            check.add(HEADER, "pass_score", "达标分数线应为不小于 0 的数字")
            pass_score = None
        elif not total:
            check.add(HEADER, "pass_score", "没有计分条目（score）的模板不能设达标分数线")
        elif pass_score > total:
            check.add(HEADER, "pass_score", f"达标分数线 {_fmt(pass_score)} 超过满分 {_fmt(total)}")
    bands = _parse_bands(check, data.get("rating_bands"), total)
    if bands and not total:
        check.add(HEADER, "rating_bands", "没有计分条目（score）的模板不能按分数评定等次")
    spec["rating_bands"] = bands
    spec["quota_shares"] = _parse_quotas(check, data.get("quota_shares"), bands)
    spec["pass_score"] = pass_score
    spec["total_score"] = total
    spec["items"] = items
    check.done()
    return spec


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _create_version(
    spec: dict[str, Any], text: str, source: str, *, make_current: bool
) -> Framework:
    """Insert a new version of `spec["code"]` with its items (a handful of queries)."""
    code = spec["code"]
    latest = Framework.objects.filter(code=code).aggregate(v=Max("version"))["v"] or 0
    framework = Framework.objects.create(
        code=code,
        version=latest + 1,
        name=spec["name"],
        description=spec["description"],
        basis=spec["basis"],
        is_example=spec["is_example"],
        campaign_types=spec["campaign_types"],
        target_kinds=spec["target_kinds"],
        pass_score=spec["pass_score"],
        rating_bands=spec["rating_bands"],
        quota_shares=spec["quota_shares"],
        source=source,
        source_text=text,
        sha256=text_sha256(text),
        is_current=make_current,
    )
    if make_current:
        Framework.objects.filter(code=code).exclude(pk=framework.pk).update(is_current=False)
    # Parents before children: insert level by level so each level knows its parents' ids.
    ids: dict[str, int] = {}
    for depth in range(max(i["depth"] for i in spec["items"]) + 1):
        level = [
            FrameworkItem(
                framework=framework,
                parent_id=ids[i["parent"]] if i["parent"] else None,
                code=i["code"],
                text=i["text"],
                kind=i["kind"],
                max_score=i["max_score"],
                methods=i["methods"],
                evidence_hint=i["evidence_hint"],
                category=i["category"],
                rule_id=i["rule_id"],
                evidence_source=i["evidence_source"],
                order=order,
                depth=depth,
            )
            for order, i in enumerate(spec["items"])
            if i["depth"] == depth
        ]
        for row in FrameworkItem.objects.bulk_create(level):
            ids[row.code] = row.pk
    return framework


def library_files(directory: Path | None = None) -> list[Path]:
    return sorted((directory or PACKAGE_LIBRARY).glob("*.yaml"))


def sync_library(directory: Path | None = None, *, audit: bool = False) -> list[Framework]:
    """Load every shipped YAML file into the DB: idempotent; a changed file becomes a new
    version (is_current moves to it); versions used by campaigns are never modified.

    The latest *package* version of a code is the reference: when the file's sha256 equals
    it, nothing happens (even if a deployment imported its own newer version, which stays
    current). A changed file adds a version; it becomes current unless the current version
    is a deployment's own upload (then the administrator decides, on the framework page).
    Returns the package version of each file. `audit`: record each new version (the CLI
    does; loading on migrate does not, like any other data a migration seeds).
    """
    loaded: list[Framework] = []
    for path in library_files(directory):
        text = path.read_text(encoding="utf-8")
        spec = parse_framework(text, f"assessments/library/{path.name}")
        sha = text_sha256(text)
        with transaction.atomic():
            versions = list(Framework.objects.select_for_update().filter(code=spec["code"]))
            package = [f for f in versions if f.source == "package"]
            latest_package = max(package, key=lambda f: f.version, default=None)
            if latest_package is not None and latest_package.sha256 == sha:
                loaded.append(latest_package)
                continue
            current = next((f for f in versions if f.is_current), None)
            make_current = current is None or current.source == "package"
            framework = _create_version(spec, text, "package", make_current=make_current)
            if audit:
                emit(
                    "create",
                    framework,
                    user=None,
                    after=snapshot(framework),
                    operation="framework_sync",
                    file=path.name,
                )
            loaded.append(framework)
    return loaded


def can_manage_frameworks(user: Any) -> bool:
    """Frameworks are shared by the deployment: managing them needs FRAMEWORK_MANAGE somewhere."""
    return has_any_scope(user, Framework, "add")


def import_framework(user: Any, text: str, filename: str) -> Framework:
    """Validate then create a new framework (or a new version of an existing code) from an
    uploaded/edited YAML text, source="uploaded"; atomic and audited.

    Text identical to an existing version of the same code is refused (nothing to import).
    """
    if not can_manage_frameworks(user):
        raise PermissionDenied("您没有管理考评模板的权限。")
    spec = parse_framework(text, filename)
    sha = text_sha256(text)
    with transaction.atomic():
        same = (
            Framework.objects.select_for_update()
            .filter(code=spec["code"], sha256=sha)
            .order_by("-version")
            .first()
        )
        if same is not None:
            raise ValidationError(
                f"考评模板文件 {filename} 与已有的“{same.name}”第 {same.version} 版内容相同，未导入。"
            )
        framework = _create_version(spec, text, "uploaded", make_current=True)
        emit(
            "import",
            framework,
            user=user,
            after=snapshot(framework),
            operation="framework_import",
            file=filename,
            items=len(spec["items"]),
        )
    return framework


def make_current(user: Any, framework: Framework) -> Framework:
    """Make `framework` the current version of its code (e.g. after a package update)."""
    if not can_manage_frameworks(user):
        raise PermissionDenied("您没有管理考评模板的权限。")
    with transaction.atomic():
        Framework.objects.filter(code=framework.code).exclude(pk=framework.pk).update(
            is_current=False
        )
        Framework.objects.filter(pk=framework.pk).update(is_current=True)
        framework.is_current = True
        emit("update", framework, user=user, operation="framework_make_current")
    return framework


def dump_framework(framework: Framework) -> str:
    """A YAML text generated from the database rows (parses back to the same spec)."""
    items = list(framework.items.order_by("order"))
    nodes: dict[int, dict[str, Any]] = {}
    roots: list[dict[str, Any]] = []
    for item in items:
        node: dict[str, Any] = {"code": item.code, "text": item.text, "kind": item.kind}
        if item.max_score is not None:
            node["max_score"] = _yaml_number(item.max_score)
        if item.methods:
            node["methods"] = list(item.methods)
        for key in ("evidence_hint", "category", "rule_id", "evidence_source"):
            if getattr(item, key):
                node[key] = getattr(item, key)
        nodes[item.pk] = node
        if item.parent_id is None:
            roots.append(node)
        else:
            nodes[item.parent_id].setdefault("children", []).append(node)
    data: dict[str, Any] = {
        "version": FORMAT_VERSION,
        "code": framework.code,
        "name": framework.name,
        "description": framework.description,
        "basis": framework.basis,
        "is_example": framework.is_example,
        "campaign_types": list(framework.campaign_types),
        "target_kinds": list(framework.target_kinds),
    }
    if framework.pass_score is not None:
        data["pass_score"] = _yaml_number(framework.pass_score)
    if framework.rating_bands:
        data["rating_bands"] = [
            {k: _yaml_number(Decimal(v)) if k == "min_score" else v for k, v in b.items() if v}
            for b in framework.rating_bands
        ]
    if framework.quota_shares:
        data["quota_shares"] = [
            {"label": q["label"], "share": float(q["share"])} for q in framework.quota_shares
        ]
    data["items"] = roots
    return yamlio.dumps(data)


def _yaml_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral() else float(value)


def framework_yaml(framework: Framework) -> str:
    """The YAML text of a framework version (for download / editing).

    The stored source text (with the author's comments) when there is one, else a text
    generated from the rows.
    """
    return framework.source_text or dump_framework(framework)


def current_frameworks() -> list[Framework]:
    return list(Framework.objects.filter(is_current=True).order_by("code"))
