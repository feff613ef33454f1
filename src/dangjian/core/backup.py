"""Backup and restore (DESIGN §11): one archive file, restored into an empty database.

An archive is a gzip'd tar holding `manifest.json` and either
- `db.sqlite3`: an online copy made with SQLite's backup API (kind "sqlite"), or
- `data.jsonl`: one serialized row per line, every model in dependency order (kind "json",
  the only kind on PostgreSQL; portable between engines),
plus the uploaded files under `files/`. Encrypted fields stay encrypted in both kinds; the
field key is *not* in the archive unless asked for, because whoever holds both holds the
plaintext. The manifest carries a fingerprint of the key, so a restore under another key is
refused before anything is written instead of leaving rows nobody can decrypt. The audit
chain's HMAC key is never in the archive (kept apart like the field key, it is what makes
the chain tamper-evident); its fingerprint is, and a restore without it or under another
one is refused the same way.

Core imports no domain app: models are found through the app registry.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import io
import json
import os
import sqlite3
import tarfile
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.management import call_command
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from . import crypto
from .filemodes import private_dir, write_private
from .services import emit

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "db.sqlite3"
JSON_MEMBER = "data.jsonl"
FILES_PREFIX = "files/"
KEY_MEMBER = "field.key"
BATCH = 1000

# Rebuilt by `migrate` (content types, permissions) or worthless after a restore (sessions).
SKIPPED_MODELS = {"contenttypes.contenttype", "auth.permission", "sessions.session"}


class BackupError(Exception):
    """A refusal with a Chinese message that says what to do."""


@dataclass
class BackupInfo:
    path: Path
    kind: str
    counts: dict[str, int]
    files: int
    key_included: bool


@dataclass
class RestoreInfo:
    kind: str
    counts: dict[str, int]
    files: int
    created_at: str = ""
    mismatched: dict[str, tuple[int, int]] = field(default_factory=dict)


def key_fingerprint() -> str:
    """Equal for equal field keys, and reveals nothing else about the key."""
    return crypto.blind_index("dangjian-field-key-fingerprint")[:32]


def audit_key_fingerprint() -> str | None:
    """Equal for equal audit keys (settings AUDIT_KEY / AUDIT_KEY_FILE); None without one."""
    text = settings.AUDIT_KEY.strip()
    if not text and Path(settings.AUDIT_KEY_FILE).exists():
        text = Path(settings.AUDIT_KEY_FILE).read_text().strip()
    if not text:
        return None
    digest = hmac.new(text.encode(), b"dangjian-audit-key-fingerprint", hashlib.sha256)
    return digest.hexdigest()[:32]


def dumped_models() -> list[type[models.Model]]:
    """Concrete models in an order that puts referenced models first where possible."""
    app_list = [(config, None) for config in apps.get_app_configs() if config.models_module]
    ordered = serializers.sort_dependencies(app_list, allow_cycles=True)
    return [
        m
        for m in ordered
        if m._meta.label_lower not in SKIPPED_MODELS and not m._meta.proxy and m._meta.managed
    ]


def database_kind(alias: str = DEFAULT_DB_ALIAS) -> str:
    return "sqlite" if connections[alias].vendor == "sqlite" else "json"


def applied_migrations(alias: str = DEFAULT_DB_ALIAS) -> list[list[str]]:
    recorder = MigrationRecorder(connections[alias])
    return sorted([app, name] for app, name in recorder.applied_migrations())


# --- backup -------------------------------------------------------------------------


def create_backup(
    output: Path, *, kind: str = "auto", include_field_key: bool = False
) -> BackupInfo:
    """Write an archive of the whole database (and uploaded files) to `output`."""
    native = database_kind()
    kind = native if kind == "auto" else kind
    if kind == "sqlite" and native != "sqlite":
        raise BackupError("当前数据库不是 SQLite，不能做 SQLite 文件备份；请使用 --format json。")
    private_dir(output.parent)
    emit("backup", file=output.name, kind=kind)

    with tempfile.TemporaryDirectory(prefix="dangjian-backup-") as tmp:
        payload = Path(tmp) / (SQLITE_MEMBER if kind == "sqlite" else JSON_MEMBER)
        counts = _copy_sqlite(payload) if kind == "sqlite" else _dump_json(payload)
        manifest = {
            "format": FORMAT_VERSION,
            "kind": kind,
            "created_at": timezone.now().isoformat(),
            "engine": connections[DEFAULT_DB_ALIAS].vendor,
            "migrations": applied_migrations(),
            "counts": counts,
            "field_key_fingerprint": key_fingerprint(),
            "field_key_included": include_field_key,
            "audit_key_fingerprint": audit_key_fingerprint(),
        }
        partial = output.with_name(output.name + ".part")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # personal data
        try:
            with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
                _add_bytes(
                    tar, MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2).encode()
                )
                tar.add(payload, arcname=payload.name, filter=_private)
                files = _add_media(tar)
                if include_field_key:
                    _add_bytes(tar, KEY_MEMBER, _field_key_text().encode())
        except BaseException:
            partial.unlink(missing_ok=True)  # never leave a truncated archive that looks usable
            raise
        partial.replace(output)
    return BackupInfo(output, kind, counts, files, include_field_key)


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(timezone.now().timestamp())
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


def _private(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.mode, info.uid, info.gid, info.uname, info.gname = 0o600, 0, 0, "", ""
    return info


def _add_media(tar: tarfile.TarFile) -> int:
    root = Path(settings.MEDIA_ROOT)
    count = 0
    if root.is_dir():
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            tar.add(path, arcname=FILES_PREFIX + path.relative_to(root).as_posix(), filter=_private)
            count += 1
    return count


def _field_key_text() -> str:
    if settings.FIELD_KEY:
        return settings.FIELD_KEY
    return Path(settings.FIELD_KEY_FILE).read_text().strip()


def _copy_sqlite(target: Path) -> dict[str, int]:
    """SQLite's online backup API: a consistent copy while the server keeps running."""
    connection = connections[DEFAULT_DB_ALIAS]
    connection.ensure_connection()
    with ExitStack() as stack:
        dst = sqlite3.connect(target)
        stack.callback(dst.close)
        connection.connection.backup(dst)
        return _sqlite_counts(dst)


