"""Word files (docx) as Chinese offices print them: A4, 公文 margins, Chinese document fonts.

Every docx the platform writes (the 负面清单 export, the 巡前征询 profile) is made here.
python-docx's blank document is US Letter with Latin theme fonts; ours is:

- A4 (210 × 297 mm) with the margins of GB/T 9704-2012 (党政机关公文格式): top 37 mm,
  bottom 35 mm, left 28 mm, right 26 mm;
- body text 仿宋 三号 (16 pt), headings 黑体, tables 宋体 (smaller, so a wide list fits);
  Latin letters and digits in Times New Roman;
- the East Asian font named on every run (`w:rFonts w:eastAsia`), not only in the styles,
  and no theme font left anywhere: Word gives a theme attribute (`w:eastAsiaTheme`)
  precedence over a font name, so the styles' theme attributes are removed;
- fallbacks in the font table (`w:altName`): where 仿宋 / 宋体 / 黑体 are not installed
  (a Linux desktop, a phone) the reader tries their other names and then the CJK fonts
  such systems ship, Noto Serif CJK SC / Noto Sans CJK SC (fonts-noto-cjk).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from lxml import etree

# role → (font name written on runs, fallbacks for the font table's altName)
BODY = "body"
HEADING = "heading"
TABLE = "table"
FONTS = {
    BODY: ("仿宋", "FangSong,仿宋_GB2312,STFangsong,Noto Serif CJK SC,Source Han Serif SC"),
    HEADING: ("黑体", "SimHei,STHeiti,Noto Sans CJK SC,Source Han Sans SC"),
    TABLE: ("宋体", "SimSun,STSong,Noto Serif CJK SC,Source Han Serif SC"),
}
LATIN = "Times New Roman"
SIZES_PT = {BODY: 16, HEADING: 16, TABLE: 10.5}  # 三号, 三号, 五号
TITLE_PT = 22  # 二号, the document's title
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}  # GB/T 9704-2012 §5.2.1
PAGE_MM = (210, 297)
TEXT_WIDTH_MM = PAGE_MM[0] - MARGINS_MM["left"] - MARGINS_MM["right"]  # 156
# GB2312 character set and the families the font table declares for each role.
_FONT_TABLE = {BODY: "roman", HEADING: "modern", TABLE: "roman"}

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_THEME_ATTRS = ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme")


def _w(name: str) -> str:
    return f"{{{W_NS}}}{name}"


def set_fonts(rpr: Any, role: str) -> None:
    """Name the role's Chinese font (East Asian text) and Times New Roman (Latin) on an
    rPr element, dropping theme fonts, which would otherwise win."""
    fonts = rpr.get_or_add_rFonts()
    for attr in _THEME_ATTRS:
        fonts.attrib.pop(_w(attr), None)
    name = FONTS[role][0]
    fonts.set(_w("eastAsia"), name)
    fonts.set(_w("ascii"), LATIN)
    fonts.set(_w("hAnsi"), LATIN)
    fonts.set(_w("cs"), LATIN)
    fonts.set(_w("hint"), "eastAsia")


def style_run(run: Any, role: str, *, size: float | None = None, bold: bool = False) -> Any:
    from docx.shared import Pt

    set_fonts(run._r.get_or_add_rPr(), role)
    run.font.size = Pt(size or SIZES_PT[role])
    run.bold = bold or None
    return run


def new_document() -> Any:
    """A blank A4 document with the 公文 margins, fonts and font-table fallbacks."""
    from docx import Document
    from docx.shared import Mm, Pt, RGBColor

    doc = Document()
    for section in doc.sections:
        section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
        section.top_margin = Mm(MARGINS_MM["top"])
        section.bottom_margin = Mm(MARGINS_MM["bottom"])
        section.left_margin = Mm(MARGINS_MM["left"])
        section.right_margin = Mm(MARGINS_MM["right"])
    styles = doc.styles.element
    # Theme fonts anywhere in the styles (defaults, headings, tables) would outrank ours.
    for fonts in styles.iter(_w("rFonts")):
        for attr in _THEME_ATTRS:
            fonts.attrib.pop(_w(attr), None)
    defaults = styles.find(f"{_w('docDefaults')}/{_w('rPrDefault')}/{_w('rPr')}")
    if defaults is not None:
        lang = defaults.find(_w("lang"))
        if lang is not None:
            lang.set(_w("eastAsia"), "zh-CN")
    normal = doc.styles["Normal"]
    set_fonts(normal.element.get_or_add_rPr(), BODY)
    normal.font.size = Pt(SIZES_PT[BODY])
    normal.paragraph_format.space_after = Pt(0)
    for name in ("Title", "Heading 1", "Heading 2", "Heading 3"):
        style = doc.styles[name]
        set_fonts(style.element.get_or_add_rPr(), HEADING)
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.font.italic = False
    _add_fallbacks(doc)
    return doc


def _add_fallbacks(doc: Any) -> None:
    """Declare 仿宋, 宋体 and 黑体 in word/fontTable.xml with their alternative names."""
    part = next(
        (p for p in doc.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml"),
        None,
    )
    if part is None:  # python-docx's template has one; without it Word falls back anyway
        return
    root = etree.fromstring(part.blob)
    for role, (name, alternatives) in FONTS.items():
        for old in root.findall(_w("font")):
            if old.get(_w("name")) == name:
                root.remove(old)
        font = etree.SubElement(root, _w("font"))
        font.set(_w("name"), name)
        for tag, value in (
            ("altName", alternatives),
            ("charset", "86"),  # GB2312
            ("family", _FONT_TABLE[role]),
            ("pitch", "variable"),
        ):
            etree.SubElement(font, _w(tag)).set(_w("val"), value)
    # python-docx keeps a plain part's bytes in `_blob`: replacing them is how its own
    # loader fills it, and the part is written out from there on save.
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def title(doc: Any, text: str) -> Any:
    """The document's title: 黑体 二号, centred (in the Heading 1 style, so it is in the outline)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    para = doc.add_paragraph(style="Heading 1")
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    style_run(para.add_run(text), HEADING, size=TITLE_PT)
    return para


