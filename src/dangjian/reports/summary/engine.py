"""The annual summary: a docxtpl template whose every figure is a metric reference.

Template language (Jinja inside Word, docxtpl's tags for table rows `{%tr %}` and
paragraphs `{%p %}`):

- `{{ m("honors.excellent_members") }}` — the metric's value for the summary's year and
  scope (`m("id", year=year - 1)` another year; `m("id", about=True)` written as "1200余":
  the figure rounded down to two significant digits, so the value is at least the figure
  and below 1.1 times it). A metric whose module is not built reads 〔不可用〕, a value the
  records cannot give (a rate of nothing) 〔暂无〕 — never an invented number.
- `{{ label("id") }}`, `{{ unit("id") }}` — the metric's Chinese name and unit.
- `group("compliance.")` — the metrics of an id prefix as rows (`.label .value .unit`).
- `breakdown("supervision.negative_list", "category")` — the metric's records (its
  drill-down) counted by a field, largest first (`.name .count`): the negative list.
- `{{ bars(["id", …], "title") }}`, `{{ breakdown_chart("id", "field", "title") }}` —
  PNG charts drawn on the server.
- `year`, `next_year`, `scope_name`, `generated_on`; `figures` — every figure the document
  states (`.n .id .label .text .unit .year .url`), for the appendix.

Every metric id is checked when a template is uploaded (`check_template`): an unknown id
or a broken placeholder is refused with its paragraph. Generation computes each
(metric, year) once, renders into memory and returns bytes: a failure leaves nothing.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from docx import Document
from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage
from jinja2 import nodes
from jinja2.sandbox import SandboxedEnvironment

from dangjian.core.metrics import MetricScope, registry, together

from . import catalogue, charts

DEFAULT_TEMPLATE = Path(__file__).parent / "templates_docx" / "default.docx"
UNAVAILABLE = "〔不可用〕"  # the metric's module is not built: the editor sees the gap
NO_VALUE = "〔暂无〕"  # the records give no value (a rate over nothing)
METRIC_FUNCTIONS = {"m", "label", "unit", "breakdown", "breakdown_chart"}
FUNCTIONS = METRIC_FUNCTIONS | {"bars", "group"}
NAMES = FUNCTIONS | {"year", "next_year", "scope_name", "generated_on", "figures"}
JINJA_NAMES = {"loop", "range", "true", "false", "none", "True", "False", "None"}
BREAKDOWN_LIMIT = 10
# Figures that hold in any year (the org tree, the 换届 sweep's schedule): no sign of records.
YEARLESS = ("orgs.", "terms.renewal_sweep")
CHART_WIDTH_MM = 150
# Preview mode marks each figure with private-use characters, then links it in the HTML.
_LINK = re.compile(r"(?:https?://|/)[^\s<>\"]+")
_MARK = re.compile("\ue000([0-9]+):([01])\ue001")


class SummaryError(Exception):
    """A request the summary cannot satisfy (no data for the year …), in Chinese."""


@dataclass(frozen=True)
class Problem:
    paragraph: str  # the paragraph's text as the editor sees it in Word
    placeholder: str
    message: str

    def __str__(self) -> str:
        where = f"段落「{_short(self.paragraph)}」" if self.paragraph else "模板"
        what = f"中的「{self.placeholder}」" if self.placeholder else ""
        return f"{where}{what}：{self.message}"


class TemplateInvalid(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def environment() -> SandboxedEnvironment:
    # Sandboxed: an uploaded template runs no Python beyond our functions.
    return SandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=True)


# --- checking a template ----------------------------------------------------------------

_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
_STRAY = re.compile(r"\{\{|\}\}|\{%|%\}|\{#|#\}")
_DOCX_PREFIX = re.compile(r"^(?:tr|tc|p|r)\s+")
_BLOCK = {"for": "endfor", "if": "endif"}
_CLOSERS = {"endfor", "endif", "else", "elif"}
_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})


def _all_paragraphs(doc: Any) -> Iterator[Any]:
    def walk(container: Any) -> Iterator[Any]:
        yield from container.paragraphs
        for table in getattr(container, "tables", []):
            for row in table.rows:
                for cell in row.cells:
                    yield from walk(cell)

    yield from walk(doc)
    for section in doc.sections:
        for part in (section.header, section.footer):
            yield from walk(part)


def _expressions(tag: str) -> tuple[str, str]:
    """(kind, Jinja source to parse alone) of one tag as docxtpl reads it."""
    if tag.startswith("{#"):
        return "comment", ""
    # Word types curly quotes; docxtpl reads them inside a tag as straight ones, so do we.
    inner = tag[2:-2].strip().translate(_QUOTES)
    inner = _DOCX_PREFIX.sub("", inner)
    if tag.startswith("{{"):
        return "expr", "{{ " + inner + " }}"
    word = inner.split(None, 1)[0] if inner else ""
    if word in _BLOCK:
        return word, "{% " + inner + " %}{% " + _BLOCK[word] + " %}"
    if word == "elif":
        return word, "{% if " + inner[4:] + " %}{% endif %}"
    if word == "set":
        return word, "{% " + inner + " %}"
    if word in _CLOSERS:
        return word, ""
    return "unknown", ""


def _bound_names(tree: nodes.Template) -> set[str]:
    bound: set[str] = set()
    for node in tree.find_all((nodes.For, nodes.Assign)):
        target: Any = getattr(node, "target", None)
        if isinstance(target, nodes.Name):
            bound.add(target.name)
        elif target is not None:
            bound |= {name.name for name in target.find_all(nodes.Name)}
    return bound


def _check_calls(tree: nodes.Template, text: str, tag: str, problems: list[Problem]) -> set[str]:
    ids: set[str] = set()
    for call in tree.find_all(nodes.Call):
        fn = call.node.name if isinstance(call.node, nodes.Name) else None
        if fn not in FUNCTIONS:
            continue
        first = call.args[0] if call.args else None
        if fn == "bars":
            items = first.items if isinstance(first, nodes.List) else None
            consts = [i.value for i in items or [] if isinstance(i, nodes.Const)]
            if items is None or len(consts) != len(items) or not consts:
                problems.append(Problem(text, tag, "图表的指标须写成带引号的指标编号列表。"))
                continue
            candidates = consts
        elif isinstance(first, nodes.Const) and isinstance(first.value, str):
            candidates = [first.value]
        else:
            problems.append(
                Problem(text, tag, '指标编号须写成带引号的文字，例如 m("orgs.unit_party_count")。')
            )
            continue
        for metric_id in candidates:
            if fn == "group":
                if not catalogue.with_prefix(metric_id):
                    problems.append(Problem(text, tag, f"没有以「{metric_id}」开头的指标。"))
            elif catalogue.lookup(metric_id) is None:
                problems.append(Problem(text, tag, f"未知的指标编号「{metric_id}」。"))
            else:
                ids.add(metric_id)
    return ids


def check_template(data: bytes) -> list[str]:
    """The metric ids a template references; TemplateInvalid listing every problem found
    (paragraph, placeholder, what is wrong) otherwise. Nothing is stored here."""
    try:
        doc = Document(io.BytesIO(data))
    except Exception:
        raise TemplateInvalid(
            [
                Problem(
                    "", "", "文件不是有效的 Word 文档（.docx），请用 Word 另存为 .docx 后再上传。"
                )
            ]
        ) from None
    env = environment()
    problems: list[Problem] = []
    ids: set[str] = set()
    parsed: list[tuple[str, str, nodes.Template]] = []
    bound: set[str] = set()
    for paragraph in _all_paragraphs(doc):
        text = paragraph.text
        if "{" not in text and "}" not in text:
            continue
        stray = _STRAY.search(_TAG.sub("", text))
        if stray:
            start = stray.start()
            rest = _TAG.sub("", text)
            problems.append(
                Problem(
                    text,
                    _short(rest[start : start + 40], 40),
                    "占位符不完整：缺少配对的 {{ }} 或 {% %}。",
                )
            )
            continue
        for match in _TAG.finditer(text):
            tag = match.group(0)
            kind, source = _expressions(tag)
            if kind == "unknown":
                problems.append(
                    Problem(
                        text, tag, "不支持的标签，只能使用 for、if、elif、else、set 及其结束标签。"
                    )
                )
                continue
            if not source:
                continue
            try:
                tree = env.parse(source)
            except jinja2.TemplateSyntaxError:
                problems.append(Problem(text, tag, "占位符写法有误，请检查括号、引号和逗号。"))
                continue
            parsed.append((text, tag, tree))
            bound |= _bound_names(tree)
    known_names = NAMES | JINJA_NAMES | bound
    for text, tag, tree in parsed:
        ids |= _check_calls(tree, text, tag, problems)
        problems.extend(
            Problem(text, tag, f"未知的名称「{name.name}」。")
            for name in tree.find_all(nodes.Name)
            if name.ctx == "load" and name.name not in known_names
        )
    if not problems:
        problems.extend(_check_blocks(data, env))
    if not problems:
        problems.extend(_trial_render(data))
    if problems:
        raise TemplateInvalid(problems)
    return sorted(ids)


def _check_blocks(data: bytes, env: SandboxedEnvironment) -> list[Problem]:
    """The whole document as docxtpl assembles it: for/if blocks must pair up."""
    tpl = DocxTemplate(io.BytesIO(data))
    tpl.init_docx()
    try:
        env.parse(tpl.patch_xml(tpl.get_xml()))
    except jinja2.TemplateSyntaxError as exc:
        opened = re.search(r"looking for the following tags: '([a-z]+)'", str(exc))
        unknown = re.search(r"Encountered unknown tag '([a-z]+)'", str(exc))
        if opened:
            tag, message = (
                "{% " + opened.group(1) + " %}",
                "缺少结束标签：每个 for / if 都要有配对的 endfor / endif。",
            )
        elif unknown:
            tag, message = (
                "{% " + unknown.group(1) + " %}",
                "多余的结束标签：前面没有与之配对的 for / if。",
            )
        else:
            tag, message = "", "模板的标签无法配对，请检查 {% for %} / {% if %} 与结束标签。"
        return [Problem("", tag, message)]
    return []


def _trial_render(data: bytes) -> list[Problem]:
    """Render once with stand-in values: whatever else would fail generation fails here."""
    try:
        Summary(user=None, year=2024, scope_name="示例", template=data, stand_in=True).render()
    except TemplateInvalid as exc:
        return exc.problems
    except Exception as exc:
        return [Problem("", "", f"模板试生成失败（{type(exc).__name__}），请检查占位符的用法。")]
    return []


# --- generating -------------------------------------------------------------------------


def _about(value: Any) -> str:
    """ "1200余": rounded down to two significant digits (value ≥ figure, < 1.1 × figure);
    below 100 the exact number."""
    number = int(value)
    if number < 100:
        return str(number)
    step = 10 ** (len(str(number)) - 2)
    return f"{number // step * step}余"


def display(value: Any) -> str:
    if value is None:
        return NO_VALUE
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        text = f"{float(value):.1f}"
        return text[:-2] if text.endswith(".0") else text
    return str(value)


@dataclass
class FigureRef:
    """One figure the document states: the appendix's row (its exact value as `text`)."""

    n: int
    id: str
    label: str
    unit: str
    year: int
    text: str
    available: bool
    url: str


