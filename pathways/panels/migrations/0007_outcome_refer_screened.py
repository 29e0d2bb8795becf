"""The panel outcome that named Drive now names the panel's own screened service (screening_service in
panels.yaml). Every "refer_drive" decision was a referral to that service (one could not be recorded
without its screening record), so each becomes "refer_screened" and is shown with the service's name."""

from typing import Any

from django.db import migrations, models


def forwards(apps: Any, schema_editor: Any) -> None:
    apps.get_model("panels", "Decision").objects.filter(outcome="refer_drive").update(outcome="refer_screened")


def backwards(apps: Any, schema_editor: Any) -> None:
    apps.get_model("panels", "Decision").objects.filter(outcome="refer_screened").update(outcome="refer_drive")


class Migration(migrations.Migration):
    dependencies = [("panels", "0006_police_data_to_police_app")]

    operations = [
        migrations.AlterField(
            model_name="agendaitem",
            name="reason",
            field=models.CharField(
                choices=[
                    ("marac_criteria", "Meets the MARAC referral criteria"),
                    ("repeat", "Repeat: referred again within the repeat window"),
                    ("rfg", "Among the highest RFG scores in the area"),
                    ("nominated", "Referred in by a partner agency"),
                    ("case_review", "Case review due"),
                ],
                max_length=20,
                verbose_name="why on the agenda",
            ),
        ),
        migrations.AlterField(
            model_name="decision",
            name="outcome",
            field=models.CharField(
                choices=[
                    ("refer_screened", "Refer to the panel's screened service"),
                    ("refer_service", "Refer to another service"),
                    ("disrupt", "Disrupt"),
                    ("support", "Support"),
                    ("enforcement", "Enforcement"),
                    ("safety_plan", "Safety plan for the victim"),
                    ("nfa", "No further action"),
                ],
                max_length=20,
                verbose_name="decision",
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
