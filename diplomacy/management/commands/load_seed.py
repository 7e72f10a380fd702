"""Load the seed corpus (fixtures/seed.json) into the register without changing what is there.

``make setup`` runs it on every deploy, so it must never undo an editor's work.
A record of the corpus is created only if the register has never held it: not
when it exists (an editor may have changed it), nor when its history shows it
was deleted or its slug changed (an editor did that). The rows that belong to a
record (its citations, its parties, its links to people, organizations and
sectors) come only with a record created in the same run: a record already in
the register keeps exactly the rows it has, with one exception: parts of a kind
the record has never had, as its history shows (commitments, for a register set
up before they existed), come with it, since no editor's work is undone by them.
"""

import json
from collections import defaultdict
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.exceptions import ObjectDoesNotExist
from django.core.management.base import BaseCommand, CommandError
from django.db import models, transaction

from diplomacy.bulk_writes import snapshot_links
from diplomacy.models import State
from diplomacy.models.base import CuratedModel

SEED = Path(settings.BASE_DIR) / "fixtures" / "seed.json"
SEED_REASON = "seed corpus"  # the change reason of every history row this command writes


def ever_held(record: CuratedModel) -> bool:
    """Whether the register holds this record, or held it once (its history
    remembers records deleted or renamed since)."""
    lookup = models.Q(slug=record.slug)
    if isinstance(record, State):
        lookup |= models.Q(iso2=record.iso2)
    model = type(record)
    return model._default_manager.filter(lookup).exists() or model.history.filter(lookup).exists()


def owner_fields(model) -> list:
    """The foreign keys to the record(s) a row belongs to: deleting the record deletes it."""
    return [
        field
        for field in model._meta.concrete_fields
        if field.many_to_one and field.remote_field.on_delete is models.CASCADE
    ]


def reference(value) -> tuple:
    """A reference as the file writes it (a natural key, or an id), hashable."""
    return tuple(value) if isinstance(value, list) else (value,)


def describe(item: dict) -> str:
    fields = item.get("fields", {})
    return f"{item['model']} {fields.get('slug') or fields.get('record') or fields.get('treaty')}"


def existing(model, refs: list) -> list:
    """The ids of the referenced rows that the register holds; the others are left out."""
    found = []
    for ref in refs:
        try:
            if isinstance(ref, list):
                found.append(model._default_manager.get_by_natural_key(*ref).pk)
            else:
                found.append(model._default_manager.get(pk=ref).pk)
        except model.DoesNotExist:
            pass
    return found


def never_had(model, field, ref: tuple, firsts: dict) -> bool:
    """Whether the record ``ref`` names (held by the register) has never had a
    row of the part ``model``: none now and none in the part's history. Decided
    once per record, before this run adds any."""
    key = (model, field.name, ref)
    if key not in firsts:
        owner_model = field.related_model
        try:
            if len(ref) > 1 or not isinstance(ref[0], int):
                owner = owner_model._default_manager.get_by_natural_key(*ref)
            else:
                owner = owner_model._default_manager.get(pk=ref[0])
        except owner_model.DoesNotExist:
            firsts[key] = False
        else:
            # Only a record the corpus itself created: an editor's record of the
            # same slug never gets the corpus's parts.
            from_corpus = owner.history.filter(
                history_type="+", history_change_reason=SEED_REASON
            ).exists()
            firsts[key] = (
                from_corpus
                and hasattr(model, "history")
                and not (
                    model._default_manager.filter(**{field.name: owner}).exists()
                    or model.history.filter(**{field.attname: owner.pk}).exists()
                )
            )
    return firsts[key]


class Command(BaseCommand):
    help = (
        "Create the seed corpus's records that the register has never held; "
        "never change an existing record."
    )

    def add_arguments(self, parser):
        parser.add_argument("fixture", nargs="?", default=str(SEED), help=f"default: {SEED}")

    def handle(self, *args, **options):
        try:
            with open(options["fixture"], encoding="utf-8") as stream:
                items = json.load(stream)
        except (OSError, ValueError) as error:
            raise CommandError(f"Cannot read the seed corpus: {error}") from error
        with transaction.atomic():
            created, kept, skipped = self.load(items)
        self.stdout.write(
            f"Seed corpus: {created} rows created; {kept} records already in the register "
            "(or removed by an editor) left as they are."
        )
        for line in skipped:
            self.stderr.write(line)

    def load(self, items: list[dict]) -> tuple[int, int, list[str]]:
        created = defaultdict(list)  # model -> rows created now
        created_keys = set()  # (model, reference) of the records created now
        firsts = {}  # (part model, owner reference) -> whether the owner never had one
        kept, skipped = 0, []
        for item in items:
            try:
                model = apps.get_model(item["model"])
            except (KeyError, LookupError, ValueError) as error:
                raise CommandError(f"Not a model of the register: {error}") from error
            owners = owner_fields(model)
            if owners:
                # A part of a record (a citation, a party): only with its record,
                # or with a record that never had a part of its kind.
                refs = [(field, reference(item["fields"].get(field.name))) for field in owners]
                if not all(
                    (field.related_model, ref) in created_keys for field, ref in refs
                ) and not all(never_had(model, field, ref, firsts) for field, ref in refs):
                    continue
                # The file's id may be another row's in this register.
                item = {key: value for key, value in item.items() if key != "pk"}
            elif not issubclass(model, CuratedModel):
                raise CommandError(f"{model._meta.label}: neither a record nor part of one.")
            # One item at a time, each able to refer to the records created before it.
            try:
                (loaded,) = serializers.deserialize(
                    "python", [item], handle_forward_references=True
                )
            except ObjectDoesNotExist as error:  # a part whose other end is gone
                skipped.append(f"{describe(item)} not loaded: {error}")
                continue
            row = loaded.object
            if not owners and ever_held(row):
                kept += 1
                continue
            missing = self.resolve_missing(loaded)
            if missing:
                skipped.append(f"{describe(item)} not loaded: no {missing} in the register.")
                continue
            # History is written below, one creation per row, as for an import.
            row.skip_history_when_saving = True
            loaded.save()
            del row.skip_history_when_saving
            created[model].append(row)
            if not owners:  # a record: the parts after it refer to it (by natural key or id)
                created_keys.add((model, reference(list(row.natural_key()))))
                created_keys.add((model, (row.pk,)))
        for model, rows in created.items():
            versions = model.history.bulk_history_create(rows, default_change_reason=SEED_REASON)
            snapshot_links(model, versions)
        return sum(map(len, created.values())), kept, skipped

    @staticmethod
    def resolve_missing(loaded) -> str | None:
        """Drop references to rows the register does not hold (an editor
        deleted them): a link is left out, an optional reference left empty.
        Returns the name of a required reference that is missing, if any."""
        for field, value in loaded.deferred_fields.items():
            if field.many_to_many:
                loaded.m2m_data[field.name] = existing(field.related_model, value)
            elif not field.null:
                return field.name
        return None
