"""Seal the audit chain with the HMAC key (docs/deployment.md §4).

A new database: the key is created (DATA_DIR/audit.key, 0600, unless DANGJIAN_AUDIT_KEY is
set) and the anchor file starts a new epoch. An upgraded one: its unkeyed SHA-256 chain is
checked, re-sealed under the key and an `audit_rekey` event records it, with any break
found (logged as warnings too). See dangjian.audit.rekey.
"""

from django.db import migrations


def seal(apps, schema_editor):
    from dangjian.audit import rekey

    rekey.set_up(apps.get_model("audit", "AuditEvent"), apps.get_model("audit", "ChainHead"))


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_hash_version")]

    operations = [migrations.RunPython(seal, migrations.RunPython.noop)]
