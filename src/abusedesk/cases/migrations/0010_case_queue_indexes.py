"""The console queue's indexes: its order ending in id (a unique position for keyset pages), for one status and,
partially, for everything not closed (the default view), so a page is read from the index without sorting."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("cases", "0009_case_report_counts_and_campaigns")]
    operations = [
        migrations.RemoveIndex(model_name="case", name="cases_case_status_05fe1a_idx"),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["status", "severity_rank", "lane_rank", "opened_at", "id"],
                               name="case_queue_status_idx")),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(condition=~models.Q(status="closed"),
                               fields=["severity_rank", "lane_rank", "opened_at", "id"], name="case_queue_open_idx")),
    ]
