"""Cases keep their report count, the time of the last report, a decayed count of recent reports and when they
became a campaign (maintained by the filing do_* functions). Existing cases get their count and last report time
from their reports; the recent count starts at zero."""

from django.db import migrations, models
from django.db.models import Count, Max, OuterRef, Subquery
from django.db.models.functions import Coalesce


def backfill(apps, schema_editor):  # type: ignore[no-untyped-def]
    Case = apps.get_model("cases", "Case")
    Report = apps.get_model("intake", "Report")
    per_case = Report.objects.filter(case=OuterRef("pk")).order_by().values("case")
    Case.objects.update(
        reports_filed=Coalesce(Subquery(per_case.annotate(n=Count("pk")).values("n")[:1]), 0),
        last_report_at=Subquery(per_case.annotate(at=Max("processed_at")).values("at")[:1]))


class Migration(migrations.Migration):
    dependencies = [("cases", "0008_audit_moves_to_its_own_app"), ("intake", "0001_initial")]
    operations = [
        migrations.AddField(model_name="case", name="reports_filed", field=models.PositiveIntegerField(default=0)),
        migrations.AddField(model_name="case", name="last_report_at",
                            field=models.DateTimeField(blank=True, null=True)),
        migrations.AddField(model_name="case", name="recent_reports", field=models.FloatField(default=0.0)),
        migrations.AddField(model_name="case", name="campaign_since",
                            field=models.DateTimeField(blank=True, null=True)),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
