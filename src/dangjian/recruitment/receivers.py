"""The record follows its member: a probationary member who moves or leaves takes the
发展党员 record along, in the same transaction as the move (members cannot import this app,
so it listens to the members' rows being written).

- An internal transfer (转接 to another org in the system) before 转正: the record moves
  to the new org, whose branch now examines the member and discusses the 转正.
- A transfer out of the system, or an exit (取消预备党员资格, death …) before 转正: the
  record is closed on that date, with the reason, so nothing falls due for it any more.
A record already converted (step 24) is history and is left as it is.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_save

from dangjian.core.models import snapshot
from dangjian.core.services import emit
from dangjian.members.models import Exit, Transfer

from .models import Applicant, Step


def _open_records(member_id: int):
    return Applicant.objects.select_for_update().filter(
        member_id=member_id, closed_on__isnull=True, last_step__lt=Step.CONVERSION_APPROVAL
    )


def _close(applicant: Applicant, on: Any, reason: str) -> None:
    before = snapshot(applicant)
    applicant.closed_on = on
    applicant.closed_reason = reason[:200]
    applicant.save(update_fields=["closed_on", "closed_reason", "updated"])
    emit("update", applicant, before=before, after=snapshot(applicant), operation="member_left")


def _on_transfer(sender: Any, instance: Transfer, created: bool = False, raw: bool = False, **kw):
    if raw or not created:
        return
    with transaction.atomic():
        _follow_transfer(instance)


def _follow_transfer(instance: Transfer) -> None:
    for applicant in _open_records(instance.member_id):
        if instance.to_org_id is None:
            _close(applicant, instance.transferred_on, "组织关系转出本系统")
        elif instance.to_org_id != applicant.org_id:
            before = snapshot(applicant)
            applicant.org_id = instance.to_org_id
            applicant.save(update_fields=["org", "updated"])
            emit(
                "update",
                applicant,
                before=before,
                after=snapshot(applicant),
                operation="member_transferred",
            )


def _on_exit(sender: Any, instance: Exit, created: bool = False, raw: bool = False, **kw):
    if raw or not created:
        return
    # Atomic of its own: the row lock needs a transaction, and a write outside a service
    # (a script, a test) has none.
    with transaction.atomic():
        for applicant in _open_records(instance.member_id):
            _close(applicant, instance.left_on, f"{instance.get_kind_display()}（出党登记）")


def connect() -> None:
    post_save.connect(_on_transfer, sender=Transfer, dispatch_uid="recruitment.transfer")
    post_save.connect(_on_exit, sender=Exit, dispatch_uid="recruitment.exit")
