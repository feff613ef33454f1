"""Code-defined roles (DESIGN §4).

A scoped role's permissions apply over the subtree of the org it is assigned at; a
global role (the three separated admin roles) is assigned without an org and grants
only permissions that are not about org data. Permission names follow Django's
`<app_label>.<action>_<model>` form; `restrict(user, action)` builds them.
"""

from __future__ import annotations

from dataclasses import dataclass, field


def _crud(app: str, model: str, actions=("view", "add", "change", "delete")) -> set[str]:
    return {f"{app}.{a}_{model}" for a in actions}


ORG_VIEW = {f"orgs.view_{m}" for m in ("organization", "unit", "term", "committeepost")}
ORG_MANAGE = set().union(
    *(_crud("orgs", m) for m in ("organization", "unit", "term", "committeepost"))
)
TERM_MANAGE = _crud("orgs", "term") | _crud("orgs", "committeepost")
MEMBER_VIEW = {f"members.view_{m}" for m in ("member", "exemption", "transfer", "exit")}
MEMBER_MANAGE = set().union(
    *(_crud("members", m) for m in ("member", "exemption", "transfer", "exit"))
)
MEMBER_REVEAL = {"members.reveal_member"}
# 发展党员 (recruitment): managed by the roles that manage members, read by the viewer; the
# 政审 conclusion revealed by the roles that reveal ID numbers. The 志愿书 number pools are
# held above the branch (the unit's 党委 issues the 志愿书 after its 预审): a branch reads
# the numbers of its own applicants on their records, not the pools.
_RECRUITMENT_MODELS = (
    "applicant",
    "recruitmentstep",
    "stepattachment",
    "partyprobation",
    "recruitmentplan",  # the unit-level org's own: a branch's scope never reaches it
)
RECRUITMENT_VIEW = {f"recruitment.view_{m}" for m in _RECRUITMENT_MODELS}
RECRUITMENT_MANAGE = set().union(*(_crud("recruitment", m) for m in _RECRUITMENT_MODELS))
RECRUITMENT_REVEAL = {"recruitment.reveal_applicant"}
FORM_POOL_VIEW = {f"recruitment.view_{m}" for m in ("applicationformpool", "applicationformnumber")}
FORM_POOL_MANAGE = _crud("recruitment", "applicationformpool", ("view", "add", "change")) | _crud(
    "recruitment", "applicationformnumber", ("view", "add", "change")
)
_ACTIVITY_MODELS = ("activity", "agendaitem", "participation", "attachment", "noticereceipt")
ACTIVITY_VIEW = {f"activities.view_{m}" for m in _ACTIVITY_MODELS}
ACTIVITY_MANAGE = set().union(*(_crud("activities", m) for m in _ACTIVITY_MODELS))
# Tags (e.g. 党纪学习教育) are shared by the whole tree: only the 工委 defines them, and only
# when held over a root (activities.views.can_manage_tags). Not deleted: activities keep them.
TAG_MANAGE = {"activities.view_tag", "activities.add_tag", "activities.change_tag"}
# Compliance is visible to every org role; exemptions (豁免) are approved above the branch,
# and the deployment-wide switches of local rules are the 工委's.
RULE_VIEW = {"rules.view_compliance", "rules.view_ruleexemption", "rules.view_rulesetting"}
RULE_MANAGE = _crud("rules", "ruleexemption")
RULE_SETTINGS = {"rules.change_rulesetting"}
# 党费 (issue 12): the branch officers who keep the ledger write it; units and the 工委 read
# it, approve reductions (少交/免交, the next level's decision) and confirm hand-overs (上缴).
# The pay base is personal data: shown masked, its plaintext an audited reveal for the
# ledger keepers and the levels above them (decisions/0008), never for a read-only role.
_DUES_MODELS = ("duesbase", "duesreduction", "duespayment", "duesdue", "duesremittance")
DUES_VIEW = {f"dues.view_{m}" for m in _DUES_MODELS}
DUES_KEEP = set().union(*(_crud("dues", m) for m in _DUES_MODELS)) | {"dues.reveal_duesbase"}
DUES_OVERSEE = DUES_VIEW | {
    "dues.reveal_duesbase",
    "dues.approve_duesreduction",
    "dues.add_duesremittance",
    "dues.change_duesremittance",
}
# Member accounts (党员自助, decisions/0011): an org's admins open the login accounts of
# their own members — each only with the 党员 role at the member's own org — and reset
# their initial passwords. `selfservice.MemberAccount` is the member seen as an account.
MEMBER_ACCOUNTS = _crud("selfservice", "memberaccount", ("view", "add", "change"))
# What the 党员 role reads (decisions/0011): the org's basic information and its activity
# records, never other members' personal data — no member rows, no attendance or leave
# reasons, no read receipts, no member-level rule exemptions. A member's own attendance
# reaches them through the link to their record (members.ownership), not through a role.
PARTY_MEMBER_VIEW = (
    ORG_VIEW
    | {f"activities.view_{m}" for m in ("activity", "agendaitem", "attachment")}
    | {"rules.view_compliance", "rules.view_rulesetting"}
)
# 督查考评: campaigns are run by the orgs that own them (工委, or a unit checking its own
# branches); the checked org sees its released results and answers its own rectifications.
_ASSESSMENT_MODELS = (
    "campaign",
    "assessment",
    "itemresult",
    "evidencefile",
    "finding",
    "rectification",
    "rectificationevidence",
)
ASSESSMENT_VIEW = {f"assessments.view_{m}" for m in _ASSESSMENT_MODELS} | {
    "assessments.view_framework"
}
ASSESSMENT_MANAGE = set().union(*(_crud("assessments", m) for m in _ASSESSMENT_MODELS)) | {
    "assessments.view_framework",
    "assessments.verify_rectification",
}
FRAMEWORK_MANAGE = _crud("assessments", "framework")
# What a checked org does itself: read its results and findings, answer its rectifications.
RECTIFICATION_ANSWER = ASSESSMENT_VIEW | {
    "assessments.change_rectification",
    "assessments.add_rectificationevidence",
    "assessments.delete_rectificationevidence",
}


