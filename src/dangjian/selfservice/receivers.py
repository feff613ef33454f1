"""A member account's 党员 role follows its member (decisions/0011).

Transferred to another org: the role moves there. Transferred out of the system, deceased,
removed, or the member record deleted: the role goes, so the account no longer reads any
org's records (its own record stays readable through the link). Member writes go through
members.services, which save one row at a time, so `post_save` sees each of them; the
change is written and audited in the same transaction.
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from dangjian.accounts.models import User
from dangjian.accounts.services import place_member_role
from dangjian.members.models import Member, MembershipState


def _follow(member: Member, *, gone: bool = False) -> None:
    account = User.objects.filter(pk=member.account_id).first()
    if account is None:
        return
    on_roll = not gone and member.membership == MembershipState.NORMAL
    place_member_role(None, account, member.org if on_roll else None)


@receiver(post_save, sender=Member, dispatch_uid="selfservice.member_saved")
def member_saved(sender, instance: Member, created: bool, raw: bool = False, **kwargs) -> None:
    # __dict__: a row loaded without the column (a bulk delete's .only("pk")) is not probed.
    if created or raw or instance.__dict__.get("account_id") is None:
        return
    _follow(instance)


@receiver(post_delete, sender=Member, dispatch_uid="selfservice.member_deleted")
def member_deleted(sender, instance: Member, **kwargs) -> None:
    if instance.__dict__.get("account_id") is not None:
        _follow(instance, gone=True)
