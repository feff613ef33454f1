"""Writes of 发展党员: validated first, atomic, scope re-checked, audited.

Every function takes the acting user first and plain values (ids or objects, dates,
numbers, strings), so forms, the API and imports call the same code. A refusal is a
django `ValidationError` keyed by field, each message in Chinese saying what to fix and,
for a rule, naming its article (`timerules.yaml`); nothing is written then.

Membership follows the steps: the 支部大会 (step 15) creates the probationary `Member`
through `members.services.create_member`; the 上级党委审批转正 (step 24) makes it full
through `members.services.update_member`; the one probation extension is
`members.services.extend_probation`. Exits (取消预备党员资格 …) are the members app's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max

from dangjian.activities.attachments import (
    CONTENT_TYPES,
    check_upload,
    clean_name,
    store_upload,
)
from dangjian.core import services as core_services
from dangjian.core.bounds import ID_MAX, ID_MIN
from dangjian.core.models import snapshot
from dangjian.core.scoping import holds
from dangjian.core.services import ErrorCollector, OutOfScope, emit, ensure_in_scope
from dangjian.core.validators import id_number_birth_date, id_number_checksum_ok
from dangjian.members import services as member_services
from dangjian.members.models import Member, MemberStatus
from dangjian.members.validation import fill_derived, looks_like_id_number, member_org_error
from dangjian.orgs.models import Organization
from dangjian.orgs.termrules import add_years

from . import timerules as tr
from .checks import REVEAL_APPLICANT, Breach, StepInput, check_step, exception_errors
from .checks import cite as _cite
from .checks import today as _today

# The 志愿书 number services live beside these; callers reach them here too.
from .formnumbers import create_pool, issue_form_number, pool_orgs, void_form_number
from .models import (
    STAGE_AFTER_STEP,
    VOTE_STEPS,
    Applicant,
    PartyProbation,
    RecruitmentStep,
    Stage,
    Step,
    StepAttachment,
    StepPerson,
)

REVEAL_PERM = REVEAL_APPLICANT
# The personal fields a caller may give to create_applicant / update_applicant.
APPLICANT_FIELDS = (
    "org",
    "name",
    "gender",
    "ethnicity",
    "birth_date",
    "id_number",
    "phone",
    "education",
    "unit",
    "job_title",
    "applied_on",
    "political_review",
)
# Write-only for a user without the reveal right (decisions/0008): replaced, never read.
HIDDEN_FIELDS = ("id_number", "phone", "birth_date", "political_review")


# --- applicants --------------------------------------------------------------------------


def applicant_orgs(user: Any, action: str = "add"):
    """Orgs where `user` may `action` applicants and that can hold members (form choices):
    the applicant's org becomes the member's at the 支部大会."""
    from dangjian.members.validation import MEMBER_ORG_KINDS

    return Organization.objects.holding(user, f"recruitment.{action}_applicant").filter(
        kind__in=MEMBER_ORG_KINDS
    )


def can_reveal(user: Any, applicant: Applicant) -> bool:
    """Does `user` hold the reveal right over the applicant's org? (path check, no query)"""
    return holds(user, REVEAL_PERM, applicant.org.path)


