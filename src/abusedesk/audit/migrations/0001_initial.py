"""Take over the audit tables that the cases app created (cases 0001, triggers in cases 0004): state only,
same table and index names, so an existing database keeps every event and its append-only triggers."""

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = [("cases", "0008_audit_moves_to_its_own_app")]
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AuditHead",
                    fields=[
                        ("id", models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False)),
                        ("seq", models.BigIntegerField(default=0)),
                        ("hash", models.CharField(default="0" * 64, max_length=64)),
                    ],
                    options={"db_table": "cases_audithead"},
                ),
                migrations.CreateModel(
                    name="AuditEvent",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                                   verbose_name="ID")),
                        ("seq", models.BigIntegerField(unique=True)),
                        ("at", models.DateTimeField()),
                        ("actor", models.CharField(max_length=200)),
                        ("verb", models.CharField(max_length=80)),
                        ("object_type", models.CharField(max_length=40)),
                        ("object_id", models.CharField(max_length=80)),
                        ("payload", models.JSONField(default=dict)),
                        ("prev_hash", models.CharField(max_length=64)),
                        ("hash", models.CharField(max_length=64)),
                    ],
                    options={
                        "db_table": "cases_auditevent",
                        "ordering": ["seq"],
                        "indexes": [models.Index(fields=["object_type", "object_id"],
                                                 name="cases_audit_object__94445d_idx")],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