@dataclass
class Summary:
    """One generation: who asks, the year, the scope, the template's bytes."""

    user: Any
    year: int
    within: Any = None  # an Organization, or None for everything the user sees
    scope_name: str = ""
    template: bytes | None = None
    base_url: str = ""  # makes the appendix's links absolute (the site's address)
    preview: bool = False  # figures marked for the HTML preview's links
    stand_in: bool = False  # values replaced by 1 (checking an uploaded template)
    link: Callable[[str, int, Any], str] | None = None
    figures: list[FigureRef] = field(default_factory=list)
    _values: dict[tuple[str, int], Any] = field(default_factory=dict)
    _refs: dict[tuple[str, int], FigureRef] = field(default_factory=dict)
    _images: dict[Any, bytes] = field(default_factory=dict)

    # -- values --
    def value(self, metric_id: str, year: int) -> Any:
        key = (metric_id, year)
        if key not in self._values:
            known = catalogue.lookup(metric_id)
            if known is None:
                raise TemplateInvalid([Problem("", metric_id, f"未知的指标编号「{metric_id}」。")])
            if not known.available:
                self._values[key] = UNAVAILABLE
            elif self.stand_in:
                self._values[key] = 1
            else:
                scope = MetricScope(user=self.user, year=year, within=self.within)
                self._values[key] = registry.get(metric_id).value(scope)
        return self._values[key]

    def _ref(self, metric_id: str, year: int) -> FigureRef:
        key = (metric_id, year)
        if key not in self._refs:
            known = catalogue.lookup(metric_id)
            assert known is not None  # value() raised first
            raw = self.value(metric_id, year)
            text = UNAVAILABLE if raw is UNAVAILABLE else display(raw)
            ref = FigureRef(
                n=len(self.figures) + 1,
                id=metric_id,
                label=known.label,
                unit=known.unit,
                year=year,
                text=text,
                available=known.available,
                url=self.url(metric_id, year),
            )
            self._refs[key] = ref
            self.figures.append(ref)
        return self._refs[key]

    def url(self, metric_id: str, year: int) -> str:
        link = self.link or default_link
        return self.base_url + link(metric_id, year, self.within)

    # -- template functions --
    def m(self, metric_id: str, year: int | None = None, about: bool = False) -> str:
        year = self._year(year)
        ref = self._ref(metric_id, year)
        raw = self.value(metric_id, year)
        rounded = (
            bool(about) and isinstance(raw, int | Decimal | float) and not isinstance(raw, bool)
        )
        text = _about(raw) if rounded else ref.text
        if self.preview:
            return f"\ue000{ref.n}:{int(rounded)}\ue001"
        return text

    def _year(self, year: Any) -> int:
        if year is None:
            return self.year
        if not isinstance(year, int) or not 2000 <= year <= 2100:
            raise TemplateInvalid([Problem("", str(year), "年度应为 2000 至 2100 之间的整数。")])
        return year

    def label(self, metric_id: str) -> str:
        known = catalogue.lookup(metric_id)
        if known is None:
            raise TemplateInvalid([Problem("", metric_id, f"未知的指标编号「{metric_id}」。")])
        return known.label

    def unit(self, metric_id: str) -> str:
        known = catalogue.lookup(metric_id)
        return known.unit if known else ""

    def group(self, prefix: str) -> list[dict[str, str]]:
        return [
            {"id": k.id, "label": k.label, "unit": k.unit, "value": self.m(k.id)}
            for k in catalogue.with_prefix(prefix)
        ]

    def breakdown(
        self, metric_id: str, field_name: str, limit: int = BREAKDOWN_LIMIT
    ) -> list[dict[str, Any]]:
        """The metric's drill-down records counted by `field_name` (its display label when the
        field has choices), largest first."""
        self.m(metric_id)  # the figure behind the list is in the appendix too
        key = ("breakdown", metric_id, field_name)
        if key in self._images:
            return self._images[key]  # type: ignore[return-value]
        rows: list[dict[str, Any]] = []
        known = catalogue.lookup(metric_id)
        if known is not None and known.available and not self.stand_in:
            metric = registry.get(metric_id)
            if metric.drilldown is not None:
                qs = metric.drilldown(
                    MetricScope(user=self.user, year=self.year, within=self.within)
                )
                rows = _count_by(qs, field_name)[: max(1, min(int(limit), 50))]
        elif self.stand_in:
            rows = [{"name": "示例", "count": 1}]
        self._images[key] = rows  # type: ignore[assignment]
        return rows

    def bars(self, metric_ids: list[str], title: str = "") -> Any:
        values = []
        labels = []
        for metric_id in metric_ids:
            self.m(metric_id)
            raw = self.value(metric_id, self.year)
            labels.append(self.label(metric_id) + ("（不可用）" if raw is UNAVAILABLE else ""))
            values.append(float(raw) if isinstance(raw, int | float | Decimal) else 0.0)
        return self._image(("bars", tuple(metric_ids), title), labels, values, title)

    def breakdown_chart(self, metric_id: str, field_name: str, title: str = "") -> Any:
        rows = self.breakdown(metric_id, field_name)
        labels = [str(r["name"]) for r in rows]
        values = [float(r["count"]) for r in rows]
        return self._image(("breakdown_chart", metric_id, field_name, title), labels, values, title)

    def _image(self, key: Any, labels: list[str], values: list[float], title: str) -> Any:
        if key not in self._images:
            self._images[key] = charts.bar_png(labels, values, str(title))
        png = self._images[key]
        if self._tpl is None:  # the first pass: only the figures are collected
            return ""
        return InlineImage(self._tpl, io.BytesIO(png), width=Mm(CHART_WIDTH_MM))

    _tpl: Any = None

    def context(self) -> dict[str, Any]:
        return {
            "m": self.m,
            "label": self.label,
            "unit": self.unit,
            "group": self.group,
            "breakdown": self.breakdown,
            "bars": self.bars,
            "breakdown_chart": self.breakdown_chart,
            "year": self.year,
            "next_year": self.year + 1,
            "scope_name": self.scope_name,
            "generated_on": _today().strftime("%Y年%-m月%-d日"),
            "figures": self.figures,
        }

    def render(self) -> bytes:
        """The document's bytes. Two passes: the first computes every figure (so the
        appendix, wherever it stands, lists them all), the second writes the docx."""
        data = self.template if self.template is not None else DEFAULT_TEMPLATE.read_bytes()
        env = environment()
        tpl = DocxTemplate(io.BytesIO(data))
        tpl.init_docx()
        source = tpl.patch_xml(tpl.get_xml())
        with together():  # the figures share work (one evaluation for the compliance rates)
            env.from_string(source).render(self.context())
        self._tpl = tpl
        collected = list(self.figures)
        tpl.render(self.context() | {"figures": collected}, env, autoescape=True)
        out = io.BytesIO()
        tpl.save(out)
        return out.getvalue()

    def raw_values(self) -> dict[int, Any]:
        """{figure number: raw value}, for the preview's rounded figures."""
        return {f.n: self._values.get((f.id, f.year)) for f in self.figures}

    def has_data(self) -> bool:
        """Whether any figure the document states is a non-zero count of the year's records
        (the org tree and the half-yearly sweep schedule exist in any year: not evidence)."""
        return any(
            not metric_id.startswith(YEARLESS)
            and v not in (None, 0, UNAVAILABLE)
            and not (isinstance(v, Decimal | float) and v == 0)
            for (metric_id, _year), v in self._values.items()
        )