# Registers and reports (issues 13, 14). Each app fills its own four sets here and nowhere
# else; the roles below take them whole. OVERSEE: the 工委 (opens rounds, rates, decides);
# SUBMIT: a unit's admins (submit their unit's records, answer); BRANCH: a branch's officers;
# VIEW: the read-only role. Writes by side (decisions/0007) still hold per model.
HONORS_OVERSEE: set[str] = set().union(
    *(_crud("honors", m) for m in ("honorround", "roundquota", "nomination", "honor"))
)
HONORS_SUBMIT: set[str] = (
    {"honors.view_honorround", "honors.view_roundquota"}
    | _crud("honors", "nomination")
    | _crud("honors", "honor")
)
HONORS_BRANCH: set[str] = {
    f"honors.view_{m}" for m in ("honorround", "roundquota", "nomination", "honor")
}
HONORS_VIEW: set[str] = {
    f"honors.view_{m}" for m in ("honorround", "roundquota", "nomination", "honor")
}
CASES_OVERSEE: set[str] = set().union(
    *(_crud("cases", m) for m in ("case", "casefile", "caseaward", "caserating", "brand"))
)
CASES_SUBMIT: set[str] = set().union(  # a unit holds the rating's perms; its side refuses it
    *(_crud("cases", m) for m in ("case", "casefile", "caseaward", "caserating", "brand"))
)
CASES_BRANCH: set[str] = {
    f"cases.view_{m}" for m in ("case", "casefile", "caseaward", "caserating", "brand")
}
CASES_VIEW: set[str] = {
    f"cases.view_{m}" for m in ("case", "casefile", "caseaward", "caserating", "brand")
}
INTEGRITY_OVERSEE: set[str] = (
    _crud("integrity", "riskreview")
    | {f"integrity.view_{m}" for m in ("risksubmission", "riskpoint", "measure", "institution")}
    | {"integrity.delete_risksubmission"}
)
INTEGRITY_SUBMIT: set[str] = {"integrity.view_riskreview"} | set().union(
    *(_crud("integrity", m) for m in ("risksubmission", "riskpoint", "measure", "institution"))
)
INTEGRITY_BRANCH: set[str] = set()  # the register is the unit's, not a branch's
INTEGRITY_VIEW: set[str] = {
    f"integrity.view_{m}"
    for m in ("riskreview", "risksubmission", "riskpoint", "measure", "institution")
}
TRAINING_OVERSEE = _crud("training", "trainingclass") | _crud("training", "enrolment")
TRAINING_SUBMIT = _crud("training", "trainingclass") | _crud("training", "enrolment")
TRAINING_BRANCH = {"training.view_trainingclass"} | _crud("training", "enrolment")
TRAINING_VIEW = {"training.view_trainingclass", "training.view_enrolment"}
VOLUNTEERS_OVERSEE = set().union(
    *(
        _crud("volunteers", m)
        for m in (
            "community",
            "communityregistration",
            "servicerecord",
            "communityfeedback",
            "taskforce",
            "taskforcemember",
        )
    )
)
VOLUNTEERS_SUBMIT = VOLUNTEERS_OVERSEE - _crud(
    "volunteers", "community", ("add", "change", "delete")
)
VOLUNTEERS_BRANCH = VOLUNTEERS_SUBMIT - _crud(
    "volunteers", "communityfeedback", ("add", "change", "delete")
)
VOLUNTEERS_VIEW = {p for p in VOLUNTEERS_OVERSEE if ".view_" in p}
REPORTS_OVERSEE: set[str] = _crud("reports", "summarytemplate")  # the 工委 uploads templates
REPORTS_SUBMIT: set[str] = set()
REPORTS_BRANCH: set[str] = set()
REPORTS_VIEW: set[str] = set()
REGISTER_OVERSEE = (
    HONORS_OVERSEE | CASES_OVERSEE | INTEGRITY_OVERSEE | TRAINING_OVERSEE | VOLUNTEERS_OVERSEE
) | REPORTS_OVERSEE
REGISTER_SUBMIT = (
    HONORS_SUBMIT | CASES_SUBMIT | INTEGRITY_SUBMIT | TRAINING_SUBMIT | VOLUNTEERS_SUBMIT
) | REPORTS_SUBMIT
REGISTER_BRANCH = (
    HONORS_BRANCH | CASES_BRANCH | INTEGRITY_BRANCH | TRAINING_BRANCH | VOLUNTEERS_BRANCH
) | REPORTS_BRANCH
REGISTER_VIEW = (
    HONORS_VIEW | CASES_VIEW | INTEGRITY_VIEW | TRAINING_VIEW | VOLUNTEERS_VIEW
) | REPORTS_VIEW


