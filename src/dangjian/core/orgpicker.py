"""The one way a page lets a user choose an org: a short select plus a scoped name search.

A city has thousands of orgs and a province tens of thousands; a `<select>` of all of them
cost the 工委's member list 450 ms and half a megabyte. `OrgPicker` renders at most
`SHORT_LIMIT` options — every org of the field's queryset when there are that few (a
secretary's one branch comes pre-selected), else its upper levels (breadth first, whole
levels only) and the chosen org(s) — and, when it had to shorten, a search box. The search
(web/static/web/app.js) asks `OrgSearchView` for orgs by name, within the field's own
queryset: the form is named in a signed token and rebuilt for the asking user, so the
search offers exactly what the form accepts; a filter's field (no token) searches what the
user may view. Validation is unchanged: the field's queryset decides, one query by id.

`ScopedFormMixin` gives every org ModelChoiceField this widget; filters say
`widget=OrgPicker()` (orgs.filtersets.OrgField, members.filtersets.org_filter); a
hand-written select uses `render_org_picker`. A choice of 机关单位 (850 in a province) is
picked the same way, in their own order instead of the tree's; so is a choice of 党员 whose
field opts in with `picker = PICK_MEMBER` (the 工委's own 班子 could otherwise list the whole
city), labelled as the field labels them and searched by name or pinyin initials.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from django import forms
from django.apps import apps
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core import signing
from django.db.models import Case, Q, Value, When
from django.http import HttpResponseBadRequest, JsonResponse
from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import import_string
from django.utils.safestring import SafeString
from django.views import View

from .bounds import parse_id

SHORT_LIMIT = 100  # options a picker renders without a search (all 85 units of a city fit)
SEARCH_LIMIT = 30  # orgs one search answers with
QUERY_MAX = 50  # characters of a search
SALT = "dangjian.core.orgpicker"
INDENT = "　"  # a full-width space per level below the top shown
# Django's "选择一个有效的选项" says nothing of why; an org outside the scope reads as missing.
OUT_OF_RANGE = "所选组织不存在，或不在您可选择的范围内，请重新选择。"
ORG_ERRORS = {"invalid_choice": OUT_OF_RANGE, "invalid_pk_value": OUT_OF_RANGE}
UNIT_OUT_OF_RANGE = "所选单位不存在，或不在您可选择的范围内，请重新选择。"
UNIT_ERRORS = {"invalid_choice": UNIT_OUT_OF_RANGE, "invalid_pk_value": UNIT_OUT_OF_RANGE}


@dataclass(frozen=True)
class Picked:
    """What a picker of one model says and searches."""

    noun: str  # 组织 / 单位 / 党员
    lookups: tuple[str, ...]  # a search matches any of these (the query as typed)
    key: str = "名称"  # what the user types in the search box
    initials: str = ""  # a lookup given the lower-cased query (pinyin initials)
    errors: tuple[tuple[str, str], ...] = ()


MEMBER_OUT_OF_RANGE = "所选党员不存在，或不在您可选择的范围内，请重新选择。"
PICK_ORG = Picked(
    "组织",
    ("name__icontains", "short_name__icontains"),
    errors=(("invalid_choice", OUT_OF_RANGE), ("invalid_pk_value", OUT_OF_RANGE)),
)
PICK_UNIT = Picked(
    "单位",
    ("name__icontains", "short_name__icontains"),
    errors=(("invalid_choice", UNIT_OUT_OF_RANGE), ("invalid_pk_value", UNIT_OUT_OF_RANGE)),
)
PICK_MEMBER = Picked(
    "党员",
    ("name__icontains",),
    key="姓名",
    initials="name_initials__startswith",
    errors=(("invalid_choice", MEMBER_OUT_OF_RANGE), ("invalid_pk_value", MEMBER_OUT_OF_RANGE)),
)
# What the picker always chooses: orgs (a tree), and 机关单位 (a flat list, one per unit party
# org: 85 in a city, 850 in a province — no select of all of them either). Other models only
# where a field opts in (`picker` on the field).
PICKED = {"orgs.Organization": PICK_ORG, "orgs.Unit": PICK_UNIT}
SEARCHED = {**PICKED, "members.Member": PICK_MEMBER}  # what a search may name by label


def org_model() -> Any:
    return apps.get_model("orgs", "Organization")


def picked(field: forms.Field) -> Picked | None:
    """How `field` is picked: its own `picker`, else by its model; None for a plain select."""
    own = getattr(field, "picker", None)
    if own is not None:  # set before the form gives the field its queryset
        return own
    qs = getattr(field, "queryset", None)
    return None if qs is None else PICKED.get(qs.model._meta.label)


def is_org_field(field: forms.Field) -> bool:
    """A choice the picker renders: orgs, 机关单位, or a field that opted in."""
    return picked(field) is not None


def _is_tree(model: Any) -> bool:
    return model is org_model()


def _selected_ids(values: list[str]) -> list[int]:
    return [pk for v in values if (pk := parse_id(v)) is not None]


def short_choices(
    queryset: Any, selected: list[str], label: Any = None
) -> tuple[list[tuple[int, str]], bool]:
    """(pk, label) of what a picker shows, in tree order, and whether it shortened the list.

    One query: the chosen orgs first, then the queryset breadth first (`depth`, `path`),
    `SHORT_LIMIT + 1` rows. A level that does not fit whole is left out (half the units
    in name order would be a puzzle), unless it is the only one. 机关单位 have no tree:
    the first SHORT_LIMIT in their own order, and the chosen ones, labelled by `label` (the
    field's `label_from_instance`) when given."""
    ids = _selected_ids(selected)
    if not _is_tree(queryset.model):
        return _flat_choices(queryset, ids, label)
    order: list[Any] = [*_chosen_first(ids), "depth", "path"]
    rows = list(
        queryset.order_by(*order).values_list("pk", "name", "depth", "path")[
            : SHORT_LIMIT + 1 + len(ids)
        ]
    )
    picked = [r for r in rows if r[0] in ids]
    rest = [r for r in rows if r[0] not in ids]
    truncated = len(rest) > SHORT_LIMIT
    if truncated:
        cut_depth = rest[SHORT_LIMIT][2]
        whole = [r for r in rest[:SHORT_LIMIT] if r[2] < cut_depth]
        rest = whole or rest[:SHORT_LIMIT]
    shown = {r[0]: r for r in [*rest, *picked]}.values()
    top = min((r[2] for r in shown), default=1)
    ordered = sorted(shown, key=lambda r: r[3])
    return [(pk, INDENT * (depth - top) + name) for pk, name, depth, _path in ordered], truncated


def _chosen_first(ids: list[int]) -> list[Any]:
    # Without ids the CASE is a constant, which SQL reads as "ORDER BY column 1" (the id).
    return [Case(When(pk__in=ids, then=Value(0)), default=Value(1))] if ids else []


def _flat_choices(
    queryset: Any, ids: list[int], label: Any = None
) -> tuple[list[tuple[int, str]], bool]:
    # The queryset's own order (a form's members by org and name), else the model's.
    own = list(queryset.query.order_by) or queryset.model._meta.ordering or ["pk"]
    window = queryset.order_by(*_chosen_first(ids), *own)[: SHORT_LIMIT + 1 + len(ids)]
    if label is None:
        rows = list(window.values_list("pk", "name"))
    else:
        rows = [(obj.pk, str(label(obj))) for obj in window]
    picked = [r for r in rows if r[0] in ids]
    rest = [r for r in rows if r[0] not in ids]
    return [*picked, *rest[:SHORT_LIMIT]], len(rest) > SHORT_LIMIT


class OrgPicker(forms.Select):
    """A select of orgs that never lists more than `SHORT_LIMIT` (see the module doc)."""

    template_name = "core/widgets/org_picker.html"
    source = ""  # signed "module.Form:field" set by ScopedFormMixin; empty: the view scope
    queryset: Any = None  # for a hand-written picker (render_org_picker)
    empty_label: Any = None
    required = False

    def _field(self) -> Any:
        return getattr(self.choices, "field", None)

    def _queryset(self) -> tuple[Any, Any, bool]:
        qs = getattr(self.choices, "queryset", None)
        if qs is not None:
            field = self._field()
            return qs, field.empty_label, field.required
        return self.queryset, self.empty_label, self.required

    def _label(self) -> Any:
        """A field that opted in labels its own options (a member with their org)."""
        field = self._field()
        return field.label_from_instance if getattr(field, "picker", None) else None

    def optgroups(self, name: str, value: list[str], attrs: Any = None) -> Any:
        qs, empty_label, required = self._queryset()
        if qs is None:
            self.truncated = False
            return super().optgroups(name, value, attrs)
        choices, self.truncated = short_choices(qs, [v for v in value if v], self._label())
        if required and not any(value) and len(choices) == 1 and not self.truncated:
            # The only org the user may choose (a secretary's branch): chosen already.
            value, empty_label = [str(choices[0][0])], None
        head = [] if empty_label is None or self.allow_multiple_selected else [("", empty_label)]
        saved = self.choices
        self.choices = [*head, *choices]
        try:
            return super().optgroups(name, value, attrs)
        finally:
            self.choices = saved

    def get_context(self, name: str, value: Any, attrs: Any) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        qs = self._queryset()[0]
        tree = qs is None or _is_tree(qs.model)
        spec = PICK_ORG if qs is None else (picked(self._field()) if self._field() else None)
        spec = spec or SEARCHED.get(qs.model._meta.label, PICK_UNIT)
        url, source = "", self.source
        if self.truncated:
            with suppress(NoReverseMatch):  # a test's own URLconf has no search
                url = reverse("org-pick")
            if not source and not tree:  # a filter of 机关单位: the search names the model
                source = signing.dumps({"model": qs.model._meta.label}, salt=SALT)
        noun = spec.noun
        shown = "上级组织和已选的组织" if tree else f"一部分和已选的{noun}"
        context["picker"] = {
            "truncated": self.truncated,
            "url": url,
            "source": source,
            "noun": noun,
            "key": spec.key,
            "hint": f"{noun}较多，这里只列出{shown}；其他{noun}请在上方输入{spec.key}查找。",
        }
        return context


class OrgPickerMultiple(OrgPicker, forms.SelectMultiple):
    """Several orgs (a campaign's targets): SelectMultiple reads every value posted."""

    allow_multiple_selected = True


def source_token(form_class: type, field: str, user_kwarg: str = "user", **rebuild: Any) -> str:
    """The signed name of the form and field a search rebuilds; `rebuild` are the keyword
    arguments its choices depend on beyond the user (a 班子's term: `initial={"term": 5}`),
    signed so they cannot be changed, and the rebuilt form still scopes them to the user."""
    target: list[Any] = [f"{form_class.__module__}.{form_class.__qualname__}", field, user_kwarg]
    if rebuild:
        target.append(rebuild)
    return signing.dumps(target, salt=SALT)


def use_org_picker(form: forms.BaseForm, user_kwarg: str = "user") -> None:
    """Give every org choice field of `form` the picker. ScopedFormMixin calls it; any other
    form calls it at the end of `__init__`, naming the keyword its user comes in by. The
    search rebuilds the form as `Form(**{user_kwarg: user})` to search the field's queryset."""
    cls = type(form)
    for name, field in form.fields.items():
        if not is_org_field(field) or isinstance(field.widget, OrgPicker | forms.HiddenInput):
            continue
        multiple = isinstance(field, forms.ModelMultipleChoiceField)
        widget = (OrgPickerMultiple if multiple else OrgPicker)(attrs=dict(field.widget.attrs))
        widget.is_required = field.widget.is_required
        widget.source = source_token(cls, name, user_kwarg)
        widget.choices = field.choices  # type: ignore[attr-defined]
        field.widget = widget
        spec = picked(field)
        for key, message in dict(spec.errors if spec else ()).items():
            default = type(field).default_error_messages.get(key)
            if default is None or str(field.error_messages.get(key)) == str(default):
                field.error_messages[key] = message  # a form's own message stays


def render_org_picker(
    name: str, queryset: Any, selected: Any, *, empty_label: str | None, id: str
) -> SafeString:
    """A picker for a page's own form (the reminders inbox, the calendar)."""
    widget = OrgPicker(attrs={"id": id, "class": "form-select"})
    widget.queryset, widget.empty_label = queryset, empty_label
    widget.required = empty_label is None
    return SafeString(widget.render(name, "" if selected is None else str(selected)))


def _search_scope(user: Any, token: str) -> tuple[Any, Any] | None:
    """(queryset, field) a search runs in: the named form's field rebuilt for `user` (what
    the form accepts, so the search shows nothing its full select would not have), else the
    orgs the user may view (field None). None for a token that does not verify."""
    visible = org_model().objects.restrict(user, "view")
    if not token:
        return visible, None
    try:
        target = signing.loads(token, salt=SALT)
        if isinstance(target, dict):  # a filter of another picked model: what the user views
            label = str(target.get("model"))
            if label not in PICKED:
                return None
            return apps.get_model(label).objects.restrict(user, "view"), None
        dotted, field_name, user_kwarg, *more = target
        rebuild = dict(more[0]) if more else {}
        form_class = import_string(dotted)
    except (signing.BadSignature, TypeError, ValueError, ImportError, LookupError):
        return None
    if not (isinstance(form_class, type) and issubclass(form_class, forms.BaseForm)):
        return None
    try:
        field = form_class(**rebuild, **{user_kwarg: user}).fields.get(field_name)
    except Exception:
        # A form needing more than its user (a campaign's targets): search the orgs the
        # user may view; the form still validates what is chosen.
        return visible, None
    qs = getattr(field, "queryset", None)
    return (visible, None) if qs is None else (qs, field)


class OrgSearchView(LoginRequiredMixin, View):
    """GET ?q=名称&source=…: up to SEARCH_LIMIT orgs whose name or short name contains q."""

    def get(self, request):
        q = request.GET.get("q", "").strip()
        if len(q) > QUERY_MAX:
            return HttpResponseBadRequest("查找的名称太长。".encode(), content_type="text/plain")
        found = _search_scope(request.user, request.GET.get("source", ""))
        if found is None:
            return HttpResponseBadRequest("查找条件无效。".encode(), content_type="text/plain")
        if not q:
            return JsonResponse({"results": [], "more": False})
        scope, field = found
        spec = (picked(field) if field is not None else None) or SEARCHED[scope.model._meta.label]
        match = Q()
        for lookup in spec.lookups:
            match |= Q(**{lookup: q})
        if spec.initials and q.isascii() and q.isalpha():
            match |= Q(**{spec.initials: q.lower()})
        if _is_tree(scope.model):
            order = ["path"]
        else:
            order = list(scope.query.order_by) or list(scope.model._meta.ordering or ["pk"])
        window = scope.filter(match).order_by(*order)[: SEARCH_LIMIT + 1]
        if field is not None and getattr(field, "picker", None):
            rows = [(obj.pk, str(field.label_from_instance(obj))) for obj in window]
        else:
            rows = list(window.values_list("pk", "name"))
        return JsonResponse(
            {
                "results": [{"id": pk, "name": name} for pk, name in rows[:SEARCH_LIMIT]],
                "more": len(rows) > SEARCH_LIMIT,
            }
        )
