"""Deferred sealing: events are written unsealed (no seq, no hash) and chained later by `trail.seal`.

The triggers change with it: DELETE stays refused (unless an operator allows a purge, as before), and UPDATE is
refused except the one a sealer makes: giving an unsealed event its seq and hashes, its content unchanged.
SQLite rebuilds the table to make `seq` nullable, which drops its triggers, so they are created again here.
"""

from django.db import migrations, models

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION abusedesk_audit_refuse() RETURNS trigger AS $$
BEGIN
  IF TG_OP IN ('DELETE', 'TRUNCATE') AND current_setting('abusedesk.audit_purge', true) = 'allowed' THEN
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NULL;
  END IF;
  IF TG_OP = 'UPDATE' THEN
    IF OLD.seq IS NULL AND NEW.seq IS NOT NULL AND OLD.hash = '' AND NEW.hash <> '' AND NEW.id = OLD.id
       AND NEW.at = OLD.at AND NEW.actor = OLD.actor AND NEW.verb = OLD.verb AND NEW.object_type = OLD.object_type
       AND NEW.object_id = OLD.object_id AND NEW.payload = OLD.payload THEN
      RETURN NEW;
    END IF;
  END IF;
  RAISE EXCEPTION 'audit events are append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""
SEALING = ("OLD.seq IS NULL AND NEW.seq IS NOT NULL AND OLD.hash = '' AND NEW.hash <> '' AND NEW.id = OLD.id "
           "AND NEW.at IS OLD.at AND NEW.actor IS OLD.actor AND NEW.verb IS OLD.verb "
           "AND NEW.object_type IS OLD.object_type AND NEW.object_id IS OLD.object_id AND NEW.payload IS OLD.payload")
SQLITE_TRIGGERS = [
    "DROP TRIGGER IF EXISTS audit_no_update",
    "DROP TRIGGER IF EXISTS audit_no_delete",
    "CREATE TABLE IF NOT EXISTS abusedesk_audit_guard (allow_purge INTEGER NOT NULL)",
    f"CREATE TRIGGER audit_no_update BEFORE UPDATE ON cases_auditevent WHEN NOT ({SEALING}) "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only (UPDATE refused)'); END",
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON cases_auditevent "
    "WHEN NOT EXISTS (SELECT 1 FROM abusedesk_audit_guard WHERE allow_purge = 1) "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only (DELETE refused)'); END",
]


def triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FUNCTION, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_TRIGGERS:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0001_initial'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='auditevent',
            options={'ordering': ['id']},
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='hash',
            field=models.CharField(blank=True, default='', max_length=64),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='prev_hash',
            field=models.CharField(blank=True, default='', max_length=64),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='seq',
            field=models.BigIntegerField(blank=True, null=True, unique=True),
        ),
        migrations.AddIndex(
            model_name='auditevent',
            index=models.Index(condition=models.Q(('seq__isnull', True)), fields=['id'], name='audit_unsealed_idx'),
        ),
        migrations.RunPython(triggers, migrations.RunPython.noop),
    ]
