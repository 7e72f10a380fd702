from django.apps import AppConfig


class DiplomacyConfig(AppConfig):
    name = "diplomacy"
    verbose_name = "Diplomacy register"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.conf import settings

        from diplomacy.api import extensions  # noqa: F401  (registers the schema extension)
        from diplomacy.caching.settings import PROCESS_CACHES
        from diplomacy.caching.version import connect_signals

        # Until config/settings.py declares the process stores itself
        # (CACHES = diplomacy.caching.settings.caches(...)); no cache is used before this.
        for alias, config in PROCESS_CACHES.items():
            settings.CACHES.setdefault(alias, config)
        connect_signals()