def _sqlite_counts(db: sqlite3.Connection) -> dict[str, int]:
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    counts = {}
    for model in dumped_models():
        table = model._meta.db_table
        if table in tables:  # a name from our own models, quoted as an identifier
            sql = 'SELECT COUNT(*) FROM "{}"'.format(table.replace('"', '""'))  # noqa: S608
            counts[model._meta.label_lower] = db.execute(sql).fetchone()[0]
    return counts


def _relation_maps() -> tuple[dict[int, list[str]], dict[int, list[str]]]:
    cts = {ct.pk: [ct.app_label, ct.model] for ct in ContentType.objects.all()}
    perms = {
        p.pk: [p.codename, *cts[p.content_type_id]]
        for p in Permission.objects.only("pk", "codename", "content_type_id")
    }
    return cts, perms


Relation = tuple[str, str, bool]  # field name, "ct" | "perm", many-to-many?


def _special_fields(model: type[models.Model]) -> tuple[list[str], list[Relation]]:
    """Encrypted fields, and relations to content types / permissions (by natural key)."""
    encrypted = [
        f.name for f in model._meta.concrete_fields if isinstance(f, crypto.EncryptedTextField)
    ]
    relations = [
        (f.name, "ct" if f.related_model is ContentType else "perm", bool(f.many_to_many))
        for f in model._meta.get_fields()
        if f.is_relation and not f.auto_created and f.related_model in (ContentType, Permission)
    ]
    return encrypted, relations


