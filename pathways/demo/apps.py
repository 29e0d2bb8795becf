from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo region: fictional people and one login per role. Above every other app, and refused in
    production (PATHWAYS_DEMO)."""

    name = "pathways.demo"
    label = "demo"
    verbose_name = _("Demo")
