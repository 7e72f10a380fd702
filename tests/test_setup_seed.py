"""`make setup` loads the seed corpus into a new register and never undoes an editor's work.

The tests run the data steps of the Makefile's ``setup`` recipe (every
``manage.py`` command after ``migrate``), as each deploy does.
"""

import io
import json
import re
import shlex
from pathlib import Path

import pycountry
import pytest
from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.management import call_command
from simple_history.manager import HistoryManager

from diplomacy.models import Person, Project, Source, State, Treaty, TreatyCitation, Visit

pytestmark = pytest.mark.django_db

SEED = Path(settings.BASE_DIR) / "fixtures" / "seed.json"
ALLIED = "treaty-on-allied-relations-azerbaijan-uzbekistan-2024"


def setup_data_steps() -> list[list[str]]:
    """The ``manage.py`` commands of the Makefile's ``setup`` recipe, ``migrate`` left out."""
    makefile = (Path(settings.BASE_DIR) / "Makefile").read_text()
    recipe = re.search(r"^setup: \$\(STAMP\).*\n((?:\t.*\n)+)", makefile, re.MULTILINE).group(1)
    steps = [
        shlex.split(line.split("manage.py", 1)[1])
        for line in recipe.splitlines()
        if "manage.py" in line
    ]
    assert steps[0] == ["migrate", "--noinput"]
    return steps[1:]


def run_setup():
    for step in setup_data_steps():
        call_command(*step, stdout=io.StringIO(), stderr=io.StringIO())


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models(include_auto_created=True)
        if not model._meta.proxy
    }


def seed_items() -> list[dict]:
    return json.loads(SEED.read_text(encoding="utf-8"))


def held(model) -> list[dict]:
    """The model's rows as the seed writes them: natural keys for records, m2m lists sorted."""
    rows = json.loads(
        serializers.serialize(
            "json",
            model._default_manager.all(),
            use_natural_foreign_keys=True,
            use_natural_primary_keys=True,
        )
    )
    for row in rows:
        for name, value in row["fields"].items():
            if isinstance(value, list) and all(isinstance(v, list) for v in value):
                row["fields"][name] = sorted(value)
    return rows


def test_a_fresh_register_gets_the_whole_seed_corpus_each_record_with_its_creation():
    run_setup()
    items = seed_items()
    by_model: dict[str, list[dict]] = {}
    for item in items:
        by_model.setdefault(item["model"], []).append(item)
    for label, expected in by_model.items():
        model = apps.get_model(label)
        rows = held(model)
        if model is not State:  # the ISO list adds the states the corpus does not curate
            assert len(rows) == len(expected), label
        for item in expected:
            fields = {
                name: sorted(value) if name in {f.name for f in model._meta.many_to_many} else value
                for name, value in item["fields"].items()
            }
            matches = [r for r in rows if all(r["fields"].get(k) == v for k, v in fields.items())]
            assert len(matches) == 1, (label, fields)
    # The corpus's curated states, and every other ISO country beside them
    # (and the former states, which have no ISO 3166-1 code).
    assert State.objects.filter(iso2__isnull=False).count() == len(pycountry.countries)
    uz = State.objects.get(iso2="UZ")
    assert (uz.capital, uz.region) == ("Tashkent", "Central Asia") and uz.citations.exists()
    # Each record's change log starts with its creation, once.
    for model in apps.get_app_config("diplomacy").get_models():
        history = getattr(model, "history", None)
        if not isinstance(history, HistoryManager):
            continue
        assert history.count() == model.objects.count(), model.__name__
        assert not history.exclude(history_type="+").exists(), model.__name__