def _today() -> dt.date:
    from django.utils import timezone

    return timezone.localdate()


def _count_by(qs: Any, field_name: str) -> list[dict[str, Any]]:
    model_field = qs.model._meta.get_field(field_name)
    choices = dict(model_field.flatchoices) if getattr(model_field, "choices", None) else {}
    counts = Counter(
        dict(
            qs.order_by().values_list(field_name).annotate(n=_count()).values_list(field_name, "n")
        )
    )
    rows = [
        {
            "name": str(choices.get(value, value if value not in (None, "") else "未分类")),
            "count": n,
        }
        for value, n in counts.most_common()
    ]
    return rows


def _count() -> Any:
    from django.db.models import Count

    return Count("pk")


def default_link(metric_id: str, year: int, within: Any) -> str:
    """The page listing the records behind a figure (the 统计指标 part's drill-down,
    `reports:metric_records`, `?year=&org=`)."""
    from django.urls import NoReverseMatch, reverse

    params: dict[str, Any] = {"year": year}
    if within is not None:
        params["org"] = within.pk
    try:
        base = reverse("reports:metric_records", kwargs={"metric_id": metric_id})
    except NoReverseMatch:
        base = f"/reports/metric/{metric_id}/"
    return base + "?" + urlencode(params)


# --- the preview: the rendered document as HTML -----------------------------------------


