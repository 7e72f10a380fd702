"""The API's viewsets: the same FilterSets and querysets as the public pages."""

from django.db import transaction
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from diplomacy.api import serializers as api
from diplomacy.api.pagination import KeysetPagination
from diplomacy.api.permissions import RegisterPermissions, check_publish_permission
from diplomacy.filtersets import (
    ProjectFilterSet,
    StateFilterSet,
    TreatyFilterSet,
    VisitFilterSet,
)
from diplomacy.models import Organization, Person, Project, Sector, Source, State, Treaty, Visit
from diplomacy.models.base import get_compiled
from diplomacy.relations import cached_relation
from diplomacy.visibility import can_view_drafts, visible_for_detail


class RecordViewSet(viewsets.ModelViewSet):
    """Anonymous clients see published records; accounts with ``view`` also see drafts."""

    model = None
    lookup_field = "slug"
    permission_classes = [RegisterPermissions]
    pagination_class = KeysetPagination
    keyset_orderings: dict[str, str] = {}
    keyset_default = "-pk"
    detail_serializer_class = None

    def get_queryset(self):
        if self.action == "retrieve":
            return visible_for_detail(self.request.user, self.model)
        manager = self.model.objects
        queryset = (
            manager.all() if can_view_drafts(self.request.user, self.model) else manager.published()
        )
        return queryset.for_list()

    def get_object(self):
        # A plain read of a record (no filter parameters, which DRF would also
        # apply to it) runs the record page's SQL, compiled once per process:
        # compiling the detail query took longer than running it.
        if self.action != "retrieve" or self.filters_asked():
            return super().get_object()
        queryset = self.get_queryset()
        # Only the queryset kept for the process: the compiled SQL is cached
        # by the queryset's identity, and a viewset that builds its own per
        # request (people: ``select_related``) would add an entry each time.
        if queryset is not visible_for_detail(self.request.user, self.model):
            return super().get_object()
        key = self.kwargs[self.lookup_url_kwarg or self.lookup_field]
        record = get_compiled(queryset, self.lookup_field, key)
        if record is None:
            raise Http404(f"No {self.model._meta.object_name} matches the given query.")
        self.check_object_permissions(self.request, record)
        return record

    def filters_asked(self) -> bool:
        filterset = getattr(self, "filterset_class", None)
        if filterset is None:
            return False
        return any(name in self.request.query_params for name in filterset.base_filters)

    def get_serializer_class(self):
        if self.action == "retrieve" and self.detail_serializer_class is not None:
            return self.detail_serializer_class
        return self.serializer_class

    def perform_create(self, serializer):
        check_publish_permission(self.request.user, self.model, None, serializer.validated_data)
        with transaction.atomic():
            serializer.save()

    def perform_update(self, serializer):
        check_publish_permission(
            self.request.user, self.model, serializer.instance, serializer.validated_data
        )
        with transaction.atomic():
            serializer.save()


class StateViewSet(RecordViewSet):
    model = State
    serializer_class = api.StateSerializer
    filterset_class = StateFilterSet
    lookup_field = "iso2"
    lookup_value_regex = "[A-Za-z]{2}"
    keyset_orderings = StateFilterSet.keyset_orderings
    keyset_default = StateFilterSet.keyset_default

    def get_object(self):
        queryset = self.filter_queryset(self.get_queryset())
        try:
            state = queryset.get(iso2=self.kwargs["iso2"].upper())
        except State.DoesNotExist:
            raise Http404("No published state has this code.") from None
        self.check_object_permissions(self.request, state)
        return state


class PersonViewSet(RecordViewSet):
    model = Person
    serializer_class = api.PersonSerializer
    keyset_orderings = {"name": "name"}
    keyset_default = "name"

    def get_queryset(self):
        return super().get_queryset().select_related("state")


class OrganizationViewSet(PersonViewSet):
    model = Organization
    serializer_class = api.OrganizationSerializer


