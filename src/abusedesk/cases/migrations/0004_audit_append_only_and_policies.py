"""The audit table refuses UPDATE, DELETE and TRUNCATE at the database; the policy catalogue is seeded.

A purge is allowed only where an operator explicitly says so (PostgreSQL: `SET abusedesk.audit_purge =
'allowed'` in the session; SQLite: a row in abusedesk_audit_guard) — the test suite does that to reset
its database between tests. In production, additionally run the application as a role without UPDATE,
DELETE or TRUNCATE on cases_auditevent (docs/security.md).
"""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION abusedesk_audit_refuse() RETURNS trigger AS $$
BEGIN
  IF TG_OP IN ('DELETE', 'TRUNCATE') AND current_setting('abusedesk.audit_purge', true) = 'allowed' THEN
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NULL;
  END IF;
  RAISE EXCEPTION 'audit events are append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_no_update BEFORE UPDATE ON cases_auditevent FOR EACH ROW EXECUTE FUNCTION abusedesk_audit_refuse();
CREATE TRIGGER audit_no_delete BEFORE DELETE ON cases_auditevent FOR EACH ROW EXECUTE FUNCTION abusedesk_audit_refuse();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON cases_auditevent FOR EACH STATEMENT EXECUTE FUNCTION abusedesk_audit_refuse();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS audit_no_update ON cases_auditevent;
DROP TRIGGER IF EXISTS audit_no_delete ON cases_auditevent;
DROP TRIGGER IF EXISTS audit_no_truncate ON cases_auditevent;
DROP FUNCTION IF EXISTS abusedesk_audit_refuse();
"""
SQLITE_FORWARD = [
    "CREATE TABLE IF NOT EXISTS abusedesk_audit_guard (allow_purge INTEGER NOT NULL)",
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON cases_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only (UPDATE refused)'); END",
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON cases_auditevent "
    "WHEN NOT EXISTS (SELECT 1 FROM abusedesk_audit_guard WHERE allow_purge = 1) "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only (DELETE refused)'); END",
]
SQLITE_BACKWARD = ["DROP TRIGGER IF EXISTS audit_no_update", "DROP TRIGGER IF EXISTS audit_no_delete",
                   "DROP TABLE IF EXISTS abusedesk_audit_guard"]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement, params=None)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = [PG_BACKWARD] if vendor == "postgresql" else SQLITE_BACKWARD if vendor == "sqlite" else []
    for statement in statements:
        schema_editor.execute(statement, params=None)


def seed_policies(apps, schema_editor):
    from abusedesk.cases.policies import load_catalogue

    load_catalogue(apps)


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_initial")]
    operations = [
        migrations.RunPython(forward, backward),
        migrations.RunPython(seed_policies, migrations.RunPython.noop),
    ]
