"""Keep a service's status history in the order the region file gives it; dates may be unknown."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]

    operations = [
        migrations.AlterModelOptions(name="servicestatuschange", options={"ordering": ["service", "position"]}),
        migrations.AddField(
            model_name="servicestatuschange",
            name="position",
            field=models.PositiveSmallIntegerField(
                default=0, help_text="Order in the region file; the last is current."
            ),
            preserve_default=False,
        ),
    ]
