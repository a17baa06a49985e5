"""The audit tables now belong to the audit app (audit 0001 takes them over under the same table names);
here they leave the cases app's state only: nothing in the database changes."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("cases", "0007_decision_reject_send_back")]
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="AuditEvent"), migrations.DeleteModel(name="AuditHead")],
            database_operations=[],
        ),
    ]
