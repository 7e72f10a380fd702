"""The API's viewsets: the same FilterSets and querysets as the public pages."""

import hashlib
import re

from axes.helpers import get_cool_off
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404, HttpResponsePermanentRedirect
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.plumbing import is_serializer
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers, status, viewsets
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import APIException, Throttled, ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from diplomacy.api import serializers as api
from diplomacy.api.orderings import (
    OrganizationFilterSet,
    PersonFilterSet,
    SectorFilterSet,
    SourceFilterSet,
)
from diplomacy.api.pagination import KeysetPagination
from diplomacy.api.permissions import RegisterPermissions, check_publish_permission
from diplomacy.api.schema import ErrorDetailSerializer, RegisterAutoSchema
from diplomacy.api.summaries import StateSummarySerializer, TreatySummarySerializer
from diplomacy.caching import cached
from diplomacy.choices import RelationLevel
from diplomacy.comparison import ComparisonError, compare_treaties
from diplomacy.filtersets import (
    ProjectFilterSet,
    StateFilterSet,
    TreatyFilterSet,
    VisitFilterSet,
)
from diplomacy.models import Organization, Person, Project, Sector, Source, State, Treaty, Visit
from diplomacy.relations import cached_relation, on_date
from diplomacy.versions import if_match_passes, last_change, version_of
from diplomacy.visibility import can_view_drafts, visible_for_detail

# Writes to one record: its version is checked against If-Match first.
CONDITIONAL_ACTIONS = ("update", "partial_update", "destroy")
# "*" or entity tags in double quotes (weak ones with W/), as ETag gives them.
IF_MATCH = r'^(\*|(W/)?"[^"]*"(\s*,\s*(W/)?"[^"]*")*)$'
IF_MATCH_HELP = (
    "The ETag of the record as you last read it (or `*`): the write is refused "
    "with 412 if the record has changed since. Without If-Match the write proceeds."
)


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The record has changed since you read it."
    default_code = "precondition_failed"


