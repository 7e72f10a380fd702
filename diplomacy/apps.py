from django.apps import AppConfig


class DiplomacyConfig(AppConfig):
    name = "diplomacy"
    verbose_name = "Diplomacy register"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from diplomacy.api import extensions  # noqa: F401  (registers the schema extension)
        from diplomacy.caching.version import connect_signals

        connect_signals()
