"""Text search: ranked full-text search with typo tolerance on PostgreSQL,
substring matching on SQLite; a record also matches by the names of the states
it involves (a treaty's parties, a visit's host and guest), so "uzbekistan"
finds every treaty Uzbekistan is party to, whatever its title says.
"""

from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramWordSimilarity
from django.db import connection
from django.db.models import F, FloatField, Q, Value
from django.db.models.functions import Coalesce, Greatest


def _substring_q(fields: tuple[str, ...], text: str) -> Q:
    match = Q()
    for term in text.split():
        any_field = Q()
        for field in fields:
            any_field |= Q(**{f"{field}__icontains": term})
        match &= any_field
    return match


# Shorter words name no state ("a", "of"): every treaty would match them.
STATE_NAME_MIN_LENGTH = 3


def named_states(text: str):
    """The published states ``text`` names (every word in the name or the
    official name, a code, or on PostgreSQL a misspelt name), as a subquery:
    it adds no query of its own."""
    from diplomacy.models import State

    match = Q(iso2__iexact=text) | Q(iso3__iexact=text)
    if len(text) >= STATE_NAME_MIN_LENGTH:
        match |= _substring_q(("name", "official_name"), text)
        if connection.vendor == "postgresql":
            match |= Q(name__trigram_word_similar=text)
    return State.objects.published().filter(match).values("pk")


def _by_states_q(queryset, text: str, state_paths: tuple[str, ...]) -> Q:
    """Records that involve a state ``text`` names, through any of ``state_paths``
    (a relation from the record to State). Each path is a semi-join on the
    record's key, so a treaty with two matching parties is found once."""
    if not state_paths:
        return Q()
    states = named_states(text)
    match = Q()
    for path in state_paths:
        involved = queryset.model._base_manager.filter(**{f"{path}__in": states})
        match |= Q(pk__in=involved.values("pk"))
    return match


def uses_full_text(queryset) -> bool:
    return connection.vendor == "postgresql" and any(
        f.name == "search_vector" for f in queryset.model._meta.concrete_fields
    )


def search_queryset(
    queryset,
    text: str,
    fields: tuple[str, ...],
    name_field: str,
    rank=False,
    state_paths: tuple[str, ...] = (),
):
    """Records matching ``text``; with ``rank``, best first.

    PostgreSQL: the stored, GIN-indexed tsvector (websearch syntax: "quoted
    phrases", -exclusions, or) or a trigram word match on the name, so a
    misspelling still finds it. SQLite: every word must appear in some field.
    Either way, or a state the record involves through ``state_paths`` is named.
    """
    text = text.strip()
    if not text:
        return queryset
    by_states = _by_states_q(queryset, text, state_paths)
    if connection.vendor != "postgresql":
        return queryset.filter(_substring_q(fields, text) | by_states)
    similarity = TrigramWordSimilarity(text, name_field)
    if uses_full_text(queryset):
        query = SearchQuery(text, config="english", search_type="websearch")
        matched = queryset.filter(
            Q(search_vector=query) | Q(**{f"{name_field}__trigram_word_similar": text}) | by_states
        )
        if rank:
            matched = matched.annotate(
                rank=Greatest(
                    Coalesce(SearchRank(F("search_vector"), query), Value(0.0)),
                    similarity,
                    output_field=FloatField(),
                )
            ).order_by("-rank", "-pk")
        return matched
    matched = queryset.filter(
        Q(**{f"{name_field}__trigram_word_similar": text}) | _substring_q(fields, text) | by_states
    )
    if rank:
        matched = matched.annotate(rank=similarity).order_by("-rank", "-pk")
    return matched
