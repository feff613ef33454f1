"""Models of the reports app: the 工委's own templates of the annual summary (issue 14)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dangjian.core.models import ScopedModel

TEMPLATE_MAX_BYTES = 10 * 1024 * 1024  # a docx with a few photos; larger is refused


class SummaryTemplate(ScopedModel):
    """A Word template (docxtpl) of the 年度工作总结, uploaded by the 工委.

    The bytes live in the row, not on disk: a template is written together with its checks
    in one transaction (refused → nothing saved), and travels with the database's backup.
    At most one template of an org is active; generation uses the active one visible to the
    user, else the shipped default (`summary/templates_docx/default.docx`).
    """

    org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("所属组织"),
    )
    name = models.CharField(_("模板名称"), max_length=100)
    file_name = models.CharField(_("文件名"), max_length=200)
    content = models.BinaryField(_("模板文件"), editable=False)
    size = models.PositiveIntegerField(_("大小（字节）"), default=0, editable=False)
    metric_ids = models.JSONField(_("引用的指标"), default=list, editable=False)
    active = models.BooleanField(_("当前使用"), default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("上传人"),
    )

    audit_exclude: ClassVar[tuple[str, ...]] = ("created", "updated", "content")

    class Meta:
        verbose_name = _("年度工作总结模板")
        verbose_name_plural = _("年度工作总结模板")
        ordering = ("-active", "-created", "-id")
        indexes = [models.Index(fields=["org", "active"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("reports:summary_templates")