class SectorViewSet(RecordViewSet):
    model = Sector
    serializer_class = api.SectorSerializer
    keyset_orderings = {"name": "name"}
    keyset_default = "name"


class SourceViewSet(RecordViewSet):
    model = Source
    serializer_class = api.SourceSerializer
    keyset_orderings = {"title": "title"}
    keyset_default = "title"


class TreatyViewSet(RecordViewSet):
    model = Treaty
    serializer_class = api.TreatySerializer
    detail_serializer_class = api.TreatyDetailSerializer
    filterset_class = TreatyFilterSet
    keyset_orderings = TreatyFilterSet.keyset_orderings
    keyset_default = TreatyFilterSet.keyset_default


class VisitViewSet(RecordViewSet):
    model = Visit
    serializer_class = api.VisitSerializer
    filterset_class = VisitFilterSet
    keyset_orderings = VisitFilterSet.keyset_orderings
    keyset_default = VisitFilterSet.keyset_default


class ProjectViewSet(RecordViewSet):
    model = Project
    serializer_class = api.ProjectSerializer
    filterset_class = ProjectFilterSet
    keyset_orderings = ProjectFilterSet.keyset_orderings
    keyset_default = ProjectFilterSet.keyset_default


class RelationSerializer(serializers.Serializer):
    a = api.StateSummarySerializer()
    b = api.StateSummarySerializer()
    level = serializers.CharField(
        help_text="none, diplomatic_relations, strategic_partnership, alliance"
    )
    level_rank = serializers.IntegerField(help_text="0 none … 3 alliance")
    level_label = serializers.CharField()
    reached_on = serializers.CharField(allow_null=True, help_text="ISO date at its precision")
    reached_on_precision = serializers.CharField(allow_null=True)
    reached_by = api.TreatySummarySerializer(allow_null=True)
    treaties = api.TreatySerializer(many=True)
    visits = api.VisitSerializer(many=True)
    projects = api.ProjectSerializer(many=True)


LEVEL_CODES = {0: "none", 1: "diplomatic_relations", 2: "strategic_partnership", 3: "alliance"}


class RelationsView(APIView):
    """The derived relations of two states (either order gives the same answer)."""

    permission_classes = [RegisterPermissions]

    def get_queryset(self):
        # For the permission class: reading is open, relations are derived, never written.
        return State.objects.none()

    @extend_schema(
        responses=RelationSerializer,
        parameters=[
            OpenApiParameter("a", str, OpenApiParameter.PATH, description="ISO alpha-2, e.g. az"),
            OpenApiParameter("b", str, OpenApiParameter.PATH, description="ISO alpha-2, e.g. uz"),
        ],
    )
    def get(self, request, a, b):
        states = {
            s.iso2: s for s in State.objects.published().filter(iso2__in=[a.upper(), b.upper()])
        }
        first, second = states.get(a.upper()), states.get(b.upper())
        if first is None or second is None or first.pk == second.pk:
            raise Http404("Give two different published states by ISO alpha-2 code.")
        relation = cached_relation(first, second)
        context = {"request": request}
        reached = relation.reached
        return Response(
            {
                "a": api.StateSummarySerializer(first, context=context).data,
                "b": api.StateSummarySerializer(second, context=context).data,
                "level": LEVEL_CODES[int(relation.level)],
                "level_rank": int(relation.level),
                "level_label": relation.level.label,
                "reached_on": reached.iso if reached else None,
                "reached_on_precision": reached.precision if reached else None,
                "reached_by": api.TreatySummarySerializer(relation.reached_by, context=context).data
                if relation.reached_by
                else None,
                "treaties": api.TreatySerializer(
                    relation.treaties, many=True, context=context
                ).data,
                "visits": api.VisitSerializer(relation.visits, many=True, context=context).data,
                "projects": api.ProjectSerializer(
                    relation.projects, many=True, context=context
                ).data,
            }
        )
