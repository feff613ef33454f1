"""党费交纳标准 (DuesRateTable): versioned rate tables as data, and `amount()`.

Tables are YAML files in `dues/library/` plus the directories of the setting (or
environment variable) `DANGJIAN_DUES_TABLE_DIRS` — a region's or an org's own version. Each
file is read through the one safe loader (`core.yamlio`) and validated when the app starts
(`DuesConfig.ready`): a missing field, a bracket that leaves a gap or overlaps the one before
it, a rate out of range, two versions of the same scope on the same date — each stops
start-up with a Chinese message naming the file, the table and the bracket.

Which table applies to a month: among the versions in force on the month's first day (the
latest `effective_from` on or before it, per scope), a local version whose `orgs` (组织编码)
include the member's org or an ancestor wins for the categories it defines; the national
one answers the rest. A new version applies from its own date only: `DuesDue` rows already
generated keep their amount (dues/ledger.py never recomputes a stored month).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any, NamedTuple, NoReturn

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from dangjian.core import yamlio

from .models import DuesCategory

PACKAGE_LIBRARY = Path(__file__).resolve().parent / "library"
CENT = Decimal("0.01")
TABLE_KEYS = {"id", "title", "effective_from", "citation", "categories", "orgs", "note"}
CITATION_KEYS = {"document", "verified", "note"}
CATEGORY_KEYS = {"article", "summary", "brackets", "fixed", "range"}
BRACKET_KEYS = {"above", "upto", "percent"}
MAX_AMOUNT = Decimal("100000")


class DuesTableError(ImproperlyConfigured):
    """A rate table file is invalid: names the file, the table and the place."""

    def __init__(self, source: str, where: str, message: str) -> None:
        self.source, self.where = source, where
        super().__init__(f"党费标准文件 {source}：{where}：{message}")


@dataclass(frozen=True)
class Bracket:
    above: Decimal  # exclusive, except the first bracket which starts at 0 inclusive
    upto: Decimal | None  # inclusive; None = no upper limit
    percent: Decimal

    def contains(self, base: Decimal) -> bool:
        low_ok = base > self.above or (self.above == 0 and base >= 0)
        return low_ok and (self.upto is None or base <= self.upto)

    def label(self) -> str:
        rate = f"按{_num(self.percent)}%"
        if self.above == 0 and self.upto is None:
            return rate
        if self.above == 0:
            return f"{_num(self.upto)}元以下（含）{rate}"
        if self.upto is None:
            return f"{_num(self.above)}元以上{rate}"
        return f"{_num(self.above)}元以上至{_num(self.upto)}元（含）{rate}"


@dataclass(frozen=True)
class CategoryRule:
    category: str
    article: str
    summary: str
    brackets: tuple[Bracket, ...] = ()
    fixed: Decimal | None = None
    range: tuple[Decimal, Decimal] | None = None

    @property
    def needs_base(self) -> bool:
        return bool(self.brackets)


@dataclass(frozen=True)
class RateTable:
    id: str
    title: str
    effective_from: dt.date
    document: str
    verified: bool
    categories: Mapping[str, CategoryRule]
    orgs: tuple[str, ...] = ()  # 组织编码 of a local version; empty = national
    source: str = ""

    @property
    def local(self) -> bool:
        return bool(self.orgs)

    def citation(self, category: str) -> str:
        rule = self.categories[category]
        status = "已核实" if self.verified else "未核实"
        return f"{self.document}{rule.article}：{rule.summary}（{status}）"


class DuesAmount(NamedTuple):
    amount: Decimal
    bracket: str
    citation: str
    table_id: str


class NoTable(LookupError):
    """No table in force for the month (before 2008-04-01, or a category none defines)."""


def _num(value: Decimal | None) -> str:
    if value is None:
        return ""
    return format(value.normalize(), "f")


def round_cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# --- parsing and validation --------------------------------------------------------------


def _decimal(value: Any, fail: Callable[[str], NoReturn]) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        fail("须为数字")
    try:
        result = Decimal(str(value))
    except InvalidOperation:
        fail("须为数字")
    if not result.is_finite():
        fail("须为数字")
    return result


def _brackets(raw: Any, source: str, where: str) -> tuple[Bracket, ...]:
    if not isinstance(raw, list) or not raw:
        raise DuesTableError(source, where, "brackets 须为至少一档的列表")
    out: list[Bracket] = []
    for n, item in enumerate(raw, start=1):
        place = f"{where} 第{n}档"

        def fail(message: str, place: str = place) -> NoReturn:
            raise DuesTableError(source, place, message)

        if not isinstance(item, dict):
            fail("每一档须为映射：{above: …, upto: …, percent: …}")
        unknown = set(item) - BRACKET_KEYS
        if unknown:
            fail(f"不认识的字段 {', '.join(sorted(map(str, unknown)))}")
        if "percent" not in item:
            fail("缺少 percent（费率，百分数）")
        above = _decimal(item.get("above", 0), lambda m: fail(f"above {m}"))
        upto = (
            None
            if item.get("upto") is None
            else _decimal(item["upto"], lambda m: fail(f"upto {m}"))
        )
        percent = _decimal(item["percent"], lambda m: fail(f"percent {m}"))
        span = f"（{_num(above)}–{_num(upto) if upto is not None else '以上'} 元）"
        place = f"{where} 第{n}档{span}"
        if not (Decimal(0) < percent <= Decimal(100)):
            fail(f"费率 {_num(percent)}% 须大于 0、不超过 100", place)
        if above < 0 or (upto is not None and upto <= above):
            fail("上限须大于下限，且下限不能为负", place)
        if n == 1 and above != 0:
            fail(f"第一档须从 0 元起：0 至 {_num(above)} 元未覆盖", place)
        if out:
            prev = out[-1]
            if prev.upto is None:
                fail("上一档已没有上限，此档与上一档重叠", place)
            elif above > prev.upto:
                fail(f"与上一档之间有空缺：{_num(prev.upto)} 至 {_num(above)} 元未覆盖", place)
            elif above < prev.upto:
                fail(f"与上一档重叠：{_num(above)} 至 {_num(prev.upto)} 元同属两档", place)
        out.append(Bracket(above, upto, percent))
    if out[-1].upto is not None:
        raise DuesTableError(
            source,
            f"{where} 第{len(out)}档",
            f"最后一档须没有上限：{_num(out[-1].upto)} 元以上未覆盖",
        )
    return tuple(out)


def _category(key: str, raw: Any, source: str, table_where: str) -> CategoryRule:
    label = DuesCategory(key).label if key in DuesCategory.values else key
    where = f"{table_where} 的“{label}”"

    def fail(message: str) -> NoReturn:
        raise DuesTableError(source, where, message)

    if key not in DuesCategory.values:
        fail(f"不认识的交纳类别 {key}（可用：{', '.join(DuesCategory.values)}）")
    if not isinstance(raw, dict):
        fail("须为映射")
    unknown = set(raw) - CATEGORY_KEYS
    if unknown:
        fail(f"不认识的字段 {', '.join(sorted(map(str, unknown)))}")
    article = str(raw.get("article") or "")
    summary = str(raw.get("summary") or "")
    if not summary:
        fail("缺少 summary（标准的要点）")
    ways = [k for k in ("brackets", "fixed", "range") if k in raw]
    if len(ways) != 1:
        fail("须写且只写 brackets（按比例）、fixed（定额）或 range（定额区间）之一")
    if ways == ["brackets"]:
        return CategoryRule(
            key, article, summary, brackets=_brackets(raw["brackets"], source, where)
        )
    if ways == ["fixed"]:
        fixed = _decimal(raw["fixed"], lambda m: fail(f"fixed {m}"))
        if not (Decimal(0) < fixed <= MAX_AMOUNT):
            fail("fixed 须大于 0")
        return CategoryRule(key, article, summary, fixed=fixed)
    pair = raw["range"]
    if not isinstance(pair, list) or len(pair) != 2:
        fail("range 须为 [最低, 最高]")
    low = _decimal(pair[0], lambda m: fail(f"range {m}"))
    high = _decimal(pair[1], lambda m: fail(f"range {m}"))
    if not (Decimal(0) < low <= high <= MAX_AMOUNT):
        fail("range 须为 0 < 最低 ≤ 最高")
    return CategoryRule(key, article, summary, range=(low, high))


def parse_table(raw: Any, source: str) -> RateTable:
    if not isinstance(raw, dict):
        raise DuesTableError(source, "文件", "每个标准须为映射")
    table_id = str(raw.get("id") or "")
    title = str(raw.get("title") or "")
    where = f"标准“{title or table_id or '（无名称）'}”"

    def fail(message: str) -> NoReturn:
        raise DuesTableError(source, where, message)

    unknown = set(raw) - TABLE_KEYS
    if unknown:
        fail(f"不认识的字段 {', '.join(sorted(map(str, unknown)))}")
    if not table_id or not title:
        fail("缺少 id 或 title")
    effective = raw.get("effective_from")
    if not isinstance(effective, dt.date) or isinstance(effective, dt.datetime):
        fail("effective_from 须为日期，如 2008-04-01")
    if effective.day != 1:
        fail("effective_from 须为某月 1 日（党费按月计算）")
    citation = raw.get("citation")
    if not isinstance(citation, dict) or not citation.get("document"):
        fail("citation 须写明 document（文件名称）")
    if set(citation) - CITATION_KEYS:
        fail(f"citation 不认识的字段 {', '.join(sorted(set(citation) - CITATION_KEYS))}")
    if not isinstance(citation.get("verified"), bool):
        fail("citation.verified 须为 true 或 false")
    orgs = raw.get("orgs") or []
    if not isinstance(orgs, list) or not all(isinstance(c, str) and c.strip() for c in orgs):
        fail("orgs 须为组织编码的列表")
    categories = raw.get("categories")
    if not isinstance(categories, dict) or not categories:
        fail("categories 须至少定义一个交纳类别")
    if not orgs:
        missing = [DuesCategory(c).label for c in DuesCategory.values if c not in categories]
        if missing:
            fail(f"全国标准须定义全部交纳类别，缺少：{'、'.join(map(str, missing))}")
    parsed = {str(k): _category(str(k), v, source, where) for k, v in categories.items()}
    return RateTable(
        id=table_id,
        title=title,
        effective_from=effective,
        document=str(citation["document"]),
        verified=citation["verified"],
        categories=parsed,
        orgs=tuple(sorted(c.strip() for c in orgs)),
        source=source,
    )


def parse_file(data: Any, source: str) -> list[RateTable]:
    if not isinstance(data, dict) or data.get("version") != 1 or "tables" not in data:
        raise DuesTableError(source, "文件", "须包含 version: 1 与 tables 列表")
    if not isinstance(data["tables"], list):
        raise DuesTableError(source, "文件", "tables 须为列表")
    return [parse_table(item, source) for item in data["tables"]]


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(PACKAGE_LIBRARY.parent))
    except ValueError:
        return str(path)


def table_dirs() -> list[Path]:
    extra: Any = getattr(settings, "DANGJIAN_DUES_TABLE_DIRS", None)
    if extra is None:
        import os

        raw = os.environ.get("DANGJIAN_DUES_TABLE_DIRS", "")
        extra = [p for p in raw.split(",") if p.strip()]
    if isinstance(extra, str):
        extra = [extra]
    return [PACKAGE_LIBRARY, *(Path(d) for d in extra)]


def load_tables(dirs: Iterable[Path]) -> tuple[RateTable, ...]:
    tables: list[RateTable] = []
    for folder in dirs:
        if not folder.is_dir():
            raise ImproperlyConfigured(f"党费标准目录不存在：{folder}")
        for path in sorted(folder.glob("*.yaml")):
            source = _display(path)
            try:
                data = yamlio.load_path(path)
            except yamlio.YamlError as exc:
                raise DuesTableError(source, "文件", exc.message) from exc
            tables.extend(parse_file(data, source))
    seen: dict[str, RateTable] = {}
    versions: dict[tuple[tuple[str, ...], dt.date], RateTable] = {}
    for table in tables:
        if table.id in seen:
            raise DuesTableError(table.source, f"标准“{table.title}”", f"id {table.id} 重复")
        seen[table.id] = table
        key = (table.orgs, table.effective_from)
        if key in versions:
            raise DuesTableError(
                table.source,
                f"标准“{table.title}”",
                f"与“{versions[key].title}”适用范围相同、生效日期相同（{table.effective_from}），"
                "无法确定哪一个生效",
            )
        versions[key] = table
    if not any(not t.local for t in tables):
        raise ImproperlyConfigured("党费标准：没有全国标准（须至少有一个不限组织的版本）。")
    return tuple(sorted(tables, key=lambda t: (t.effective_from, t.id)))


_TABLES: tuple[RateTable, ...] = ()
_ORG_PATHS: dict[str, tuple[str, ...]] | None = None


def reload_tables(dirs: Iterable[Path] | None = None) -> tuple[RateTable, ...]:
    global _TABLES, _ORG_PATHS
    _TABLES = load_tables(table_dirs() if dirs is None else dirs)
    _ORG_PATHS = None
    return _TABLES


def tables() -> tuple[RateTable, ...]:
    if not _TABLES:
        reload_tables()
    return _TABLES


def get_table(table_id: str) -> RateTable:
    for table in tables():
        if table.id == table_id:
            return table
    raise LookupError(table_id)


def _local_paths() -> dict[str, tuple[str, ...]]:
    """Each local table's org paths, resolved from its 组织编码 once per process."""
    global _ORG_PATHS
    if _ORG_PATHS is None:
        from dangjian.orgs.models import Organization

        codes = {c for t in tables() for c in t.orgs}
        by_code: dict[str, list[str]] = {}
        if codes:
            for code, path in Organization.objects.filter(code__in=codes).values_list(
                "code", "path"
            ):
                by_code.setdefault(code, []).append(path)
        _ORG_PATHS = {
            t.id: tuple(p for c in t.orgs for p in by_code.get(c, ())) for t in tables() if t.local
        }
    return _ORG_PATHS


