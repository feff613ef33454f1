"""Every Word file the platform writes is A4 with 公文 margins and Chinese document fonts.

The platform writes two: the 负面清单 export and the 巡前征询 profile (`grep -rn docx src`).
python-docx's blank document is US Letter with Latin theme fonts; an office opening it in
China printed the 负面清单 on the wrong paper. Checked by opening the files as Word would:
the section's page size and margins (GB/T 9704: top 37 mm, bottom 35 mm, left 28 mm,
right 26 mm), the East Asian font of every run with Chinese text (w:eastAsia), no theme
font overriding it, and the font table's fallbacks to the CJK fonts a Linux desktop has.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from lxml import etree

from dangjian.assessments import liaison, negative_list

from . import factories
from .factories import make_finding

pytestmark = pytest.mark.django_db
people = factories.people

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
DOCUMENT_FONTS = {"仿宋", "宋体", "黑体"}


def opened(data: bytes):
    from docx import Document

    return Document(io.BytesIO(data))


def runs(doc):
    for para in doc.paragraphs:
        yield from para.runs
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                for para in cell.paragraphs:
                    yield from para.runs


def east_asia(run) -> str | None:
    fonts = run._r.find(f"{W}rPr/{W}rFonts")
    return None if fonts is None else fonts.get(f"{W}eastAsia")


def assert_official_document(data: bytes) -> None:
    doc = opened(data)
    for section in doc.sections:
        # Word keeps lengths in twentieths of a point: 210 mm is stored as 11906 twips.
        size = (round(section.page_width.mm, 1), round(section.page_height.mm, 1))
        assert size == (210.0, 297.0), size
        margins = [
            round(m.mm, 1)
            for m in (
                section.top_margin,
                section.bottom_margin,
                section.left_margin,
                section.right_margin,
            )
        ]
        assert margins == [37.0, 35.0, 28.0, 26.0], margins
    for table in doc.tables:  # the table fits between the margins
        widths = [int(c.get(f"{W}w")) for c in table._tbl.tblGrid.iter(f"{W}gridCol")]
        assert sum(widths) <= round(156 / 25.4 * 1440) + len(widths), widths
    chinese = [r for r in runs(doc) if any("\u4e00" <= ch <= "\u9fff" for ch in r.text)]
    assert chinese
    assert {east_asia(r) for r in chinese} <= DOCUMENT_FONTS
    assert None not in {east_asia(r) for r in chinese}
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        styles = etree.fromstring(z.read("word/styles.xml"))
        fonts = etree.fromstring(z.read("word/fontTable.xml"))
    # A theme attribute (w:eastAsiaTheme) outranks the font name: none may be left.
    themed = [el for el in styles.iter(f"{W}rFonts") if el.get(f"{W}eastAsiaTheme")]
    assert not themed
    alt = {
        f.get(f"{W}name"): f.find(f"{W}altName").get(f"{W}val")
        for f in fonts.iter(f"{W}font")
        if f.find(f"{W}altName") is not None
    }
    assert "Noto Serif CJK SC" in alt["仿宋"] and "Noto Serif CJK SC" in alt["宋体"]
    assert "Noto Sans CJK SC" in alt["黑体"]


def test_the_negative_list_is_an_a4_official_document(tree, people):
    make_finding(tree.branch_a, raised_by=tree.root, text="会议记录存在补记现象")
    nl = negative_list.build(people.committee, year=2024, campaign_type=None)
    assert nl.rows
    assert_official_document(negative_list.to_docx(nl))


def test_an_empty_negative_list_too(tree, people):
    assert_official_document(
        negative_list.to_docx(negative_list.build(people.committee, year=2030))
    )


def test_the_liaison_profile_is_an_a4_official_document(tree, people):
    make_finding(tree.branch_a, raised_by=tree.root, found_on=dt.date(2024, 3, 1))
    profile = liaison.unit_profile(
        people.committee, tree.unit_a, dt.date(2024, 1, 1), dt.date(2024, 12, 31)
    )
    assert_official_document(liaison.profile_docx(profile))


def test_the_page_exports_are_the_same_documents(client, tree, people):
    make_finding(tree.branch_a, raised_by=tree.root)
    client.force_login(people.committee)
    nl = client.get("/assessments/negative-list/?year=2024&campaign_type=all&export=docx")
    assert nl.status_code == 200
    assert_official_document(nl.content)
    profile = client.get(f"/assessments/liaison/{tree.unit_a.pk}/?export=docx")
    assert profile.status_code == 200
    assert_official_document(profile.content)