def heading(doc: Any, text: str) -> Any:
    para = doc.add_paragraph(style="Heading 2")
    style_run(para.add_run(text), HEADING)
    return para


def paragraph(doc: Any, text: str, *, size: float | None = None) -> Any:
    para = doc.add_paragraph()
    style_run(para.add_run(text), BODY, size=size)
    return para


def table(
    doc: Any,
    header: list[str],
    rows: list[list[str]],
    *,
    size: float | None = None,
    widths_mm: Sequence[float] | None = None,
) -> Any:
    """A grid table in 宋体: the header row bold, repeated on every page; a cell's lines
    stay lines; `widths_mm` (summing to the 156 mm between the margins) per column."""
    from docx.oxml import OxmlElement
    from docx.shared import Mm

    grid = doc.add_table(rows=1, cols=len(header))
    grid.style = "Table Grid"
    header_row = grid.rows[0]
    header_row._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    for cell, text in zip(header_row.cells, header, strict=True):
        _fill(cell, text, size=size, bold=True)
    for values in rows:
        for cell, text in zip(grid.add_row().cells, values, strict=True):
            _fill(cell, text, size=size)
    if widths_mm:
        grid.autofit = False
        for column, width in zip(grid.columns, widths_mm, strict=True):
            column.width = Mm(width)
            for cell in column.cells:
                cell.width = Mm(width)
    return grid


def _fill(cell: Any, text: str, *, size: float | None, bold: bool = False) -> None:
    lines = text.split("\n")
    para = cell.paragraphs[0]
    for n, line in enumerate(lines):
        if n:
            para = cell.add_paragraph()
        style_run(para.add_run(line), TABLE, size=size, bold=bold)


def to_bytes(doc: Any) -> bytes:
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