def forget_org_paths() -> None:
    global _ORG_PATHS
    _ORG_PATHS = None


def table_for(category: str, month: dt.date, org_path: str | None = None) -> RateTable:
    """The version in force for `category` on `month`'s first day for an org at `org_path`."""
    day = month.replace(day=1)
    national: RateTable | None = None
    local: RateTable | None = None
    local_depth = -1
    paths = _local_paths() if org_path and any(t.local for t in tables()) else {}
    for table in tables():  # sorted by date: a later version replaces an earlier one
        if table.effective_from > day or category not in table.categories:
            continue
        if not table.local:
            national = table
            continue
        for path in paths.get(table.id, ()):
            if org_path and org_path.startswith(path) and len(path) >= local_depth:
                local, local_depth = table, len(path)
    found = local or national
    if found is None:
        raise NoTable(f"{month:%Y年%m月}没有适用于“{DuesCategory(category).label}”的党费标准")
    return found


def amount(
    category: str,
    base: Decimal | None,
    month: dt.date,
    *,
    org_path: str | None = None,
    fixed: Decimal | None = None,
) -> DuesAmount:
    """The monthly due: (amount rounded half-up to 0.01, the bracket, the citation, table id).

    `base` is the monthly after-tax pay (or pension) for the bracket categories; `fixed` the
    chosen amount for 农民 (within the table's range). Raises ValueError on a bad input and
    NoTable when no version is in force.
    """
    table = table_for(category, month, org_path)
    rule = table.categories[category]
    citation = table.citation(category)
    if rule.fixed is not None:
        return DuesAmount(rule.fixed, f"定额每月{_num(rule.fixed)}元", citation, table.id)
    if rule.range is not None:
        low, high = rule.range
        if fixed is None or not (low <= fixed <= high):
            raise ValueError(f"每月交纳数额须在 {_num(low)} 至 {_num(high)} 元之间")
        return DuesAmount(
            round_cents(fixed), f"定额每月{_num(low)}至{_num(high)}元", citation, table.id
        )
    if base is None or base < 0:
        raise ValueError("月工资基数须为不小于 0 的金额")
    for bracket in rule.brackets:
        if bracket.contains(base):
            value = round_cents(base * bracket.percent / Decimal(100))
            return DuesAmount(value, bracket.label(), citation, table.id)
    raise NoTable("基数不在任何一档内")  # pragma: no cover — validation leaves no gap
