"""Load or refresh every ISO 3166-1 country from pycountry.

Idempotent: a second run changes nothing. It creates missing states (published,
since ISO data is authoritative; with the COW number they hold today, from
diplomacy/reference_data) and refreshes the ISO codes of states no person has
edited, but never overwrites what editors curate: name, official name,
capital, region, independence date, summary, publication, and the codes of a
state they edited. A state the register held once (its history remembers it:
deleted since, or given another code) is never created again.
"""

import pycountry
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.text import slugify

from diplomacy.management.commands.load_historic_states import current_cow_numbers
from diplomacy.models import State


class Command(BaseCommand):
    help = "Load or refresh all ISO 3166-1 countries (pycountry), keeping curated fields."

    @transaction.atomic
    def handle(self, *args, **options):
        existing = {state.iso2: state for state in State.objects.all()}
        held_once = set(State.history.exclude(iso2=None).values_list("iso2", flat=True))
        edited = set(State.history.exclude(history_user=None).values_list("id", flat=True))
        cow_numbers = current_cow_numbers()
        to_create, to_update = [], []
        for country in pycountry.countries:
            name = getattr(country, "common_name", None) or country.name
            state = existing.get(country.alpha_2)
            if state is None:
                if country.alpha_2 in held_once:
                    continue  # deleted by a publisher, or its code changed by an editor
                to_create.append(
                    State(
                        name=name,
                        official_name=getattr(country, "official_name", ""),
                        iso2=country.alpha_2,
                        iso3=country.alpha_3,
                        iso_numeric=country.numeric,
                        cow_code=cow_numbers.get(country.alpha_2.lower()),
                        slug=slugify(name) or country.alpha_2.lower(),
                        is_published=True,
                    )
                )
            elif state.pk not in edited and (state.iso3, state.iso_numeric) != (
                country.alpha_3,
                country.numeric,
            ):
                state.iso3, state.iso_numeric = country.alpha_3, country.numeric
                to_update.append(state)
        taken = set(State.objects.values_list("slug", flat=True))
        for state in to_create:
            if state.slug in taken:
                state.slug = f"{state.slug}-{state.iso2.lower()}"
            taken.add(state.slug)
            # save() (not bulk_create) so each new state gets its history row.
            state.save()
        for state in to_update:
            state.save(update_fields=["iso3", "iso_numeric", "updated_at"])
        self.stdout.write(
            f"{len(to_create)} states created, {len(to_update)} refreshed, "
            f"{len(existing) - len(to_update)} unchanged."
        )
