from diplomacy.models.base import CuratedModel, CuratedQuerySet
from diplomacy.models.commitments import Commitment, CommitmentKind
from diplomacy.models.data_version import DataVersion
from diplomacy.models.import_jobs import ImportJob
from diplomacy.models.projects import Project, ProjectCitation, ProjectState
from diplomacy.models.reference import (
    Organization,
    OrganizationCitation,
    Person,
    PersonCitation,
    Sector,
    State,
    StateCitation,
)
from diplomacy.models.sources import Citation, Source
from diplomacy.models.states import (
    CodeScheme,
    StateCode,
    StateCodes,
    StatePeriod,
    StateSuccession,
    SuccessionKind,
    UnknownStateCode,
)
from diplomacy.models.treaties import (
    Treaty,
    TreatyCitation,
    TreatyIdentifier,
    TreatyParty,
    TreatyRelation,
)
from diplomacy.models.visits import Visit, VisitCitation

__all__ = [
    "Citation",
    "CodeScheme",
    "Commitment",
    "CommitmentKind",
    "CuratedModel",
    "CuratedQuerySet",
    "DataVersion",
    "ImportJob",
    "Organization",
    "OrganizationCitation",
    "Person",
    "PersonCitation",
    "Project",
    "ProjectCitation",
    "ProjectState",
    "Sector",
    "Source",
    "State",
    "StateCitation",
    "StateCode",
    "StateCodes",
    "StatePeriod",
    "StateSuccession",
    "SuccessionKind",
    "Treaty",
    "TreatyCitation",
    "TreatyIdentifier",
    "TreatyParty",
    "TreatyRelation",
    "UnknownStateCode",
    "Visit",
    "VisitCitation",
]

# Models that carry citations, each with its concrete citation model.
CITED_MODELS = {
    State: StateCitation,
    Person: PersonCitation,
    Organization: OrganizationCitation,
    Treaty: TreatyCitation,
    Visit: VisitCitation,
    Project: ProjectCitation,
}