class RecordInUse(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Other records still refer to this one."
    default_code = "in_use"


class RecordSchema(RegisterAutoSchema):
    """A record's ETag on its responses; If-Match and 412 on writes to it."""

    def conditional(self) -> bool:
        return self.method in ("PUT", "PATCH", "DELETE") and "{" in self.path

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if self.conditional():
            if_match = OpenApiParameter(
                "If-Match",
                {"type": "string", "pattern": IF_MATCH},
                OpenApiParameter.HEADER,
                description=IF_MATCH_HELP,
            )
            parameters.append(if_match)
        if self.method != "DELETE" and ("{" in self.path or self.method == "POST"):
            parameters.append(
                OpenApiParameter(
                    "ETag",
                    str,
                    OpenApiParameter.HEADER,
                    response=[200, 201],
                    description="The record's version, to send back in If-Match.",
                )
            )
        return parameters

    def get_response_serializers(self):
        serializer = super().get_response_serializers()
        if (
            self.method == "GET"
            and "{slug}" in self.path
            and is_serializer(serializer)
            and hasattr(self.view, "retrieve")
        ):
            moved = OpenApiResponse(
                description="The slug was this record's before an editor renamed it: "
                "Location gives its address now."
            )
            return {200: serializer, 301: moved}
        if not self.conditional() or not is_serializer(serializer):
            return serializer
        refused = OpenApiResponse(
            ErrorDetailSerializer,
            description="If-Match names another version: the record changed since it was read.",
        )
        if self.method == "DELETE":
            in_use = OpenApiResponse(
                ErrorDetailSerializer, description="Other records still refer to this one."
            )
            return {204: OpenApiResponse(description="Deleted."), 409: in_use, 412: refused}
        return {200: serializer, 412: refused}


class RecordViewSet(viewsets.ModelViewSet):
    """Anonymous clients see published records; accounts with ``view`` also see drafts.

    Each response about one record carries its version as ``ETag``; a write
    with an ``If-Match`` naming another version is refused (412), once its
    data is found valid. The check and the write share one transaction, the
    row locked from the read on. Writes take JSON.
    """

    model = None
    schema = RecordSchema()
    lookup_field = "slug"
    # What a slug may hold: any other address (a NUL byte, which PostgreSQL
    # refuses to compare) is a 404 before a query is made.
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    permission_classes = [RegisterPermissions]
    parser_classes = [JSONParser]
    # The keyset cursor walks the order the FilterSet's ``ordering`` offers, as the list pages do.
    pagination_class = KeysetPagination
    detail_serializer_class = None

    def get_queryset(self):
        if self.action == "retrieve":
            return visible_for_detail(self.request.user, self.model)
        manager = self.model.objects
        queryset = (
            manager.all() if can_view_drafts(self.request.user, self.model) else manager.published()
        )
        if self.action in CONDITIONAL_ACTIONS:
            # Locked until the write commits: no other write lands between
            # the If-Match check and this one.
            queryset = queryset.select_for_update(of=("self",))
        return queryset.for_list()

    def get_object(self):
        record = super().get_object()
        self.record = record
        if self.action in ("update", "partial_update", "destroy"):
            # The record is locked (``get_queryset``); its precondition is
            # evaluated before the request's content is processed (RFC 9110,
            # 13.2.1): a stale client learns first that the record changed.
            self.check_if_match(record)
        return record

    def retrieve(self, request, *args, **kwargs):
        try:
            return super().retrieve(request, *args, **kwargs)
        except Http404:
            # A citation made before an editor renamed the slug: the record
            # now, as the pages answer (reads only: a write names its record).
            slug = kwargs.get("slug")
            renamed = slug and self.model.objects.published().renamed_from(slug)
            if not renamed:
                raise
            namespace = request.resolver_match.namespace
            name = f"{namespace}:{self.basename}-detail" if namespace else f"{self.basename}-detail"
            url = reverse(name, kwargs={"slug": renamed.slug})
            query = request.META.get("QUERY_STRING")
            return HttpResponsePermanentRedirect(f"{url}?{query}" if query else url)

    def check_if_match(self, record) -> None:
        header = self.request.headers.get("If-Match")
        if header is None or if_match_passes(header, version_of(record)):
            return
        if not re.fullmatch(IF_MATCH, header.strip()):
            # A malformed header is a bad request, not a failed precondition.
            raise ValidationError(
                {
                    "If-Match": [
                        'Give "*" or entity tags in double quotes, as the ETag header gives '
                        "them; this one names no version of the record."
                    ]
                }
            )
        model = type(record)
        raise PreconditionFailed(
            f"This {model._meta.verbose_name} was changed {last_change(model, record.pk)}, "
            "after the version your If-Match names. GET it again, apply your change to "
            "what it says now, and send its new ETag in If-Match."
        )

    def update(self, request, *args, **kwargs):
        with transaction.atomic():
            return super().update(request, *args, **kwargs)

    def destroy(self, request, *args, **kwargs):
        with transaction.atomic():
            return super().destroy(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        record = getattr(self, "record", None)
        if (
            record is not None
            and isinstance(response, Response)
            and response.status_code in (200, 201)
        ):
            response.add_post_render_callback(lambda rendered: tag_version(rendered, record))
        return response

    def get_serializer_class(self):
        if self.action == "retrieve" and self.detail_serializer_class is not None:
            return self.detail_serializer_class
        return self.serializer_class

    def perform_create(self, serializer):
        check_publish_permission(self.request.user, self.model, None, serializer.validated_data)
        with transaction.atomic():
            serializer.save()
        self.record = serializer.instance

    def perform_update(self, serializer):
        check_publish_permission(
            self.request.user, self.model, serializer.instance, serializer.validated_data
        )
        with transaction.atomic():
            serializer.save()
        self.record = serializer.instance

    def perform_destroy(self, instance):
        try:
            with transaction.atomic():
                super().perform_destroy(instance)
        except (ProtectedError, RestrictedError) as exc:
            # Other records still refer to it (a party's state, a citation's source).
            kinds = sorted({str(type(record)._meta.verbose_name_plural) for record in exc.args[1]})
            raise RecordInUse(
                f"This {instance._meta.verbose_name} cannot be deleted: {', '.join(kinds)} "
                "still refer to it. Change or delete those first."
            ) from exc


def tag_version(response, record) -> None:
    """``ETag: "<version>.<digest>"``: the record's version, which If-Match is
    checked against, and a digest of the body, so that a conditional GET is
    not answered 304 when what the body shows of related records (a party's
    name) changed though the record did not."""
    digest = hashlib.md5(response.content, usedforsecurity=False).hexdigest()[:16]
    response["ETag"] = f'"{version_of(record)}.{digest}"'


class StateViewSet(RecordViewSet):
    model = State
    serializer_class = api.StateSerializer
    detail_serializer_class = api.StateDetailSerializer
    filterset_class = StateFilterSet
    # The public code (a current state's ISO alpha-2, su, auh); the URL's
    # parameter keeps its name.
    lookup_field = "code"
    lookup_url_kwarg = "iso2"
    lookup_value_regex = "[A-Za-z]{2,3}"

    def get_object(self):
        # Codes are stored in lower case and typed in either.
        self.kwargs["iso2"] = self.kwargs["iso2"].lower()
        try:
            return super().get_object()
        except Http404:
            raise Http404("No published state has this code.") from None


class PersonViewSet(RecordViewSet):
    model = Person
    serializer_class = api.PersonSerializer
    filterset_class = PersonFilterSet

    def get_queryset(self):
        return super().get_queryset().select_related("state")


class OrganizationViewSet(PersonViewSet):
    model = Organization
    serializer_class = api.OrganizationSerializer
    filterset_class = OrganizationFilterSet


class SectorViewSet(RecordViewSet):
    model = Sector
    serializer_class = api.SectorSerializer
    filterset_class = SectorFilterSet


class SourceViewSet(RecordViewSet):
    model = Source
    serializer_class = api.SourceSerializer
    filterset_class = SourceFilterSet


class TreatyViewSet(RecordViewSet):
    model = Treaty
    serializer_class = api.TreatySerializer
    detail_serializer_class = api.TreatyDetailSerializer
    filterset_class = TreatyFilterSet


class VisitViewSet(RecordViewSet):
    model = Visit
    serializer_class = api.VisitSerializer
    filterset_class = VisitFilterSet


class ProjectViewSet(RecordViewSet):
    model = Project
    serializer_class = api.ProjectSerializer
    filterset_class = ProjectFilterSet


class PeriodSerializer(serializers.Serializer):
    """A stretch of the level's history, with the treaty that carried it."""

    level = serializers.CharField()
    level_rank = serializers.IntegerField()
    start_on = serializers.CharField(
        allow_null=True, help_text="ISO date at its precision; null when it began after an end"
    )
    start_on_precision = serializers.CharField(allow_null=True)
    after = serializers.CharField(
        allow_null=True, help_text="It began the day after this end (ISO date at its precision)"
    )
    end_on = serializers.CharField(
        allow_null=True, help_text="Its last day when an end or exit closed it"
    )
    end_on_precision = serializers.CharField(allow_null=True)
    until = serializers.DateField(
        allow_null=True, help_text="The first day after it (null: it lasts)"
    )
    treaty = TreatySummarySerializer(allow_null=True)
    by_signature = serializers.BooleanField()


class RelationSerializer(serializers.Serializer):
    a = StateSummarySerializer()
    b = StateSummarySerializer()
    level = serializers.CharField(help_text=", ".join(level.code for level in RelationLevel))
    level_rank = serializers.IntegerField(help_text="0 none … 3 alliance")
    level_label = serializers.CharField()
    reached_on = serializers.CharField(allow_null=True, help_text="ISO date at its precision")
    reached_on_precision = serializers.CharField(allow_null=True)
    reached_by = TreatySummarySerializer(allow_null=True)
    on = serializers.DateField(allow_null=True, help_text="The day the level is for (null: today).")
    by_signature = serializers.BooleanField(
        help_text="The treaty carrying the level counts from its signature only "
        "(no entry into force recorded)."
    )
    commitments = serializers.ListField(
        child=serializers.DictField(child=serializers.CharField()),
        help_text="Commitment kinds in force between them on the day: {kind, label}; an "
        "alliance whose security commitments are only consultation, neutrality or "
        "non-aggression ranks as a strategic partnership (/about/).",
    )
    history = PeriodSerializer(many=True)
    treaties = api.TreatySerializer(many=True)
    visits = api.VisitSerializer(many=True)
    projects = api.ProjectSerializer(many=True)


def period_data(period, context) -> dict:
    start, end = period.start, period.end
    return {
        "level": period.level.code,
        "level_rank": int(period.level),
        "start_on": start.iso if start else None,
        "start_on_precision": start.precision if start else None,
        "after": period.after.iso if period.after else None,
        "end_on": end.iso if end else None,
        "end_on_precision": end.precision if end else None,
        "until": period.stop_day.isoformat() if period.stop_day else None,
        "treaty": TreatySummarySerializer(period.treaty, context=context).data
        if period.treaty
        else None,
        "by_signature": period.by_signature,
    }


class RelationsView(APIView):
    """The derived relations of two states (either order gives the same answer)."""

    permission_classes = [RegisterPermissions]

    def get_queryset(self):
        # For the permission class: reading is open, relations are derived, never written.
        return State.objects.none()

    @extend_schema(
        responses={
            200: RelationSerializer,
            400: OpenApiResponse(
                inline_serializer(
                    "RelationDateError",
                    {
                        "on": serializers.ListField(child=serializers.CharField(), required=False),
                        "detail": serializers.CharField(required=False),
                    },
                ),
                description="``on`` is not a date of the form YYYY-MM-DD (``on``), "
                "or the query string is malformed (``detail``).",
            ),
        },
        parameters=[
            OpenApiParameter("a", str, OpenApiParameter.PATH, description="ISO alpha-2, e.g. az"),
            OpenApiParameter("b", str, OpenApiParameter.PATH, description="ISO alpha-2, e.g. uz"),
            OpenApiParameter(
                "on",
                str,
                OpenApiParameter.QUERY,
                description="YYYY-MM-DD: the level on that day (default today)",
                pattern=r"^(?:[0-9]{4}-[0-9]{2}-[0-9]{2})?$",  # empty: today
            ),
        ],
    )
    def get(self, request, a, b):
        on, problem = on_date(request.query_params.get("on"))
        if problem:
            raise ValidationError({"on": [problem]})
        states = {
            s.code: s for s in State.objects.published().filter(code__in=[a.lower(), b.lower()])
        }
        first, second = states.get(a.lower()), states.get(b.lower())
        if first is None or second is None or first.pk == second.pk:
            raise Http404("Give two different published states by ISO alpha-2 code.")
        # The answer is the same for every reader until the data changes: kept
        # per data version as plain data (the pair's records serialized once:
        # at 1,000,000 treaties a busy pair's 50 treaties with all their party
        # rows are 350 KB, 50 ms of serializing).
        day = (on or timezone.localdate()).isoformat()
        site = request.build_absolute_uri("/")
        key = f"api-relation:{site}:{first.pk}:{second.pk}:{day}:{on is None}"
        return Response(cached(key, lambda: self.relation_data(request, first, second, on)))

    @staticmethod
    def relation_data(request, first, second, on) -> dict:
        relation = cached_relation(first, second, on=on)
        context = {"request": request}
        reached = relation.reached
        return {
            "a": StateSummarySerializer(first, context=context).data,
            "b": StateSummarySerializer(second, context=context).data,
            "level": relation.level.code,
            "level_rank": int(relation.level),
            "level_label": relation.level.label,
            "reached_on": reached.iso if reached else None,
            "reached_on_precision": reached.precision if reached else None,
            "reached_by": TreatySummarySerializer(relation.reached_by, context=context).data
            if relation.reached_by
            else None,
            "on": on.isoformat() if on else None,
            "by_signature": relation.by_signature,
            # What binds the pair on the day (SPEC 3.11): commitment kinds in force.
            "commitments": [{"kind": k.value, "label": k.label} for k in relation.commitments],
            "history": [period_data(period, context) for period in relation.history],
            "treaties": api.TreatySerializer(relation.treaties, many=True, context=context).data,
            "visits": api.VisitSerializer(relation.visits, many=True, context=context).data,
            "projects": api.ProjectSerializer(relation.projects, many=True, context=context).data,
        }


class TreatyCompareView(APIView):
    """Commitments of 2 to 6 treaties side by side (SPEC 3.11): rows are the
    commitment kinds present in any of them, cells each treaty's commitments
    of that kind (empty: none recorded)."""

    permission_classes = [RegisterPermissions]

    def get_queryset(self):
        # For the permission class: reading is open, a comparison is never written.
        return Treaty.objects.none()

    @extend_schema(
        responses={
            200: api.ComparisonSerializer,
            400: OpenApiResponse(ErrorDetailSerializer, description="Not 2 to 6 treaties."),
        },
        parameters=[
            OpenApiParameter(
                "t", str, OpenApiParameter.QUERY, many=True, required=True,
                description="A treaty's slug; give 2 to 6.",
            ),
        ],
    )  # fmt: skip
    def get(self, request):
        try:
            treaties, rows = compare_treaties(request.query_params.getlist("t"))
        except ComparisonError as exc:
            raise ValidationError({"detail": str(exc)}) from exc
        context = {"request": request}
        return Response(
            {
                "treaties": TreatySummarySerializer(treaties, many=True, context=context).data,
                "rows": [
                    {
                        "kind": kind.value,
                        "label": kind.label,
                        "cells": [
                            api.CommitmentSerializer(cell, many=True, context=context).data
                            for cell in cells
                        ],
                    }
                    for kind, cells in rows
                ],
            }
        )


class TokenView(ObtainAuthToken):
    """DRF's token endpoint, telling a locked-out client why. django-axes
    refuses every login of a username from an address after too many
    failures; Django's ``authenticate`` turns its refusal into "no user", so
    DRF would answer "Unable to log in" even to the right password, and the
    client would keep trying (each try a failure)."""

    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except ValidationError:
            if not getattr(request, "axes_locked_out", False):
                raise
            cool_off = get_cool_off(request)
            wait = None if cool_off is None else int(cool_off.total_seconds())
            raise Throttled(
                wait=wait,
                detail="Too many failed logins for this account from this address: "
                "logins are refused for a while (Retry-After says how long).",
            ) from None
