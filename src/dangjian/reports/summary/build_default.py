"""Build the shipped default template of the annual summary: `templates_docx/default.docx`.

    .venv/bin/python -m dangjian.reports.summary.build_default

The .docx is generated, not hand-edited, so it is reproducible and reviewable as code;
the generated file is committed beside this script. Its shape follows the seed (a 工委's
2024 summary, `../shared/seeds/`): title, lead, the four parts (政治忠诚卷, 全面过硬卷,
创新服务卷, 政廉风清卷), a closing looking to the next year, and an appendix listing every
figure with its metric id and the link to its records. Every number is a metric
reference (`m("…")`), never typed. A4, 公文 margins (GB/T 9704-2012), title in a
小标宋-style face, body 仿宋 三号 with fallbacks to the installed CJK fonts, page numbers
in the footer.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path
from typing import Any

from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt
from lxml import etree

from dangjian.assessments import wordfile

OUT = Path(__file__).parent / "templates_docx" / "default.docx"
TITLE_FONT = "方正小标宋简体"
TITLE_FALLBACKS = "FZXiaoBiaoSong-B05S,华文中宋,STZhongsong,宋体,SimSun,Noto Serif CJK SC"
LINE_PT = 28  # 公文: 22 lines of 28 characters on a page
INDENT_PT = 32  # two characters of 三号 (16 pt)
FIXED_TIME = (2024, 1, 1, 0, 0, 0)  # zip entries' time: the same script gives the same bytes


def _body(doc: Any, text: str, *, bold_lead: str = "") -> Any:
    para = doc.add_paragraph()
    fmt = para.paragraph_format
    fmt.first_line_indent = Pt(INDENT_PT)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(LINE_PT)
    if bold_lead:
        wordfile.style_run(para.add_run(bold_lead), wordfile.HEADING)
    wordfile.style_run(para.add_run(text), wordfile.BODY)
    return para


def _part(doc: Any, text: str) -> Any:
    para = doc.add_paragraph(style="Heading 2")
    para.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    para.paragraph_format.line_spacing = Pt(LINE_PT)
    para.paragraph_format.first_line_indent = Pt(INDENT_PT)
    wordfile.style_run(para.add_run(text), wordfile.HEADING)
    return para


def _title(doc: Any, text: str, *, size: float = 22, style: str = "Title") -> Any:
    para = doc.add_paragraph(style=style)
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = para.add_run(text)
    wordfile.style_run(run, wordfile.HEADING, size=size)
    run._r.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), TITLE_FONT)
    return para


def _centered(doc: Any, text: str, size: float = 16) -> Any:
    para = doc.add_paragraph()
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    wordfile.style_run(para.add_run(text), wordfile.BODY, size=size)
    return para


def _loop_table(
    doc: Any, header: list[str], loop: str, cells: list[str], widths: list[float]
) -> Any:
    """A table whose middle row repeats (docxtpl `{%tr for %}` … `{%tr endfor %}` rows)."""
    rows = [
        ["{%tr " + loop + " %}"] + [""] * (len(header) - 1),
        cells,
        ["{%tr endfor %}"] + [""] * (len(header) - 1),
    ]
    grid = wordfile.table(doc, header, rows, size=12, widths_mm=widths)
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    return grid


def _chart(doc: Any, expression: str) -> Any:
    para = doc.add_paragraph()
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    wordfile.style_run(para.add_run("{{ " + expression + " }}"), wordfile.BODY)
    return para


def _page_numbers(doc: Any) -> None:
    """ "— 1 —" centred in the footer (宋体 四号), a PAGE field Word fills in."""
    for section in doc.sections:
        para = section.footer.paragraphs[0]
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        wordfile.style_run(para.add_run("— "), wordfile.TABLE, size=14)
        run = para.add_run()
        wordfile.style_run(run, wordfile.TABLE, size=14)
        for kind, text in (
            ("begin", None),
            (None, " PAGE "),
            ("separate", None),
            (None, "1"),
            ("end", None),
        ):
            if kind:
                el = OxmlElement("w:fldChar")
                el.set(qn("w:fldCharType"), kind)
            elif text == " PAGE ":
                el = OxmlElement("w:instrText")
                el.set(qn("xml:space"), "preserve")
                el.text = text
            else:
                el = OxmlElement("w:t")
                el.text = text
            run._r.append(el)
        wordfile.style_run(para.add_run(" —"), wordfile.TABLE, size=14)


def _title_font_fallback(doc: Any) -> None:
    part = next(
        p for p in doc.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml"
    )
    root = etree.fromstring(part.blob)
    font = etree.SubElement(root, qn("w:font"))
    font.set(qn("w:name"), TITLE_FONT)
    for tag, value in (
        ("altName", TITLE_FALLBACKS),
        ("charset", "86"),
        ("family", "roman"),
        ("pitch", "variable"),
    ):
        etree.SubElement(font, qn(f"w:{tag}")).set(qn("w:val"), value)
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def build() -> Any:
    doc = wordfile.new_document()
    core = doc.core_properties
    core.author = core.last_modified_by = "党建工作平台"
    core.title = "年度工作总结（默认模板）"
    core.created = core.modified = dt.datetime(*FIXED_TIME, tzinfo=dt.UTC)
    core.revision = 1
    _title_font_fallback(doc)
    _page_numbers(doc)

    _title(doc, "奋力书写新时代机关党建新答卷")
    _title(doc, "——{{ scope_name }}{{ year }}年机关党建工作总结", size=16, style="Subtitle")
    _body(
        doc,
        "{{ year }}年，{{ scope_name }}深入贯彻落实党的二十大和二十届历次全会精神，聚焦全面提高机关党建质量，"
        '统筹抓好{{ m("orgs.unit_party_count") }}个机关党组织、{{ m("orgs.grassroots_count") }}个基层党组织，'
        "当好“三个表率”，建设模范机关，推动机关党建高质量发展。",
    )

    _part(doc, "一、扛牢责任　答好“政治忠诚卷”")
    _body(
        doc,
        "坚持把党的政治建设摆在首位，常态化开展理想信念教育、对党忠诚教育和党纪学习教育，"
        "认真落实“三会一课”等党内基础制度。{{ year }}年各项基础制度落实情况如下表。",
        bold_lead="严肃政治生活。",
    )
    _loop_table(
        doc,
        ["基础制度", "达标率（%）"],
        'for r in group("compliance.branch.")',
        ["{{ r.label }}", "{{ r.value }}"],
        [110, 46],
    )
    _body(
        doc,
        '严格落实“第一议题”等制度。{{ year }}年，对{{ m("study.observed_units") }}家单位党组（党委）'
        '理论学习中心组学习情况进行列席旁听，对{{ m("supervision.study_review_units") }}家单位开展抽查调阅；'
        '指导理论学习中心组开展学习研讨{{ m("study.seminar_count") }}次，'
        '对{{ m("training.secretaries_trained", about=True) }}名基层党组织书记进行党纪学习教育集中培训。',
        bold_lead="学深创新理论。",
    )
    _body(
        doc,
        '结合党内集中教育，统筹抓好{{ m("orgs.unit_party_count") }}个机关党组织，覆盖'
        '{{ m("orgs.grassroots_count") }}个基层党组织理论武装工作；全年组织培训'
        '{{ m("training.participants") }}人次，'
        "实现基层党组织和党员学习培训全覆盖。",
        bold_lead="抓实集中教育。",
    )

    _part(doc, "二、强基固本　答好“全面过硬卷”")
    _body(
        doc,
        "建立基层党组织基础制度落实情况常态化抽查调阅机制。{{ year }}年累计对"
        '{{ m("supervision.basic_system_reviewed_orgs") }}个基层党支部和党小组基础制度落实情况进行抽查调阅，'
        '针对{{ m("supervision.negative_list") }}类共性问题制定负面清单（主要问题见下表）。',
        bold_lead="拧紧党建责任链条。",
    )
    _loop_table(
        doc,
        ["问题类别", "问题数"],
        'for r in breakdown("supervision.negative_list", "category")',
        ["{{ r.name }}", "{{ r.count }}"],
        [110, 46],
    )
    _body(
        doc,
        '每半年对{{ m("orgs.grassroots_count") }}个基层党组织换届情况开展拉网排查，'
        '全年排查{{ m("terms.renewal_sweep") }}次，对需要换届的党组织分类指导、精准施策，确保按期换届。',
        bold_lead="健全换届提醒督促机制。",
    )
    _body(
        doc,
        '通过“听、看、查、问、评”等方式开展机关党建互学互鉴，{{ m("evaluation.model_organ_passed") }}家单位'
        '达到模范机关建设标准，{{ m("evaluation.excellent_cases") }}项机关党建创新工作获评优秀案例，'
        '{{ m("evaluation.provincial_case_awards") }}项工作获省级机关党建创新成果奖项。“七一”前夕，'
        '对{{ m("honors.excellent_members") }}名优秀共产党员、{{ m("honors.excellent_party_workers") }}名'
        '优秀党务工作者和{{ m("honors.advanced_orgs") }}个先进基层党组织进行表彰。',
        bold_lead="打造机关党建品牌。",
    )
    _chart(
        doc,
        'bars(["honors.excellent_members", "honors.excellent_party_workers", "honors.advanced_orgs"], '
        'year ~ "年七一表彰")',
    )
    _body(
        doc,
        '会同审计部门开展党费“一审两查”工作，全年收缴党费{{ m("dues.collected") }}元，'
        '党费按时交纳率{{ m("dues.on_time_rate") }}%。',
        bold_lead="创新“党建+”模式。",
    )

    _part(doc, "三、围绕中心　答好“创新服务卷”")
    _body(
        doc,
        "深入开展“入党前争做志愿者”等活动，组织入党积极分子在经济发展主战场、基层治理最前沿进行实践锻炼。"
        '{{ year }}年新确定入党积极分子{{ m("recruitment.activists") }}名，发展党员{{ m("recruitment.admitted") }}名，'
        '预备党员按期转正{{ m("recruitment.converted") }}名。',
        bold_lead="走到服务群众最前沿。",
    )
    _body(
        doc,
        "围绕市委、市政府决策部署，动员机关党支部扎在项目一线，成立党员突击队、党员项目攻关组，"
        "开展“党员干部进项目进企业”志愿服务，搭好人才成长大舞台。",
        bold_lead="当好推动改革排头兵。",
    )

    _part(doc, "四、严明纪律　答好“政廉风清卷”")
    _body(
        doc,
        '常态化开展机关纪律作风明察暗访，抽查单位{{ m("supervision.unannounced_units") }}家，'
        '及时督促问题整改，当年整改事项销号率{{ m("supervision.rectification_closure_rate") }}%。',
        bold_lead="深化作风建设。",
    )
    _body(
        doc,
        "以岗位廉政风险大排查、制度建设“精装修”等专项行动为抓手，各单位共排查廉政风险点"
        '{{ m("integrity.risk_points", about=True) }}个，制定整改措施{{ m("integrity.measures", about=True) }}个，'
        '建立完善各类制度{{ m("integrity.institutions") }}项。',
        bold_lead="推进清廉机关建设。",
    )
    _chart(
        doc,
        'bars(["integrity.risk_points", "integrity.measures", "integrity.institutions"], "清廉建设专项行动")',
    )

    _body(
        doc,
        "{{ next_year }}年，{{ scope_name }}将团结带领各级党组织和广大党员，以习近平新时代中国特色社会主义思想为指导，"
        "突出党建引领，坚持守正创新，推动机关党建高质量发展，为奋力谱写中国式现代化新篇章贡献力量。",
    )
    _centered(doc, "{{ scope_name }}　{{ generated_on }}")

    doc.add_page_break()
    _part(doc, "附：数据来源")
    _body(
        doc,
        "本文所列数字均由党建工作平台按下表指标从记录中统计生成；〔不可用〕表示相关模块尚未启用，〔暂无〕表示当年没有可统计的记录。",
    )
    _loop_table(
        doc,
        ["序号", "指标", "数值", "指标编号", "记录查询"],
        "for f in figures",
        [
            "{{ f.n }}",
            "{{ f.label }}（{{ f.year }}年）",
            "{{ f.text }}",
            "{{ f.id }}",
            "{{ f.url }}",
        ],
        [12, 44, 22, 38, 40],
    )
    return doc


def reproducible(data: bytes) -> bytes:
    """The same archive with fixed entry times and order, so a rebuild gives equal bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in sorted(source.namelist(), key=lambda n: (n != "[Content_Types].xml", n)):
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, source.read(name))
    return out.getvalue()


def main() -> None:
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_bytes(reproducible(wordfile.to_bytes(build())))
    print(OUT)


if __name__ == "__main__":
    main()