@dataclass(frozen=True)
class Role:
    code: str
    label: str
    description: str
    permissions: frozenset[str] = field(default_factory=frozenset)
    is_global: bool = False


def _role(code, label, description, perms, is_global=False) -> Role:
    return Role(code, label, description, frozenset(perms), is_global)


# Roles whose holders sign in with a second factor (等保 三级 8.1.4.1 d): the 工委's
# administrators and the three separated admin roles. Others may enrol by choice.
MFA_REQUIRED_ROLES = frozenset({"committee_admin", "system_admin", "security_admin", "audit_admin"})


ROLES: dict[str, Role] = {
    r.code: r
    for r in (
        _role(
            "committee_admin",
            "工委管理员",
            "工委工作人员：管理所辖全部组织与党员，可查看敏感信息。",
            ORG_MANAGE
            | MEMBER_MANAGE
            | MEMBER_REVEAL
            | RECRUITMENT_MANAGE
            | RECRUITMENT_REVEAL
            | FORM_POOL_MANAGE
            | ACTIVITY_MANAGE
            | RULE_VIEW
            | RULE_MANAGE
            | RULE_SETTINGS
            | ASSESSMENT_MANAGE
            | FRAMEWORK_MANAGE
            | TAG_MANAGE
            | MEMBER_ACCOUNTS
            | DUES_OVERSEE
            | REGISTER_OVERSEE,
        ),
        _role(
            "unit_admin",
            "单位党组织管理员",
            "机关党委/总支管理员：管理本单位组织树与党员。",
            ORG_MANAGE
            | MEMBER_MANAGE
            | MEMBER_REVEAL
            | RECRUITMENT_MANAGE
            | RECRUITMENT_REVEAL
            | FORM_POOL_MANAGE
            | ACTIVITY_MANAGE
            | RULE_VIEW
            | RULE_MANAGE
            | ASSESSMENT_MANAGE
            | MEMBER_ACCOUNTS
            | DUES_OVERSEE
            | REGISTER_SUBMIT,
        ),
        _role(
            "branch_secretary",
            "支部书记",
            "管理本支部及所属党小组的党员、届次与班子。",
            ORG_VIEW
            | TERM_MANAGE
            | MEMBER_MANAGE
            | MEMBER_REVEAL
            | RECRUITMENT_MANAGE
            | RECRUITMENT_REVEAL
            | ACTIVITY_MANAGE
            | RULE_VIEW
            | RECTIFICATION_ANSWER
            | MEMBER_ACCOUNTS
            | DUES_KEEP
            | REGISTER_BRANCH,
        ),
        _role(
            "organization_officer",
            "组织委员",
            "维护本支部党员信息，不能查看敏感信息明文。",
            ORG_VIEW
            | TERM_MANAGE
            | MEMBER_MANAGE
            | RECRUITMENT_MANAGE
            | ACTIVITY_MANAGE
            | RULE_VIEW
            | RECTIFICATION_ANSWER
            | DUES_KEEP
            | REGISTER_BRANCH,
        ),
        _role(
            "viewer",
            "只读查看",
            "查看所辖组织与党员（敏感信息脱敏）。",
            ORG_VIEW
            | MEMBER_VIEW
            | RECRUITMENT_VIEW
            | FORM_POOL_VIEW
            | ACTIVITY_VIEW
            | RULE_VIEW
            | ASSESSMENT_VIEW
            | REGISTER_VIEW,
            # No 党费: a monthly amount ÷ its rate gives the pay base back, and this role may
            # not reveal it (decisions/0015); it reads the dues figures (metrics) only.
        ),
        _role(
            "party_member",
            "党员",
            "查看本组织基本信息与组织生活记录，以及本人的参加记录；看不到其他党员的个人信息。",
            PARTY_MEMBER_VIEW,
        ),
        # Two-person rule (decisions/0009): the 系统管理员 proposes every role grant, the
        # 安全管理员 approves or rejects it; either may revoke at once.
        _role(
            "system_admin",
            "系统管理员",
            "管理账号，提请角色授权（须安全管理员审批）；看不到党员数据（三权分立）。",
            {
                "accounts.view_user",
                "accounts.add_user",
                "accounts.change_user",
                "accounts.propose_role",
                "accounts.revoke_role",
                "orgs.pick_organization",
            },
            is_global=True,
        ),
        _role(
            "security_admin",
            "安全管理员",
            "管理安全策略：审批角色授权、解锁账号、重置两步验证。",
            {
                "accounts.view_user",
                "accounts.manage_policy",
                "accounts.unlock_user",
                "accounts.approve_role",
                "accounts.revoke_role",
                "accounts.reset_mfa",
            },
            is_global=True,
        ),
        _role(
            "audit_admin",
            "审计管理员",
            "只读查看审计日志。",
            {"audit.view_auditevent"},
            is_global=True,
        ),
    )
}

ROLE_CHOICES = [(r.code, r.label) for r in ROLES.values()]
