from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PoliceConfig(AppConfig):
    name = "pathways.police"
    label = "police"
    verbose_name = _("Police data and RFG scoring")
