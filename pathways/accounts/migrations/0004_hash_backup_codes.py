"""Backup codes kept in plain text until now are replaced by their digests, so that the codes people
already hold keep working and a copy of the database no longer gives them away."""

from django.db import migrations

from pathways.accounts.backup_codes import backup_code_digest


def hash_backup_codes(apps, schema_editor):
    StaticToken = apps.get_model("otp_static", "StaticToken")
    for token in StaticToken.objects.select_related("device").iterator():
        token.token = backup_code_digest(user_id=token.device.user_id, code=token.token)
        token.save(update_fields=["token"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_account_changes"),
        ("otp_static", "0003_add_timestamps"),
    ]

    # Every token stored before this migration is a plain code; a digest cannot be turned back into one.
    operations = [migrations.RunPython(hash_backup_codes, migrations.RunPython.noop)]
