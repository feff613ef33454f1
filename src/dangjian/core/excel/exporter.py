"""The Exporter base: stream a restricted, filtered queryset into an xlsx, masked and audited."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.http import FileResponse
from django.utils import timezone

from .. import context
from . import writer
from .workbook import audit, xlsx_response

_DISPLAY = re.compile(r"^get_(\w+)_display$")


@dataclass(frozen=True)
class ExportColumn:
    header: Any
    value: str | Callable[[Any], Any]  # attribute path ("org.name"), method name, or callable
    width: int = 14

    def getter(self, model: Any) -> Callable[[Any], Any]:
        """A function obj → cell value; `get_<field>_display` becomes a dict lookup built once."""
        if callable(self.value):
            return self.value
        *path, last = self.value.split(".")
        display = _DISPLAY.match(last)
        if display:
            target = model
            for part in path:
                target = target._meta.get_field(part).related_model
            field = target._meta.get_field(display[1])
            labels = {code: str(label) for code, label in field.flatchoices}
            attname = field.attname

            def choice_label(obj: Any) -> Any:
                for part in path:
                    obj = getattr(obj, part, None)
                    if obj is None:
                        return None
                value = getattr(obj, attname)
                return labels.get(value, value)

            return choice_label

        def attribute(obj: Any) -> Any:
            for part in (*path, last):
                obj = getattr(obj, part, None)
                if obj is None:
                    return None
            return obj() if callable(obj) else obj

        return attribute


class Exporter:
    """Streams an xlsx of a restricted, filtered queryset; sensitive columns use masked accessors."""

    label: Any = ""
    columns: list[ExportColumn] = []
    chunk_size = 2000

    def prepare_chunk(self, user: Any, objs: list[Any]) -> None:
        """Hook: load what the columns need for a chunk of rows in a few queries."""

    def iter_rows(self, user: Any, queryset: Any) -> Iterator[list[Any]]:
        """Cell values row by row, reading the queryset in chunks (never all rows at once)."""
        getters = [col.getter(queryset.model) for col in self.columns]
        chunk: list[Any] = []
        for obj in queryset.iterator(chunk_size=self.chunk_size):
            chunk.append(obj)
            if len(chunk) >= self.chunk_size:
                yield from self._emit_chunk(user, chunk, getters)
                chunk = []
        if chunk:
            yield from self._emit_chunk(user, chunk, getters)

    def _emit_chunk(
        self, user: Any, chunk: list[Any], getters: list[Callable[[Any], Any]]
    ) -> Iterator[list[Any]]:
        self.prepare_chunk(user, chunk)
        for obj in chunk:
            yield [get(obj) for get in getters]

    def response(
        self, user: Any, queryset: Any, filters: dict[str, Any] | None = None
    ) -> FileResponse:
        """The xlsx download of `queryset` (which the caller has restricted and filtered); audited."""
        if filters is None:
            filters = _request_filters()
        wb = writer.new_workbook(write_only=True)
        ws = writer.sheet(
            wb,
            str(self.label),
            headers=[col.header for col in self.columns],
            widths=[col.width for col in self.columns],
            header_style=False,
        )
        count = 0
        for values in self.iter_rows(user, queryset):
            writer.append(ws, values)
            count += 1
        return download(
            user,
            wb,
            model=queryset.model._meta.label_lower,
            rows=count,
            filters=filters,
            filename=f"{self.label}_{timezone.localdate():%Y%m%d}.xlsx",
        )


def _request_filters() -> dict[str, Any]:
    request = context.current().request
    if request is None:
        return {}
    return {
        k: (v[0] if len(v) == 1 else v)
        for k, v in request.GET.lists()
        if k not in {"export", "page"} and any(v)
    }


def download(
    user: Any, wb: Any, *, model: str, rows: int, filters: dict, filename: str
) -> FileResponse:
    """A built workbook as an xlsx download, with the one export audit event every
    download records (the Exporter's, and pages that build their own sheets)."""
    out = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
    writer.save_to(wb, out)
    out.seek(0)
    audit(user, "export", "success", model=model, rows=rows, filters=filters)
    return xlsx_response(out, filename)
