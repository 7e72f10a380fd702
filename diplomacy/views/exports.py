"""Downloads of what belongs to the listed treaties: their parties over time
(memberships) and their commitments, each with the columns of its import kind.

They take the treaty list's filters and hold the rows of the treaties it
lists (published treaties only; a party that is a draft state is left out, as
on the list). ``commitment`` also narrows the commitments file to those kinds.
"""

from django.db.models import Prefetch

from diplomacy import exports
from diplomacy.models import Commitment, State, TreatyParty
from diplomacy.models.commitments import commitment_kind_ids
from diplomacy.views.lists import TreatyListView


class MembershipExportView(TreatyListView):
    export = "csv"
    export_name = "memberships"
    csv_columns = exports.MEMBERSHIP_COLUMNS
    csv_prefetch = ()

    def export_rows(self, treaties):
        return (
            TreatyParty.objects.filter(treaty__in=treaties.order_by().values("pk"))
            .filter(state__is_published=True)
            .select_related("treaty", "state")
            .order_by("treaty__slug", "state__name", "state__pk")
        )


class CommitmentExportView(TreatyListView):
    export = "csv"
    export_name = "commitments"
    csv_columns = exports.COMMITMENT_COLUMNS
    csv_prefetch = ()

    def export_rows(self, treaties):
        rows = Commitment.objects.filter(treaty__in=treaties.order_by().values("pk"))
        kinds = self.request.GET.getlist("commitment")
        if kinds:
            # The filter has checked the values: each names a kind.
            ids = commitment_kind_ids()
            rows = rows.filter(kind_id__in=[ids.get(value.strip().lower()) for value in kinds])
        return (
            rows.select_related("treaty", "kind", "source")
            .prefetch_related(
                Prefetch("parties_bound", queryset=State.objects.order_by("name", "pk"))
            )
            .order_by("treaty__slug", "kind__order", "kind__value", "article", "quote", "pk")
        )