def to_html(data: bytes, figures: list[FigureRef], raw_of: dict[int, Any] | None = None) -> str:
    """The rendered docx as simple HTML (headings, paragraphs, tables, charts), each figure
    a link to its records. Built from the same document the download gives."""
    import base64

    from docx.oxml.ns import qn

    doc = Document(io.BytesIO(data))
    by_n = {f.n: f for f in figures}
    raw_of = raw_of or {}

    def text_html(text: str) -> str:
        escaped = html.escape(text)

        def link(match: re.Match) -> str:
            ref = by_n.get(int(match.group(1)))
            if ref is None:
                return ""
            css = "dj-fig" if ref.available else "dj-fig dj-fig-missing"
            shown = _about(raw_of[ref.n]) if match.group(2) == "1" else ref.text
            return (
                f'<a class="{css}" href="{html.escape(ref.url)}" title="{html.escape(ref.label)}"'
                f' data-metric="{html.escape(ref.id)}">{html.escape(shown)}</a>'
            )

        marked = _MARK.sub(link, escaped)
        if _LINK.fullmatch(text):  # the appendix's records link, clickable in the preview
            return f'<a href="{escaped}">{escaped}</a>'
        return marked

    def images(paragraph: Any) -> str:
        out = []
        for blip in paragraph._p.iter(qn("a:blip")):
            rid = blip.get(qn("r:embed"))
            part = paragraph.part.related_parts.get(rid)
            if part is not None:
                b64 = base64.b64encode(part.blob).decode()
                out.append(
                    f'<img class="img-fluid dj-chart" alt="图表" src="data:image/png;base64,{b64}">'
                )
        return "".join(out)

    parts: list[str] = []
    body = doc.element.body
    for child in body.iterchildren():
        if child.tag == qn("w:p"):
            from docx.text.paragraph import Paragraph

            p = Paragraph(child, doc)
            style = (p.style.name if p.style is not None else "") or ""
            inner = text_html(p.text) + images(p)
            if not inner.strip():
                continue
            align = p.alignment
            if style == "Title":
                parts.append(f'<h2 class="dj-sum-title">{inner}</h2>')
            elif style.startswith("Heading") or style == "Subtitle":
                level = 3 if style in ("Heading 1", "Subtitle") else 4
                parts.append(f'<h{level} class="dj-sum-h">{inner}</h{level}>')
            elif align is not None and int(align) == 1:
                parts.append(f'<p class="text-center">{inner}</p>')
            else:
                parts.append(f"<p>{inner}</p>")
        elif child.tag == qn("w:tbl"):
            from docx.table import Table

            table = Table(child, doc)
            rows = []
            for i, row in enumerate(table.rows):
                cell_tag = "th" if i == 0 else "td"
                cells = "".join(f"<{cell_tag}>{text_html(c.text)}</{cell_tag}>" for c in row.cells)
                rows.append(f"<tr>{cells}</tr>")
            parts.append(
                '<div class="table-responsive"><table class="table table-sm table-bordered">'
                + "".join(rows)
                + "</table></div>"
            )
    return "\n".join(parts)
