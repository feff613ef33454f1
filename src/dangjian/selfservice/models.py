"""党员账号: a member seen as the holder of a login account (no table of its own).

`Member.account` (members app) is the link; this proxy gives the pages that open and reset
member accounts their own permissions — `selfservice.view_memberaccount`,
`add_memberaccount`, `change_memberaccount`, held by an org's admins (accounts/roles.py) —
while the rows, their scope (`org__path`) and the restricted manager are Member's.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dangjian.members.models import Member


class MemberAccount(Member):
    class Meta:
        proxy = True
        verbose_name = _("党员账号")
        verbose_name_plural = _("党员账号")
        default_permissions = ("view", "add", "change")

    def get_absolute_url(self) -> str:
        return reverse("selfservice:account_detail", args=[self.pk])
