"""Region assessment settings loaded before the MARAC repeat window was a setting were made while the
window was twelve months in the code, so twelve is what those versions meant, not a guess."""

from typing import Any

from django.db import migrations


def forwards(apps: Any, schema_editor: Any) -> None:
    settings_model = apps.get_model("assessments", "RegionAssessmentSettings")
    for row in settings_model.objects.all():
        marac = row.settings.get("marac", {})
        if "repeat_window_months" not in marac:
            row.settings = {**row.settings, "marac": {**marac, "repeat_window_months": 12}}
            row.save(update_fields=["settings"])


def backwards(apps: Any, schema_editor: Any) -> None:
    settings_model = apps.get_model("assessments", "RegionAssessmentSettings")
    for row in settings_model.objects.all():
        marac = dict(row.settings.get("marac", {}))
        if marac.pop("repeat_window_months", None) is not None:
            row.settings = {**row.settings, "marac": marac}
            row.save(update_fields=["settings"])


class Migration(migrations.Migration):
    dependencies = [("assessments", "0004_fewer_indexes_for_recompute")]

    operations = [migrations.RunPython(forwards, backwards)]
