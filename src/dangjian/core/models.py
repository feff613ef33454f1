"""Base models of the in-house framework."""

from __future__ import annotations

from pathlib import Path
from typing import Any, BinaryIO, ClassVar

from django.conf import settings
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from .querysets import RestrictedManager, side_path_field
from .scoping import holds, perm_name


class TimestampedModel(models.Model):
    created = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class ScopedModel(TimestampedModel):
    """A model whose rows belong to an org subtree.

    Subclasses set `scope_path_field` to the lookup of the owning org's tree path
    (e.g. "org__path"); `objects.restrict(user, action)` filters on it.
    `sensitive_fields` are masked in audit snapshots and exports.

    Writes by side (DESIGN §4): a model one org writes about another declares, once, the
    path lookup of the org whose side may do each write action, e.g. a finding:

        write_sides = {"change": "raised_by_org__path", "delete": "raised_by_org__path"}

    `restrict(user, action)` filters that action on it — so the API, the pages, form
    choices and `ensure_in_scope` all apply it without code of their own — and
    `obj.allows(user, action)` checks one loaded row the same way. Reads, and actions not
    named, stay on `scope_path_field` (the checked org keeps seeing what was found in it).
    """

    scope_path_field: ClassVar[str] = "org__path"
    write_sides: ClassVar[dict[str, str]] = {}
    # Further path lookups through which a row may be *read* (never written): a record
    # two orgs share, such as an internal transfer seen by the source and the destination
    # (`also_viewed_through = ("from_org__path",)`). Single-valued lookups only (a
    # to-many lookup would repeat rows).
    also_viewed_through: ClassVar[tuple[str, ...]] = ()
    sensitive_fields: ClassVar[tuple[str, ...]] = ()
    audit_exclude: ClassVar[tuple[str, ...]] = ("created", "updated")

    objects = RestrictedManager()

    class Meta:
        abstract = True

    def side_path(self, action: str) -> str:
        """The tree path of the org whose side may `action` this row, following the
        declared lookup through loaded relations (select_related them to avoid queries)."""
        value: Any = self
        for name in side_path_field(type(self), action).split("__"):
            value = getattr(value, name)
        return value

    def allows(self, user: Any, action: str) -> bool:
        """May `user` do the write `action` on this row? The row-level twin of
        `restrict(user, action)` (no query), for services and page buttons. Not for
        reading: a model may widen its view rule (released assessment results)."""
        if action == "view":
            raise ValueError("allows() checks writes; read through restrict(user, 'view').")
        return holds(user, perm_name(type(self), action), self.side_path(action))

    def audit_related_org_id(self) -> Any:
        """The org a change to this row shows under (NetBox-style related object)."""
        return getattr(self, "org_id", None)


class StoredFile(ScopedModel):
    """An uploaded file kept under DATA_DIR with a random name (activity attachments,
    assessment evidence, rectification proof). The user's file name is only a label; the
    bytes were checked by content before the row was written (activities/attachments.py)."""

    original_name = models.CharField(_("文件名"), max_length=200)
    stored_name = models.CharField(max_length=64, unique=True, editable=False)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(max_length=64, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("上传人"),
    )

    # The folder under DATA_DIR/files/ holding this model's files.
    storage_folder: ClassVar[str] = ""

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.original_name

    @classmethod
    def storage_dir(cls) -> Path:
        return Path(settings.DATA_DIR) / "files" / cls.storage_folder

    @classmethod
    def remove_files(cls, names: list[str]) -> None:
        """Delete stored files now (a failed write cleaning up after itself)."""
        for name in names:
            (cls.storage_dir() / name).unlink(missing_ok=True)

    @classmethod
    def remove_files_on_commit(cls, names: list[str]) -> None:
        """Delete stored files once the row deletions commit (a rollback keeps them)."""
        transaction.on_commit(lambda: cls.remove_files(names))

    def open_stored(self) -> BinaryIO | None:
        """The stored file opened for reading, or None when it is missing."""
        folder = self.storage_dir()
        path = folder / self.stored_name
        # stored_name is ours (hex + known extension), but never follow anything else.
        if path.parent != folder or not path.is_file():
            return None
        return open(path, "rb")


def snapshot(instance: models.Model) -> dict[str, Any]:
    """A JSON-safe dict of the concrete fields, sensitive ones masked, for the audit trail."""
    sensitive = set(getattr(instance, "sensitive_fields", ()))
    exclude = set(getattr(instance, "audit_exclude", ()))
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if field.name in exclude or field.name.endswith("_blind"):
            continue
        value = getattr(instance, field.attname)
        if field.name in sensitive:
            masker = getattr(instance, f"masked_{field.name}", None)
            value = masker() if callable(masker) else ("***" if value else "")
        elif value is not None and not isinstance(value, bool | int | float | str):
            value = str(value)
        data[field.attname] = value
    return data
