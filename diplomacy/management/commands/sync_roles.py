from django.apps import apps
from django.core.management.base import BaseCommand

from diplomacy.roles import sync_roles


class Command(BaseCommand):
    help = "Create or refresh the 'editors' and 'publishers' groups and their permissions."

    def handle(self, *args, **options):
        sync_roles(apps)
        self.stdout.write(self.style.SUCCESS("Groups 'editors' and 'publishers' are up to date."))
