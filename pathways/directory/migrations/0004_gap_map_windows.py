from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("directory", "0003_agency_links_from_accounts")]

    # A region loaded before the windows were settings had the gap map's old fixed ones (six months ahead,
    # two years back); loading its file again, which must now state them, replaces these.
    operations = [
        migrations.AddField(
            model_name="region",
            name="funding_ends_within_months",
            field=models.PositiveIntegerField(default=6, verbose_name="funding warning, months ahead"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="region",
            name="closed_within_months",
            field=models.PositiveIntegerField(default=24, verbose_name="closed services shown, months back"),
            preserve_default=False,
        ),
    ]
