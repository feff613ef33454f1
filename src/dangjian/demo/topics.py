"""Vocabulary of the demo city's organizational life: titles, agendas, places, reasons.

Invented for 演示数据 in the usual wording of 机关党建 records; no real event is named.
"""

from __future__ import annotations


def _lines(text: str) -> tuple[str, ...]:
    """One entry per non-empty line (entries may contain spaces)."""
    return tuple(line.strip() for line in text.strip().splitlines() if line.strip())


PLACES = _lines(
    """
    机关三楼会议室
    党员活动室
    机关党建活动中心
    五楼小会议室
    机关报告厅
    二楼会议室
    党员之家
    """
)
OUTDOOR_PLACES = _lines(
    """
    社区党群服务中心
    廉政教育基地
    革命纪念馆
    城市规划展览馆
    结对帮扶村党群服务中心
    """
)

THEME_DAY_TOPICS = _lines(
    """
    学习习近平新时代中国特色社会主义思想
    学习贯彻党的二十届三中全会精神
    学习《中国共产党章程》
    重温入党誓词，牢记初心使命
    “我为群众办实事”实践活动
    文明城市创建志愿服务
    参观廉政教育基地
    学习身边先进典型
    安全生产和保密教育
    开展“双报到”进社区服务
    交流读书心得
    学习上级重要会议精神
    """
)
THEME_DAY_2024 = _lines(
    """
    党纪学习教育：学习《中国共产党纪律处分条例》
    党纪学习教育：以案说纪警示教育
    党纪学习教育：学纪知纪明纪守纪交流
    """
)

LECTURE_TOPICS = _lines(
    """
    以党的创新理论武装头脑
    严守政治纪律和政治规矩
    弘扬伟大建党精神
    坚持以人民为中心的发展思想
    从党史中汲取奋进力量
    锤炼过硬作风，勇于担当作为
    做合格党员，创一流业绩
    深刻把握“两个确立”的决定性意义
    """
)

ASSEMBLY_AGENDA = _lines(
    """
    传达学习上级会议精神
    讨论接收预备党员
    讨论预备党员转正
    通报党费收缴情况
    部署本季度党建重点工作
    推荐优秀共产党员
    审议支部年度工作报告
    """
)

FIRST_TOPICS = _lines(
    """
    传达学习习近平总书记最新重要讲话精神
    传达学习习近平总书记重要指示批示精神
    学习习近平总书记关于党的建设的重要思想
    学习习近平总书记关于全面从严治党的重要论述
    学习习近平总书记关于调查研究的重要论述
    学习习近平总书记在中央政治局集体学习时的重要讲话
    """
)
STUDY_TOPICS = _lines(
    """
    学习贯彻党的二十届三中全会精神
    学习全国两会精神
    学习《中国共产党纪律处分条例》
    学习《习近平谈治国理政》
    研究部署意识形态工作
    学习省委全会精神
    学习中央经济工作会议精神
    研究全面从严治党主体责任落实
    """
)

DISCIPLINE_SEMINARS = _lines(
    """
    学习《中国共产党纪律处分条例》专题研讨
    围绕政治纪律和组织纪律专题研讨
    围绕廉洁纪律和群众纪律专题研讨
    围绕工作纪律和生活纪律专题研讨
    以案为鉴、以案促改专题研讨
    学纪知纪明纪守纪交流研讨
    党纪学习教育读书班专题研讨
    """
)
OTHER_SEMINARS = _lines(
    """
    优化营商环境专题研讨
    深入贯彻中央八项规定精神专题研讨
    学习贯彻党的二十届三中全会精神专题研讨
    推动高质量发展专题研讨
    调查研究成果交流研讨
    """
)

VOLUNTEER_TITLES = _lines(
    """
    文明城市创建志愿服务
    “双报到”进社区志愿服务
    交通文明劝导志愿服务
    义务植树活动
    关爱孤寡老人志愿服务
    政策宣讲进企业
    """
)
WARNING_TITLES = _lines(
    """
    警示教育大会
    观看警示教育片
    典型案例通报会
    参观廉政教育基地
    """
)
HEART_TALK_TITLES = _lines(
    """
    支部书记与党员谈心谈话
    支委之间谈心谈话
    党员之间谈心谈话
    """
)

LEAVE_REASONS = _lines(
    """
    公务出差
    病假
    年休假
    参加上级会议
    外出学习培训
    值班值守
    照顾家人
    """
)
TRAINING_LEAVE_REASONS = _lines(
    """
    工作冲突，另行补学
    公务出差
    病假
    """
)

# Agenda items of a 中心组 study besides the 第一议题.
EXCHANGE = "交流研讨"
