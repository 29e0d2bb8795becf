from django.db import migrations, models
from django.db.models import Q

PARTNERS = ("current_partner", "ex_partner")


def mark_victims(apps, schema_editor):
    """People already recorded as a partner, a partner referred for support, a child or a police record's
    victim are on the victim side; everyone else was referred for their own behaviour."""
    Person = apps.get_model("people", "Person")
    Referral = apps.get_model("referrals", "Referral")
    Relationship = apps.get_model("people", "Relationship")
    PoliceRecord = apps.get_model("panels", "PoliceRecord")
    victims = (
        Q(pk__in=Referral.objects.filter(partner__isnull=False).values("partner_id"))
        | Q(pk__in=Referral.objects.filter(kind="partner_support").values("person_id"))
        | Q(pk__in=Relationship.objects.filter(kind__in=(*PARTNERS, "parent_of")).values("other_id"))
        | Q(pk__in=PoliceRecord.objects.filter(victim__isnull=False).values("victim_id"))
    )
    Person.objects.filter(victims).update(side="victim")


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0002_person_ethnicity_sexual_orientation"),
        ("referrals", "0001_initial"),
        ("panels", "0005_rfg_scores_ranking_index_only"),
    ]

    operations = [
        migrations.AddField(
            model_name="person",
            name="side",
            field=models.CharField(
                choices=[("perpetrator", "Person who uses abuse"), ("victim", "Partner, victim or child")],
                default="perpetrator",
                max_length=12,
                verbose_name="side of the family",
            ),
            preserve_default=False,
        ),
        migrations.RunPython(mark_victims, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="person",
            constraint=models.CheckConstraint(
                condition=models.Q(("side__in", ["perpetrator", "victim"])), name="person_has_a_side"
            ),
        ),
    ]