def _dump_json(target: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    connection = connections[DEFAULT_DB_ALIAS]
    with transaction.atomic(), target.open("w", encoding="utf-8") as out:
        if connection.vendor == "postgresql":  # one snapshot for every table
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        maps = dict(zip(("ct", "perm"), _relation_maps(), strict=True))
        for model in dumped_models():
            encrypted, relations = _special_fields(model)
            m2m = [
                f.name
                for f in model._meta.local_many_to_many
                if f.remote_field.through._meta.auto_created  # type: ignore[union-attr]
            ]
            qs = model._base_manager.order_by("pk")
            if m2m:
                qs = qs.prefetch_related(*m2m)
            n = 0
            for chunk in _chunks(qs.iterator(chunk_size=2000), BATCH):
                for row in serializers.serialize("python", chunk):
                    fields = row["fields"]
                    for name in encrypted:
                        if fields.get(name):
                            fields[name] = crypto.encrypt(fields[name])
                    for name, which, many in relations:
                        fields[name] = _map_value(fields.get(name), maps[which], many)
                    out.write(json.dumps(row, cls=_Encoder, ensure_ascii=False) + "\n")
                    n += 1
            counts[model._meta.label_lower] = n
    return counts


class _Encoder(DjangoJSONEncoder):
    """DjangoJSONEncoder cuts datetimes to milliseconds; a backup keeps every digit."""

    def default(self, o: Any) -> Any:
        if isinstance(o, dt.datetime | dt.time):
            return o.isoformat()
        return super().default(o)


def _map_value(value: Any, mapping: dict, many: bool) -> Any:
    if value is None:
        return None
    return [mapping[v] for v in value] if many else mapping[value]


def _chunks(iterable: Iterable, size: int) -> Iterator[list]:
    chunk: list = []
    for item in iterable:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# --- restore ------------------------------------------------------------------------


def read_manifest(tar: tarfile.TarFile) -> dict[str, Any]:
    try:
        member = tar.extractfile(MANIFEST)
        manifest = json.load(member) if member else None
    except (KeyError, ValueError):
        manifest = None
    if not isinstance(manifest, dict) or manifest.get("kind") not in ("sqlite", "json"):
        raise BackupError(
            "这不是党建工作平台的备份文件（缺少 manifest.json）。请选择 dangjian backup 生成的文件。"
        )
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(
            f"备份格式版本 {manifest.get('format')} 不受支持，请用生成该备份的版本恢复。"
        )
    return manifest


def restore_backup(archive: Path, *, log=print) -> RestoreInfo:
    """Restore `archive` into the configured database, which must hold no data yet."""
    try:
        tar = tarfile.open(archive, "r:gz")  # noqa: SIM115 - closed below
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"无法读取备份文件 {archive}：{exc}。请确认文件完整。") from exc
    with tar:
        manifest = read_manifest(tar)
        _check_member_paths(tar)
        _install_or_check_key(tar, manifest, log)
        kind = manifest["kind"]
        fresh = _is_fresh()
        blockers = _data_present(include_files=_has_files(tar), check_tables=not fresh)
        if blockers:
            raise BackupError(
                "目标数据库不是空的（" + "、".join(blockers) + "）。"
                "请在新的空数据库上恢复：换一个 DANGJIAN_DATA_DIR 或 DATABASE_URL。"
            )
        if kind == "sqlite":
            _restore_sqlite(tar, log)
            counts = manifest["counts"]
        else:
            _check_migrations(manifest)
            counts = _load_json(tar, log, clear_all=fresh)
        files = _restore_media(tar)
    found = _current_counts(manifest["counts"])
    mismatched = {
        label: (expected, found.get(label, 0))
        for label, expected in manifest["counts"].items()
        if found.get(label, 0) != expected
    }
    emit("restore", file=archive.name, kind=kind, created_at=manifest.get("created_at", ""))
    return RestoreInfo(kind, counts, files, manifest.get("created_at", ""), mismatched)


def _field_key_configured() -> bool:
    return bool(settings.FIELD_KEY) or Path(settings.FIELD_KEY_FILE).exists()


def _install_or_check_key(tar: tarfile.TarFile, manifest: dict[str, Any], log) -> None:
    if manifest.get("field_key_included") and not _field_key_configured():
        member = tar.extractfile(KEY_MEMBER)
        if member is None:
            raise BackupError("备份声明包含字段密钥，但文件中没有 field.key；备份不完整。")
        path = Path(settings.FIELD_KEY_FILE)
        private_dir(path.parent)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(member.read())
        crypto._master_key.cache_clear()
        crypto._fernet.cache_clear()
        log(f"已从备份中恢复字段密钥到 {path}（权限 0600）。")
    if not _field_key_configured():
        raise BackupError(
            f"还没有字段密钥。请先把备份时的 field.key 放到 {settings.FIELD_KEY_FILE}"
            "（权限 0600），或设置环境变量 DANGJIAN_FIELD_KEY，再恢复。"
        )
    if manifest.get("field_key_fingerprint") != key_fingerprint():
        raise BackupError(
            "当前的字段密钥与备份时使用的不同，恢复后身份证号、手机号将无法解密，已停止恢复。"
            f"请把备份时的 field.key 放到 {settings.FIELD_KEY_FILE}（或设置 DANGJIAN_FIELD_KEY）后重试。"
        )
    _check_audit_key(manifest)


