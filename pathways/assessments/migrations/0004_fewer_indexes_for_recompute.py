import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _leave_room_on_each_page(apps, schema_editor):  # type: ignore[no-untyped-def]
    """PostgreSQL: when a recompute rewrites a result, the new row version can stay on its page (a
    heap-only update, with no index writes). SQLite has no such setting."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE assessments_assessment SET (fillfactor = 80)")


def _fill_pages(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE assessments_assessment RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0003_operator_wording"),
        ("people", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="assessment",
            name="created_by",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="assessment",
            name="modified_by",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="assessment",
            name="person",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="assessments",
                to="people.person",
            ),
        ),
        migrations.RunPython(_leave_room_on_each_page, _fill_pages),
    ]
