"""Vocabulary of the fictional demo city: departments, sections, sub-bodies, job titles.

Everything here is invented for 演示数据; the department list follows the usual shape of a
prefecture-level city's 市直机关 (party organs, people's congress and CPPCC organs, the
government departments, courts, mass organisations and a few public institutions).
"""

from __future__ import annotations

from dataclasses import dataclass


def _words(text: str) -> tuple[str, ...]:
    """A whitespace-separated word list (keeps long vocabularies readable)."""
    return tuple(text.split())


CITY = "示例市"
# Extra fictional cities for the province-scale benchmark data (10 × the city).
PROVINCE_CITIES = _words(
    """
    示例市 东湖市 西岭市 南川市 北原市 青山市 白河市 金沙市
    玉泉市 长宁市
    """
)


@dataclass(frozen=True)
class Department:
    name: str  # without the city prefix, e.g. "财政局"
    weight: int  # relative size: 1 small, 2 medium, 3 large, 5 very large
    leading_group: bool  # government departments and mass bodies have a 党组


_D = Department
DEPARTMENTS: tuple[Department, ...] = (
    _D("委办公室", 2, False),
    _D("人大常委会机关", 2, True),
    _D("人民政府办公室", 2, True),
    _D("政协机关", 2, True),
    _D("纪委监委机关", 3, False),
    _D("委组织部", 2, False),
    _D("委宣传部", 2, False),
    _D("委统战部", 1, False),
    _D("委政法委员会", 1, False),
    _D("委政策研究室", 1, False),
    _D("委网络安全和信息化委员会办公室", 1, False),
    _D("委机构编制委员会办公室", 1, False),
    _D("委老干部局", 1, False),
    _D("委党校", 2, False),
    _D("委社会工作部", 1, False),
    _D("委巡察工作领导小组办公室", 1, False),
    _D("委党史研究室", 1, False),
    _D("委外事工作委员会办公室", 1, False),
    _D("发展和改革委员会", 3, True),
    _D("教育局", 3, True),
    _D("科学技术局", 1, True),
    _D("工业和信息化局", 2, True),
    _D("民族宗教事务局", 1, True),
    _D("公安局", 5, True),
    _D("民政局", 2, True),
    _D("司法局", 2, True),
    _D("财政局", 3, True),
    _D("人力资源和社会保障局", 3, True),
    _D("自然资源和规划局", 3, True),
    _D("生态环境局", 2, True),
    _D("住房和城乡建设局", 3, True),
    _D("城市管理局", 3, True),
    _D("交通运输局", 3, True),
    _D("水利局", 2, True),
    _D("农业农村局", 3, True),
    _D("商务局", 1, True),
    _D("文化广电和旅游局", 2, True),
    _D("卫生健康委员会", 3, True),
    _D("退役军人事务局", 1, True),
    _D("应急管理局", 2, True),
    _D("审计局", 1, True),
    _D("人民政府国有资产监督管理委员会", 2, True),
    _D("市场监督管理局", 3, True),
    _D("体育局", 1, True),
    _D("统计局", 1, True),
    _D("医疗保障局", 1, True),
    _D("林业局", 1, True),
    _D("人民防空办公室", 1, True),
    _D("信访局", 1, True),
    _D("机关事务管理局", 2, True),
    _D("行政审批和政务信息管理局", 2, True),
    _D("地方金融工作局", 1, True),
    _D("数据局", 1, True),
    _D("投资促进局", 1, True),
    _D("粮食和物资储备局", 1, True),
    _D("住房公积金管理中心", 1, True),
    _D("中级人民法院", 3, True),
    _D("人民检察院", 2, True),
    _D("总工会", 1, True),
    _D("共青团委员会", 1, True),
    _D("妇女联合会", 1, True),
    _D("科学技术协会", 1, True),
    _D("文学艺术界联合会", 1, True),
    _D("社会科学界联合会", 1, True),
    _D("归国华侨联合会", 1, True),
    _D("残疾人联合会", 1, True),
    _D("红十字会", 1, True),
    _D("工商业联合会", 1, True),
    _D("供销合作社", 1, True),
    _D("档案馆", 1, False),
    _D("地方史志办公室", 1, False),
    _D("公共资源交易中心", 1, False),
    _D("社会保险中心", 2, False),
    _D("不动产登记中心", 1, False),
    _D("疾病预防控制中心", 2, False),
    _D("广播电视台", 2, True),
    _D("日报社", 2, True),
    _D("气象局", 1, True),
    _D("地震局", 1, True),
    _D("税务局", 3, True),
    _D("邮政管理局", 1, True),
    _D("烟草专卖局", 2, True),
    _D("城乡一体化示范区管理委员会", 2, True),
    _D("高新技术产业开发区管理委员会", 2, True),
    _D("新闻出版局", 1, True),
    _D("人民政府研究室", 1, True),
    _D("人民政府驻北京联络处", 1, False),
)