def _check_audit_key(manifest: dict[str, Any]) -> None:
    """The audit chain restores verifiable only under the key that sealed it."""
    wanted = manifest.get("audit_key_fingerprint")
    if not wanted:  # an archive made before the keyed chain: `migrate` re-seals it
        return
    found = audit_key_fingerprint()
    where = f"{settings.AUDIT_KEY_FILE}（权限 0600），或设置环境变量 DANGJIAN_AUDIT_KEY"
    if found is None:
        raise BackupError(f"还没有审计密钥。请先把备份时的 audit.key 放到 {where}，再恢复。")
    if found != wanted:
        raise BackupError(
            "当前的审计密钥与备份时使用的不同，恢复后审计日志将无法校验，已停止恢复。"
            f"请把备份时的 audit.key 放到 {where}，再重试。"
        )


def _check_member_paths(tar: tarfile.TarFile) -> None:
    """Refuse, before writing anything, an archive whose file names would escape MEDIA_ROOT."""
    for member in tar.getmembers():
        relative = PurePosixPath(member.name)
        if relative.is_absolute() or ".." in relative.parts or (member.issym() or member.islnk()):
            raise BackupError(f"备份中的文件路径不安全：{member.name}，已停止恢复。")


def _has_files(tar: tarfile.TarFile) -> bool:
    return any(name.startswith(FILES_PREFIX) for name in tar.getnames())


def is_reference_data(model: type[models.Model]) -> bool:
    """Rows seeded by a data migration (e.g. default tags): replaced by a restore, not data."""
    return bool(getattr(model, "backup_reference_data", False))


def _is_fresh() -> bool:
    """A database nobody has migrated yet: no Django tables at all."""
    tables = connections[DEFAULT_DB_ALIAS].introspection.table_names()
    return MigrationRecorder.Migration._meta.db_table not in tables


def _data_present(*, include_files: bool, check_tables: bool) -> list[str]:
    """What makes the target non-empty, as readable phrases; [] when it is empty."""
    found = []
    if check_tables:
        tables = set(connections[DEFAULT_DB_ALIAS].introspection.table_names())
        found = [
            f"{model._meta.verbose_name_plural} {count} 条"
            for model, count in (
                (m, m._base_manager.count())
                for m in dumped_models()
                if m._meta.db_table in tables and not is_reference_data(m)
            )
            if count
        ]
    media = Path(settings.MEDIA_ROOT)
    if include_files and media.is_dir() and any(p.is_file() for p in media.rglob("*")):
        found.append(f"上传文件目录 {media} 不为空")
    return found


def _restore_sqlite(tar: tarfile.TarFile, log) -> None:
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "sqlite":
        raise BackupError(
            "这是 SQLite 文件备份，不能直接恢复到 PostgreSQL。"
            "请在原机器上运行 dangjian backup --format json，再恢复那个文件。"
        )
    member = tar.extractfile(SQLITE_MEMBER)
    if member is None:
        raise BackupError("备份文件不完整：缺少数据库文件。")
    with tempfile.TemporaryDirectory(prefix="dangjian-restore-") as tmp:
        copy = Path(tmp) / SQLITE_MEMBER
        with copy.open("wb") as out:
            while block := member.read(1 << 20):
                out.write(block)
        src = sqlite3.connect(copy)
        try:
            if src.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError("备份中的数据库文件已损坏（integrity_check 未通过），无法恢复。")
            connection.close()
            connection.ensure_connection()
            src.backup(connection.connection)
        finally:
            src.close()
    connection.close()
    log("数据库文件已恢复，正在执行迁移……")
    call_command("migrate", interactive=False, verbosity=0)


def _check_migrations(manifest: dict[str, Any]) -> None:
    call_command("migrate", interactive=False, verbosity=0)
    applied = {tuple(m) for m in applied_migrations()}
    unknown = sorted(
        f"{app}.{name}"
        for app, name in (tuple(m) for m in manifest["migrations"])
        if (app, name) not in applied
    )
    if unknown:
        raise BackupError(
            "备份来自更新的程序版本（本机缺少迁移："
            + "、".join(unknown[:5])
            + "）。请先升级程序再恢复。"
        )


