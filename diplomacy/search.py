"""Text search: ranked full-text search with typo tolerance on PostgreSQL,
substring matching on SQLite.
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


def uses_full_text(queryset) -> bool:
    return connection.vendor == "postgresql" and any(
        f.name == "search_vector" for f in queryset.model._meta.concrete_fields
    )


def search_queryset(queryset, text: str, fields: tuple[str, ...], name_field: str, rank=False):
    """Records matching ``text``; with ``rank``, best first.

    PostgreSQL: the stored, GIN-indexed tsvector (websearch syntax: "quoted
    phrases", -exclusions, or) or a trigram word match on the name, so a
    misspelling still finds it. SQLite: every word must appear in some field.
    """
    text = text.strip()
    if not text:
        return queryset
    if connection.vendor != "postgresql":
        return queryset.filter(_substring_q(fields, text))
    similarity = TrigramWordSimilarity(text, name_field)
    if uses_full_text(queryset):
        query = SearchQuery(text, config="english", search_type="websearch")
        matched = queryset.filter(
            Q(search_vector=query) | Q(**{f"{name_field}__trigram_word_similar": text})
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
        Q(**{f"{name_field}__trigram_word_similar": text}) | _substring_q(fields, text)
    )
    if rank:
        matched = matched.annotate(rank=similarity).order_by("-rank", "-pk")
    return matched