def _check_applicant(
    applicant: Applicant, errors: ErrorCollector, *, birth_hidden: bool = False
) -> None:
    """Field checks and the age rule (细则第五条) at the application date.

    `birth_hidden`: the stored birth date is one the writing user may not see and did not
    give; the age is then judged on the birth year alone, and refused alike whenever only
    the day could tell (as members.services does for a joining date), so a refusal cannot
    be used to find the hidden date.
    """
    fill_derived(applicant)  # type: ignore[arg-type]  # Member's field names
    try:
        applicant.full_clean(
            exclude=["id_number_blind", "phone_blind", "stage", "last_step"],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            for message in messages:
                errors.add(name, message)
    if applicant.id_number:
        if not looks_like_id_number(applicant.id_number) or not id_number_checksum_ok(
            applicant.id_number
        ):
            errors.add("id_number", "身份证号码格式或校验位不正确，请核对。")
        elif applicant.birth_date and id_number_birth_date(applicant.id_number) not in (
            None,
            applicant.birth_date,
        ):
            errors.add("birth_date", "出生日期与身份证号码不一致，请核对。")
    org = getattr(applicant, "org", None) if applicant.org_id else None
    org_error = member_org_error(org)
    if org_error:
        errors.add("org", org_error)
    today = _today()
    applied = applicant.applied_on
    if applied is not None:
        if applied > today:
            errors.add("applied_on", "递交入党申请书日期不能晚于今天，请核对。")
        elif applied < dt.date(1921, 7, 1):
            errors.add("applied_on", "递交入党申请书日期有误，请核对。")
    if applicant.birth_date is None:
        errors.add("birth_date", "请填写出生日期（或身份证号码），以核对是否年满十八周岁。")
    elif applied is not None and birth_hidden:
        years = tr.rule(tr.AGE)["min_age_years"]
        gap = applied.year - applicant.birth_date.year
        if gap <= years:
            errors.add(
                "applied_on",
                f"递交入党申请书时应年满{years}周岁（{_cite(tr.AGE)}）；该日期离出生年份不足或恰好"
                f"{years}年，请由可查看敏感信息的人员（如支部书记）核对后修改。",
            )
    elif applied is not None:
        years = tr.rule(tr.AGE)["min_age_years"]
        if applied < add_years(applicant.birth_date, years):
            errors.add(
                "applied_on",
                f"递交入党申请书时应年满{years}周岁，该申请人当时未满{years}周岁"
                f"（{_cite(tr.AGE)}）。",
            )


def create_applicant(user: Any, **fields: Any) -> Applicant:
    """Register a person who has handed in the 入党申请书: the Applicant and its step 1
    (dated `applied_on`). Refused when under 18 on that day (细则第五条), when the org cannot
    hold members, or outside the user's add scope (OutOfScope)."""
    unknown = set(fields) - set(APPLICANT_FIELDS)
    if unknown:
        raise ValueError(f"fields not writable: {sorted(unknown)}")
    applicant = Applicant(**fields)
    errors = ErrorCollector()
    _check_applicant(applicant, errors)
    errors.raise_if_any()
    with transaction.atomic():
        applicant.last_step = Step.APPLICATION
        applicant.last_step_on = applicant.applied_on
        applicant.stage = Stage.APPLICANT
        applicant.save()
        ensure_in_scope(user, applicant, "add")
        first = RecruitmentStep.objects.create(
            applicant=applicant, step=Step.APPLICATION, done_on=applicant.applied_on
        )
        emit("create", applicant, after=snapshot(applicant))
        emit("create", first, after=snapshot(first))
    return applicant


def update_applicant(user: Any, applicant: Applicant, **changes: Any) -> Applicant:
    """Change personal fields. The application date moves its step 1 with it and only while
    no later step is recorded. A user without the reveal right writes the ID number, phone,
    birth date and 政审 conclusion without being told anything about the stored ones: a
    birth date alone is refused (it would be checked against the hidden ID number)."""
    unknown = set(changes) - set(APPLICANT_FIELDS)
    if unknown:
        raise ValueError(f"fields not writable: {sorted(unknown)}")
    ensure_in_scope(user, applicant, "change")
    before = snapshot(applicant)
    stored = {f: getattr(applicant, f) for f in HIDDEN_FIELDS}
    errors = ErrorCollector()
    revealed = can_reveal(user, applicant)
    if not revealed:
        if changes.get("birth_date", 0) is None:
            del changes["birth_date"]  # "keep": the API shows such users none
        if "birth_date" in changes and "id_number" not in changes and applicant.id_number:
            errors.add("birth_date", member_services.BIRTH_FOLLOWS_ID_MESSAGE)
    if changes.get("id_number") and "birth_date" not in changes:
        changes["birth_date"] = None  # filled from the new ID number
    if applicant.member_id and set(changes) & {"org", "applied_on"}:
        errors.add(
            "org", "该申请人已被接收为预备党员，所在组织与申请日期以党员档案为准，不能在此修改。"
        )
    moved = "applied_on" in changes and changes["applied_on"] != applicant.applied_on
    if moved and applicant.last_step > Step.APPLICATION:
        errors.add("applied_on", "已登记后续步骤，不能再修改递交入党申请书日期；请先撤销后续步骤。")
    errors.raise_if_any()
    hidden_birth = (
        not revealed
        and "applied_on" in changes
        and not {"birth_date", "id_number"} & set(changes)
        and applicant.birth_date is not None
    )
    for name, value in changes.items():
        setattr(applicant, name, value)
    _check_applicant(applicant, errors, birth_hidden=hidden_birth)
    errors.raise_if_any()
    with transaction.atomic():
        applicant.last_step_on = max(
            applicant.last_step_on or applicant.applied_on, applicant.applied_on
        )
        applicant.save()
        ensure_in_scope(user, applicant, "change")
        if "applied_on" in changes:
            RecruitmentStep.objects.filter(applicant=applicant, step=Step.APPLICATION).update(
                done_on=applicant.applied_on
            )
        # The masked snapshots cannot show a change of a sensitive value: name the fields.
        changed = [f for f in HIDDEN_FIELDS if getattr(applicant, f) != stored[f]]
        extra = {"sensitive_changed": changed} if changed else {}
        emit("update", applicant, before=before, after=snapshot(applicant), **extra)
    return applicant


def close_applicant(
    user: Any, applicant: Applicant, closed_on: dt.date | None, reason: str
) -> Applicant:
    """终止: the person withdrew, was not admitted, moved away … The record stays in the
    history and nothing is due any more. A person already admitted (a member) leaves by an
    exit of the members app (取消预备党员资格 …), not here."""
    ensure_in_scope(user, applicant, "change")
    errors = ErrorCollector()
    reason = (reason or "").strip()
    if applicant.closed_on:
        errors.add("closed_on", f"该申请人已于{applicant.closed_on:%Y-%m-%d}终止发展。")
    if applicant.member_id:
        errors.add(
            "closed_on",
            "该申请人已被接收为预备党员；如取消预备党员资格，请在党员档案中办理出党登记。",
        )
    if closed_on is None:
        errors.add("closed_on", "请填写终止日期。")
    elif closed_on > _today():
        errors.add("closed_on", "终止日期不能晚于今天，请核对。")
    elif applicant.last_step_on and closed_on < applicant.last_step_on:
        errors.add(
            "closed_on",
            f"终止日期不能早于最近一个步骤的日期（{applicant.last_step_on:%Y-%m-%d}）。",
        )
    if not reason:
        errors.add("reason", "请填写终止原因（如本人撤回申请、未被接收等）。")
    elif len(reason) > 200:
        errors.add("reason", "终止原因不超过200字。")
    errors.raise_if_any()
    with transaction.atomic():
        before = snapshot(applicant)
        applicant.closed_on = closed_on
        applicant.closed_reason = reason
        applicant.save(update_fields=["closed_on", "closed_reason", "updated"])
        ensure_in_scope(user, applicant, "change")
        emit("update", applicant, before=before, after=snapshot(applicant), operation="close")
    return applicant


def reveal(user: Any, applicant: Applicant, field: str) -> str:
    """The plaintext of a sensitive field (ID number, phone, 政审 conclusion) for a user
    holding the reveal right over the applicant; the audit row names the field, never the
    value. Out of scope raises OutOfScope (answered 404) after recording the refusal."""
    if field not in Applicant.revealable_fields:
        raise ValidationError({"field": ["只能查看身份证号码、手机号码或政治审查结论。"]})
    allowed = Applicant.objects.restrict(user, "reveal").filter(pk=applicant.pk).exists()
    if not allowed:
        emit("reveal", applicant, outcome="failure", field=field)
        raise OutOfScope("对象不在您的管辖范围内。")
    emit("reveal", applicant, field=field)
    return getattr(applicant, field)


# --- steps -------------------------------------------------------------------------------


def _members(user: Any, values: Iterable[Any], field: str, errors: ErrorCollector) -> list[Member]:
    """Members given as objects or ids, each one the user may view (one query)."""
    ids: list[int] = []
    for value in values or ():
        pk = getattr(value, "pk", value)
        if isinstance(pk, bool) or not isinstance(pk, int) or not ID_MIN <= pk <= ID_MAX:
            errors.add(field, "所选党员不存在，或不在您的管辖范围内。")
            return []
        if pk not in ids:
            ids.append(pk)
    if not ids:
        return []
    found = {
        m.pk: m
        for m in Member.objects.restrict(user, "view").select_related("org").filter(pk__in=ids)
    }
    if len(found) != len(ids):
        errors.add(field, "所选党员不存在，或不在您的管辖范围内。")
        return []
    return [found[pk] for pk in ids]


def record_step(
    user: Any,
    applicant: Applicant,
    step: int,
    done_on: dt.date | None,
    *,
    note: str = "",
    talkers: Sequence[Any] = (),
    talker_names: Sequence[str] = (),
    contacts: Sequence[Any] = (),
    introducers: Sequence[Any] = (),
    training_days: int | None = None,
    training_hours: int | None = None,
    expected: int | None = None,
    present: int | None = None,
    votes_yes: int | None = None,
    votes_no: int | None = None,
    votes_abstain: int | None = None,
    political_review: str | None = None,
    exception_rules: Sequence[str] = (),
    exception_reason: str = "",
    exception_approved_by: str = "",
) -> RecruitmentStep:
    """Record step `step` (2–25) of `applicant` on `done_on`.

    Checked first, every message at once: the order (no skipped step, no date before the
    previous step or after today) and every time rule of the step (timerules.yaml). A
    broken rule is refused with its citation, unless it allows exceptions and is named in
    `exception_rules` with `exception_reason` and `exception_approved_by` (then recorded on
    the step and audited). People are Members (objects or ids) the user may view: talkers
    (steps 2, 16; or `talker_names` for someone outside the system), contacts (step 5: 1–2
    full members), introducers (step 9: two full members, not under 留党察看, not the
    applicant). Steps 12/15/23 need the vote record. Step 10 may carry the 政审 conclusion.

    Effects: step 15 creates the probationary Member (joined_on = `done_on`, the
    applicant's org) and links it; step 24 makes it full from the end of its probation.
    """
    ensure_in_scope(user, applicant, "change")
    errors = ErrorCollector()
    people = {
        "talkers": _members(user, talkers, "talkers", errors),
        "contacts": _members(user, contacts, "contacts", errors),
        "introducers": _members(user, introducers, "introducers", errors),
    }
    names = [n.strip()[:32] for n in (talker_names or ()) if n and n.strip()]
    data = StepInput(
        step=step,
        done_on=done_on,
        note=(note or "").strip(),
        talker_names=names,
        training_days=training_days,
        training_hours=training_hours,
        expected=expected,
        present=present,
        votes_yes=votes_yes,
        votes_no=votes_no,
        votes_abstain=votes_abstain,
        political_review=political_review,
        **people,
    )
    reason = (exception_reason or "").strip()
    approver = (exception_approved_by or "").strip()
    if len(reason) > 300:
        errors.add("exception_reason", "例外原因不超过300字。")
    if len(approver) > 64:
        errors.add("exception_approved_by", "批准人不超过64字。")
    errors.raise_if_any()
    breaches, input_errors = check_step(applicant, data, user)
    refused, excepted = exception_errors(breaches, exception_rules, reason, approver)
    for name, messages in input_errors.items():
        for message in messages:
            refused.add(name, message)
    refused.raise_if_any()

    assert done_on is not None
    with transaction.atomic():
        locked = Applicant.objects.select_for_update().get(pk=applicant.pk)
        if locked.last_step != applicant.last_step or locked.closed_on:
            raise ValidationError({"step": ["该申请人的发展步骤刚被他人更新，请刷新后重试。"]})
        before = snapshot(locked)
        row = RecruitmentStep(
            applicant=locked,
            step=step,
            done_on=done_on,
            note=data.note,
            training_days=training_days if step == Step.TRAINING else None,
            training_hours=training_hours if step == Step.TRAINING else None,
            exception_rules=excepted,
            exception_reason=reason if excepted else "",
            exception_approved_by=approver if excepted else "",
        )
        if step in VOTE_STEPS:
            row.expected, row.present = expected, present
            row.votes_yes, row.votes_no, row.votes_abstain = votes_yes, votes_no, votes_abstain
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError as exc:
            raise ValidationError({"step": ["该步骤已登记，请刷新后查看。"]}) from exc
        persons = [StepPerson(step=row, role="talker", member=m) for m in data.talkers]
        persons += [StepPerson(step=row, role="talker", name=n) for n in names]
        persons += [StepPerson(step=row, role="contact", member=m) for m in data.contacts]
        persons += [StepPerson(step=row, role="introducer", member=m) for m in data.introducers]
        StepPerson.objects.bulk_create(persons)
        ensure_in_scope(user, row, "add")
        if step != Step.REVIEW or locked.last_step < Step.REVIEW:
            locked.last_step = max(locked.last_step, step)
        locked.last_step_on = done_on
        locked.stage = STAGE_AFTER_STEP.get(step, locked.stage)
        if step == Step.POLITICAL_REVIEW and political_review is not None:
            locked.political_review = political_review.strip()
        if step == Step.ADMISSION:
            locked.member = _admit(user, locked, done_on)
        if step == Step.CONVERSION_APPROVAL:
            _convert(user, locked)
        locked.save()
        detail: dict[str, Any] = {"step": step}
        if excepted:
            detail.update(
                exception_rules=excepted,
                exception_reason=reason,
                exception_approved_by=approver,
            )
        emit("create", row, after=snapshot(row), **detail)
        # The masked snapshot cannot show the 政审 conclusion changed: name the field.
        marked = (
            {"sensitive_changed": ["political_review"]}
            if step == Step.POLITICAL_REVIEW and political_review is not None
            else {}
        )
        emit(
            "update",
            locked,
            before=before,
            after=snapshot(locked),
            operation="step",
            step=step,
            **marked,
        )
    applicant.refresh_from_db()
    return row


def _admit(user: Any, applicant: Applicant, on: dt.date) -> Member:
    """支部大会 (step 15): the probationary member, joined on `on` (政治生日)."""
    fields = {
        "org": applicant.org,
        "name": applicant.name,
        "gender": applicant.gender,
        "ethnicity": applicant.ethnicity,
        "birth_date": applicant.birth_date,
        "id_number": applicant.id_number,
        "phone": applicant.phone,
        "education": applicant.education,
        "unit": applicant.unit,
        "job_title": applicant.job_title,
        "status": MemberStatus.PROBATIONARY,
        "joined_on": on,
    }
    try:
        return member_services.create_member(user, **fields)
    except ValidationError as exc:
        messages = [f"生成党员档案时：{m}" for m in exc.messages]
        raise ValidationError({"step": messages}) from exc


def _convert(user: Any, applicant: Applicant) -> None:
    """上级党委审批转正 (step 24): full from the end of probation (extension included)."""
    member = Member.objects.select_related("org").get(pk=applicant.member_id)
    end = member.probation_ends_on
    try:
        member_services.update_member(user, member, status=MemberStatus.FULL, full_member_on=end)
    except ValidationError as exc:
        raise ValidationError({"step": [f"更新党员档案时：{m}" for m in exc.messages]}) from exc


def delete_last_step(user: Any, row: RecruitmentStep) -> None:
    """Withdraw the most recent step (a correction). Not step 1 (close the applicant
    instead), nor the 支部大会 or 转正 approval, whose effects are on the member record."""
    ensure_in_scope(user, row, "delete")
    applicant = row.applicant
    newest = (
        RecruitmentStep.objects.filter(applicant=applicant)
        .order_by("-step", "-done_on", "-id")
        .first()
    )
    errors = ErrorCollector()
    if row.step == Step.APPLICATION:
        errors.add("step", "第1步不能撤销；如不再发展，请办理终止。")
    elif newest is None or newest.pk != row.pk:
        errors.add("step", "只能撤销最近登记的一个步骤。")
    elif row.step >= Step.ADMISSION and applicant.member_id:
        errors.add("step", "已生成党员档案，支部大会及其后的步骤不能撤销；请在党员档案中更正。")
    errors.raise_if_any()
    with transaction.atomic():
        locked = Applicant.objects.select_for_update().get(pk=applicant.pk)
        before = snapshot(locked)
        emit("delete", row, before=snapshot(row), after=None)
        names = list(row.attachments.values_list("stored_name", flat=True))
        row.delete()
        StepAttachment.remove_files_on_commit(names)
        rest = RecruitmentStep.objects.filter(applicant=locked).aggregate(
            step=Max("step"), on=Max("done_on")
        )
        locked.last_step = rest["step"]
        locked.last_step_on = rest["on"]
        stage: str = Stage.APPLICANT
        for step, value in STAGE_AFTER_STEP.items():
            if step <= locked.last_step:
                stage = value
        locked.stage = stage
        locked.save()
        emit("update", locked, before=before, after=snapshot(locked), operation="undo_step")


def extend_probation(
    user: Any, applicant: Applicant, months: int, decided_on: dt.date, reason: str = ""
) -> Member:
    """延长预备期 of an admitted applicant: the members service decides (once, 6–12 months,
    发展党员工作细则 第三十二条); the deadlines follow the moved end."""
    ensure_in_scope(user, applicant, "change")
    if applicant.member_id is None:
        raise ValidationError({"months": ["该申请人尚未被接收为预备党员，不能延长预备期。"]})
    member = Member.objects.select_related("org").get(pk=applicant.member_id)
    return member_services.extend_probation(user, member, months, decided_on, reason)


def add_attachment(user: Any, row: RecruitmentStep, upload: Any) -> StepAttachment:
    """A document of a step (pdf, docx, xlsx, jpg, png, checked by content); audited."""
    ensure_in_scope(user, row, "change")
    kind = check_upload(upload)
    stored = store_upload(upload, kind, StepAttachment.storage_dir())
    attachment = StepAttachment(
        step=row,
        original_name=clean_name(upload.name),
        stored_name=stored.name,
        content_type=CONTENT_TYPES[kind],
        size=stored.size,
        sha256=stored.sha256,
        uploaded_by=user if getattr(user, "pk", None) is not None else None,
    )
    try:
        with transaction.atomic():
            attachment.save()
            ensure_in_scope(user, attachment, "add")
            emit("create", attachment, after=snapshot(attachment))
    except BaseException:
        StepAttachment.remove_files([stored.name])
        raise
    return attachment


def delete_attachment(user: Any, attachment: StepAttachment) -> None:
    with transaction.atomic():
        core_services.delete_object(user, attachment)
        StepAttachment.remove_files_on_commit([attachment.stored_name])


# --- 留党察看 ------------------------------------------------------------------------------


def record_party_probation(
    user: Any,
    member: Member,
    decided_on: dt.date | None,
    months: int = 12,
    restored_on: dt.date | None = None,
    decided_by: str = "",
    note: str = "",
) -> PartyProbation:
    """Record a 留党察看 decision (one or two years) and, later, the restoration of rights;
    while it runs the member cannot introduce an applicant (第十四条)."""
    errors = ErrorCollector()
    if decided_on is None:
        errors.add("decided_on", "请填写处分决定日期。")
    elif decided_on > _today():
        errors.add("decided_on", "处分决定日期不能晚于今天。")
    if months not in (12, 24):
        errors.add("months", "留党察看期为一年或二年。")
    if restored_on is not None and decided_on is not None and restored_on <= decided_on:
        errors.add("restored_on", "恢复党员权利日期应晚于处分决定日期。")
    errors.raise_if_any()
    assert decided_on is not None
    row = PartyProbation(
        member=member,
        decided_on=decided_on,
        months=months,
        restored_on=restored_on,
        decided_by=(decided_by or "").strip()[:64],
        note=(note or "").strip()[:200],
    )
    return core_services.save_object(user, row)  # type: ignore[return-value]


__all__ = [
    "APPLICANT_FIELDS",
    "Breach",
    "StepInput",
    "add_attachment",
    "applicant_orgs",
    "can_reveal",
    "check_step",
    "close_applicant",
    "create_applicant",
    "create_pool",
    "delete_attachment",
    "delete_last_step",
    "extend_probation",
    "issue_form_number",
    "pool_orgs",
    "record_party_probation",
    "record_step",
    "reveal",
    "update_applicant",
    "void_form_number",
]