def _load_json(tar: tarfile.TarFile, log, *, clear_all: bool) -> dict[str, int]:
    member = tar.extractfile(JSON_MEMBER)
    if member is None:
        raise BackupError("备份文件不完整：缺少 data.jsonl。")
    cts, perms = _relation_maps()
    reverse = {
        "ct": {tuple(v): k for k, v in cts.items()},
        "perm": {tuple(v): k for k, v in perms.items()},
    }
    counts: dict[str, int] = {}
    loaded: list[type[models.Model]] = []
    special: dict[str, tuple[list[str], list[Relation]]] = {}
    with transaction.atomic():
        _clear_seeded_rows(clear_all)
        batch: list[dict] = []
        for line in io.TextIOWrapper(member, encoding="utf-8"):
            row = json.loads(line)
            label = row["model"]
            if (batch and batch[0]["model"] != label) or len(batch) >= BATCH:
                _insert_rows(batch, loaded, counts)
                batch = []
            if label not in special:
                special[label] = _special_fields(apps.get_model(label))
            encrypted, relations = special[label]
            fields = row["fields"]
            for name in encrypted:
                if fields.get(name):
                    fields[name] = crypto.decrypt(fields[name])
            for name, which, many in relations:
                fields[name] = _unmap_value(fields.get(name), reverse[which], many, label)
            batch.append(row)
        _insert_rows(batch, loaded, counts)
        _reset_sequences(loaded)
    log(f"已载入 {sum(counts.values())} 行数据。")
    return counts


def _clear_seeded_rows(clear_all: bool) -> None:
    """Drop the rows that migrations seeded; the archive holds their (possibly edited) copies.

    `clear_all` when this restore ran the migrations on a database without tables, so every
    row present came from a migration; otherwise only reference-data models hold rows here.
    """
    for model in dumped_models():
        if clear_all or is_reference_data(model):
            # A raw DELETE: no cascades, no signals, no model delete() (the audit log forbids it).
            model._base_manager.all()._raw_delete(DEFAULT_DB_ALIAS)  # type: ignore[attr-defined]


def _unmap_value(value: Any, mapping: dict, many: bool, label: str) -> Any:
    if value is None:
        return None
    try:
        return [mapping[tuple(v)] for v in value] if many else mapping[tuple(value)]
    except KeyError as exc:
        raise BackupError(
            f"{label} 引用的权限或内容类型 {exc} 在本机不存在；请先升级程序再恢复。"
        ) from None


def _insert_rows(rows: list[dict], loaded: list, counts: dict[str, int]) -> None:
    if not rows:
        return
    objs = list(serializers.deserialize("python", rows))
    model = type(objs[0].object)
    if model not in loaded:
        loaded.append(model)
    if model._meta.parents:  # multi-table inheritance: let Django write each table
        for obj in objs:
            obj.save()
    else:
        connection = connections[DEFAULT_DB_ALIAS]
        fields = list(model._meta.local_concrete_fields)
        instances = [obj.object for obj in objs]
        size = max(connection.ops.bulk_batch_size(fields, instances), 1)
        for start in range(0, len(instances), size):
            # raw=True: store the values as dumped (auto_now timestamps included).
            model._base_manager._insert(  # type: ignore[attr-defined]
                instances[start : start + size], fields=fields, raw=True, using=DEFAULT_DB_ALIAS
            )
        for obj in objs:
            for name, values in (obj.m2m_data or {}).items():
                if values:
                    getattr(obj.object, name).set(values)
    counts[model._meta.label_lower] = counts.get(model._meta.label_lower, 0) + len(objs)


def _reset_sequences(loaded: list[type[models.Model]]) -> None:
    connection = connections[DEFAULT_DB_ALIAS]
    statements = connection.ops.sequence_reset_sql(no_style(), loaded)
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def _restore_media(tar: tarfile.TarFile) -> int:
    root = Path(settings.MEDIA_ROOT).resolve()
    count = 0
    for member in tar.getmembers():
        if not member.name.startswith(FILES_PREFIX) or not member.isfile():
            continue
        relative = PurePosixPath(member.name[len(FILES_PREFIX) :])  # checked by _check_member_paths
        target = root.joinpath(*relative.parts)
        private_dir(target.parent)
        source = tar.extractfile(member)
        if source is not None:
            write_private(target, source.read())
            count += 1
    return count


def _current_counts(expected: dict[str, int]) -> dict[str, int]:
    return {
        model._meta.label_lower: model._base_manager.count()
        for model in dumped_models()
        if model._meta.label_lower in expected
    }