def test_setup_leaves_edited_unpublished_and_deleted_seed_records_as_editors_left_them(editor):
    run_setup()
    treaty = Treaty.objects.get(slug=ALLIED)
    treaty.title = "Treaty on Allied Relations (title corrected by an editor)"
    treaty.is_published = False
    treaty._history_user = editor
    treaty.save()
    treaty.sectors.remove(treaty.sectors.get(slug="energy"))
    citation = treaty.citations.order_by("pk").first()
    citation.quote = "A shorter quote, as the editor chose."
    citation.save()
    uz = State.objects.get(iso2="UZ")
    uz.capital = "Toshkent"
    uz.save()
    removed = Project.objects.order_by("slug").first()
    removed.delete()
    counts = row_counts()

    run_setup()
    run_setup()

    treaty.refresh_from_db()
    assert treaty.title == "Treaty on Allied Relations (title corrected by an editor)"
    assert not treaty.is_published
    assert "energy" not in treaty.sectors.values_list("slug", flat=True)
    citation.refresh_from_db()
    assert citation.quote == "A shorter quote, as the editor chose."
    assert State.objects.get(iso2="UZ").capital == "Toshkent"
    assert not Project.objects.filter(slug=removed.slug).exists()
    assert row_counts() == counts


def test_running_setup_twice_adds_no_row_to_any_table():
    run_setup()
    first = row_counts()
    run_setup()
    assert row_counts() == first


def test_a_seed_citation_never_overwrites_a_citation_already_in_the_register():
    # A register an editor began before the corpus was loaded: their citation
    # holds the id the corpus file gives its first treaty citation.
    source = Source.objects.create(slug="own-source", title="Own source", is_published=True)
    own = Treaty.objects.create(slug="own-treaty", title="Own treaty")
    mine = TreatyCitation.objects.create(pk=1, record=own, source=source, quote="Own quote")
    seed_citations = sum(item["model"] == "diplomacy.treatycitation" for item in seed_items())

    run_setup()

    mine.refresh_from_db()
    assert (mine.record, mine.source, mine.quote) == (own, source, "Own quote")
    assert TreatyCitation.objects.count() == 1 + seed_citations
    assert Treaty.objects.get(slug=ALLIED).citations.count() == sum(
        item["model"] == "diplomacy.treatycitation" and item["fields"]["record"] == [ALLIED]
        for item in seed_items()
    )


def test_a_seed_record_whose_people_or_visit_were_deleted_loads_without_them(tmp_path):
    run_setup()
    visit = Visit.objects.get(slug="state-visit-aliyev-uzbekistan-2024")
    Person.objects.get(slug="ilham-aliyev").delete()
    treaty = next(
        item
        for item in seed_items()
        if item["model"] == "diplomacy.treaty" and item["fields"]["visit"]
    )
    treaty["fields"]["slug"] = "a-treaty-new-in-this-release"
    guest_gone = {"model": "diplomacy.visit", "fields": {
        "slug": "a-visit-new-in-this-release", "title": "Visit", "host": ["UZ"], "guest": ["ZZ"],
    }}  # fmt: skip
    fixture = tmp_path / "seed.json"
    fixture.write_text(json.dumps([treaty, guest_gone]), encoding="utf-8")
    visit.delete()
    errors = io.StringIO()

    call_command("load_seed", str(fixture), stdout=io.StringIO(), stderr=errors)

    new = Treaty.objects.get(slug="a-treaty-new-in-this-release")
    assert new.visit is None
    assert "ilham-aliyev" not in new.signatories.values_list("slug", flat=True)
    assert new.signatories.exists()
    assert not Visit.objects.filter(slug="a-visit-new-in-this-release").exists()
    assert "a-visit-new-in-this-release not loaded: no guest" in errors.getvalue()


def test_a_register_set_up_before_commitments_existed_gets_the_seed_commitments(editor):
    """A treaty the register already holds gets the corpus's commitments when it
    never had any (a register set up before commitments existed), and never gets
    back one an editor removed."""
    from diplomacy.models import Commitment

    run_setup()
    seeded = Commitment.objects.filter(treaty__slug=ALLIED).count()
    assert seeded
    # As before commitments existed: no commitment, and none in the history.
    Commitment.objects.all().delete()
    Commitment.history.all().delete()

    run_setup()
    assert Commitment.objects.filter(treaty__slug=ALLIED).count() == seeded
    assert Commitment.history.filter(treaty__slug=ALLIED, history_type="+").count() == seeded

    removed = Commitment.objects.filter(treaty__slug=ALLIED).order_by("pk").first()
    removed._history_user = editor
    removed.delete()
    run_setup()
    assert Commitment.objects.filter(treaty__slug=ALLIED).count() == seeded - 1
