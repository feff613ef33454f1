"""发展党员纪实表: the xlsx through core.excel and the A4 docx show the 25 steps with their
dates and people, mask the ID number, and each download is an audited export."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from docx import Document
from docx.shared import Cm
from openpyxl import load_workbook

from dangjian.audit.models import AuditEvent

from .factories import new_applicant, walk

pytestmark = pytest.mark.django_db


@pytest.fixture
def walked(tree, make_user, client):
    user = make_user("branch_secretary", tree.branch_a)
    client.force_login(user)
    a = new_applicant(user, tree.branch_a, name="吴纪实")
    walk(user, a, 12)
    return a


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_xlsx(walked, client):
    r = client.get(reverse("recruitment:applicant_export", args=[walked.pk]), {"format": "xlsx"})
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(_body(r))).active
    values = [[c for c in row] for row in ws.iter_rows(values_only=True)]
    flat = [str(v) for row in values for v in row if v is not None]
    assert "发展党员纪实表" in flat and "吴纪实" in flat
    assert walked.masked_id_number() in flat and walked.id_number not in flat
    steps = [row for row in values if row and row[1] and str(row[1]).isdigit()]
    assert len(steps) == 25  # every step, recorded or blank
    committee = next(row for row in steps if row[1] == "12")
    assert committee[3] == "2023-04-20" and "应到9人" in committee[5]
    blank = next(row for row in steps if row[1] == "20")
    assert blank[3] in (None, "")
    assert AuditEvent.objects.filter(
        action="export", detail__model="recruitment.applicant"
    ).exists()


def test_docx_a4(walked, client):
    r = client.get(reverse("recruitment:applicant_export", args=[walked.pk]), {"format": "docx"})
    assert r.status_code == 200
    assert r["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml"
    )
    doc = Document(io.BytesIO(_body(r)))
    section = doc.sections[0]
    assert abs(section.page_width - Cm(21)) < Cm(0.1) and abs(section.page_height - Cm(29.7)) < Cm(
        0.1
    )
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert "发展党员纪实表" in text
    assert "吴纪实" in cells and walked.id_number not in cells
    assert "支部委员会审查" in cells and "2023-04-20" in cells
    rfonts = doc.styles["Normal"].element.rPr.rFonts
    assert (
        rfonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia")
        == "宋体"
    )


def test_bad_format_is_400(walked, client):
    r = client.get(reverse("recruitment:applicant_export", args=[walked.pk]), {"format": "pdf"})
    assert r.status_code == 400