# Internal sections (科室) that host a directly attached branch: "财政局办公室党支部".
SECTIONS: tuple[str, ...] = _words(
    """
    办公室 政策法规科 人事科 计划财务科 综合科 督查科 规划发展科 行政审批科
    宣传教育科 安全监管科 科技信息科 执法监察科 统计分析科 业务一科 业务二科 业务三科
    监督检查科 法制科 机关服务中心 信息中心
    """
)

# Subordinate bodies (直属单位/内设大机构) that host a 党委 or a 党总支.
SUB_BODIES: tuple[str, ...] = _words(
    """
    综合执法支队 事务服务中心 发展研究中心 监测中心 稽查支队 保障中心 培训中心 技术服务中心
    直属分局 管理处 数据中心 质量检验所 第一分局 第二分局 第三分局 调度指挥中心
    """
)

RETIREE_SECTION = "离退休干部"

ETHNIC_MINORITIES: tuple[str, ...] = _words(
    """
    回族 满族 蒙古族 壮族 土家族 苗族 朝鲜族 维吾尔族
    """
)

JOB_TITLES: tuple[tuple[str, int], ...] = (
    ("科员", 14),
    ("一级科员", 12),
    ("四级主任科员", 14),
    ("三级主任科员", 10),
    ("二级主任科员", 8),
    ("一级主任科员", 7),
    ("四级调研员", 5),
    ("三级调研员", 3),
    ("副科长", 8),
    ("科长", 7),
    ("副主任", 4),
    ("主任", 3),
    ("专业技术人员", 5),
)

LONG_ABSENCE_NOTES: tuple[str, ...] = _words(
    """
    驻村帮扶 援疆挂职 外派学习一年 借调省直单位 援藏挂职
    """
)

EXTERNAL_ORGS: tuple[str, ...] = (
    "省直机关某厅机关党委第二党支部",
    "某县委组织部机关党支部",
    "某市财政局机关第一党支部",
    "某高校研究生党支部",
    "某国有企业第三党支部",
    "部队某部政治工作处党支部",
)

# Area codes of the birthplace part of an ID number (first six digits).
LOCAL_AREA_CODES: tuple[str, ...] = _words(
    """
    410802 410803 410804 410811 410821 410822 410823 410825 410882 410883
    """
)
OTHER_AREA_CODES: tuple[str, ...] = _words(
    """
    410102 410105 410302 410702 411302 130102 370102 340102 420102 610102 140105 320102
    """
)

MOBILE_PREFIXES: tuple[str, ...] = _words(
    """
    130 131 132 133 135 136 137 138 139 150 151 152 153 155 156 157 158 159 166 176 177
    180 181 182 183 185 186 187 188 189 191 198 199
    """
)

_DIGITS = "零一二三四五六七八九"


def chinese_ordinal(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 40 → 四十, 105 → 一百零五 (for 第N党支部)."""
    if n <= 0:
        raise ValueError(n)
    if n < 10:
        return _DIGITS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")
    hundreds, rest = divmod(n, 100)
    if rest == 0:
        tail = ""
    elif rest < 10:
        tail = "零" + _DIGITS[rest]
    else:
        tail = chinese_ordinal(rest) if rest >= 20 else "一" + chinese_ordinal(rest)
    return _DIGITS[hundreds] + "百" + tail
