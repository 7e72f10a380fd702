"""Controlled vocabularies shared by models, filters, admin and API."""

from django.db import models


class DatePrecision(models.TextChoices):
    DAY = "day", "Day"
    MONTH = "month", "Month"
    YEAR = "year", "Year"


class OrganizationKind(models.TextChoices):
    MINISTRY = "ministry", "Ministry"
    STATE_COMPANY = "state_company", "State company"
    INTERNATIONAL = "international", "International organization"
    AGENCY = "agency", "Agency"
    OTHER = "other", "Other"


class TreatyKind(models.TextChoices):
    DIPLOMATIC_RELATIONS = "diplomatic_relations", "Diplomatic relations"
    FRIENDSHIP = "friendship", "Friendship"
    STRATEGIC_PARTNERSHIP = "strategic_partnership", "Strategic partnership"
    ALLIANCE = "alliance", "Alliance"
    TREATY = "treaty", "Treaty"
    AGREEMENT = "agreement", "Agreement"
    MEMORANDUM = "memorandum", "Memorandum"
    PROTOCOL = "protocol", "Protocol"
    PROGRAMME = "programme", "Programme"
    DECLARATION = "declaration", "Declaration"
    CONVENTION = "convention", "Convention"
    OTHER = "other", "Other"


# Kinds that define a relation between exactly the states that sign them; such a
# document needs at least two parties.
BILATERAL_KINDS = frozenset(
    {
        TreatyKind.DIPLOMATIC_RELATIONS,
        TreatyKind.FRIENDSHIP,
        TreatyKind.STRATEGIC_PARTNERSHIP,
        TreatyKind.ALLIANCE,
    }
)


class TreatyStatus(models.TextChoices):
    NEGOTIATING = "negotiating", "Under negotiation"
    SIGNED = "signed", "Signed"
    RATIFIED = "ratified", "Ratified"
    IN_FORCE = "in_force", "In force"
    SUSPENDED = "suspended", "Suspended"
    TERMINATED = "terminated", "Terminated"
    EXPIRED = "expired", "Expired"


# Statuses under which a signed document still binds its parties (SPEC 3.8:
# "in force, or signed and not ended").
ACTIVE_TREATY_STATUSES = (TreatyStatus.SIGNED, TreatyStatus.RATIFIED, TreatyStatus.IN_FORCE)


class ConsentMode(models.TextChoices):
    """How a party consented to be bound (SPEC 3.10; Vienna Convention arts. 11-18)."""

    SIGNATURE = "signature", "Signature"
    RATIFICATION = "ratification", "Ratification"
    ACCESSION = "accession", "Accession"
    ACCEPTANCE_APPROVAL = "acceptance_approval", "Acceptance or approval"
    SUCCESSION = "succession", "Succession"


class ExitKind(models.TextChoices):
    """How a party stopped being one (SPEC 3.10)."""

    WITHDRAWAL = "withdrawal", "Withdrawal"
    DENUNCIATION = "denunciation", "Denunciation"
    CEASED = "ceased", "Ceased to be a party"


class TreatyRelationKind(models.TextChoices):
    SUPERSEDES = "supersedes", "Supersedes"
    AMENDS = "amends", "Amends"
    IMPLEMENTS = "implements", "Implements"


class VisitKind(models.TextChoices):
    STATE = "state", "State visit"
    OFFICIAL = "official", "Official visit"
    WORKING = "working", "Working visit"
    DELEGATION = "delegation", "Delegation"
    SUMMIT = "summit", "Summit"
    OTHER = "other", "Other"


class VisitLevel(models.TextChoices):
    HEAD_OF_STATE = "head_of_state", "Head of state"
    HEAD_OF_GOVERNMENT = "head_of_government", "Head of government"
    MINISTER = "minister", "Minister"
    PARLIAMENT = "parliament", "Parliament"
    DELEGATION = "delegation", "Delegation"
    OTHER = "other", "Other"


class ProjectKind(models.TextChoices):
    INVESTMENT = "investment", "Investment"
    INFRASTRUCTURE = "infrastructure", "Infrastructure"
    INDUSTRIAL = "industrial", "Industrial"
    ENERGY = "energy", "Energy"
    EDUCATIONAL = "educational", "Educational"
    CULTURAL = "cultural", "Cultural"
    HUMANITARIAN = "humanitarian", "Humanitarian"
    PROGRAMME = "programme", "Programme"
    OTHER = "other", "Other"


class ProjectStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    AGREED = "agreed", "Agreed"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    SUSPENDED = "suspended", "Suspended"
    CANCELLED = "cancelled", "Cancelled"


class RelationLevel(models.IntegerChoices):
    """The ladder of SPEC 3.8; higher is closer. Everything that names a
    level (the API, the pages, their CSS classes) takes its name from here."""

    NONE = 0, "No recorded relation"
    DIPLOMATIC_RELATIONS = 1, "Diplomatic relations"
    STRATEGIC_PARTNERSHIP = 2, "Strategic partnership"
    ALLIANCE = 3, "Alliance"

    @property
    def code(self) -> str:
        """Its name in the API and in CSS classes: ``strategic_partnership``."""
        return self.name.lower()

    @property
    def partners_label(self) -> str:
        """The heading of a state's partners at this level."""
        return {3: "Allies", 2: "Strategic partners", 1: "Diplomatic relations"}.get(self, "")


# Which treaty kind establishes which rung of the ladder.
RELATION_LEVEL_BY_KIND = {
    TreatyKind.DIPLOMATIC_RELATIONS: RelationLevel.DIPLOMATIC_RELATIONS,
    TreatyKind.STRATEGIC_PARTNERSHIP: RelationLevel.STRATEGIC_PARTNERSHIP,
    TreatyKind.ALLIANCE: RelationLevel.ALLIANCE,
}


class IdentifierScheme(models.TextChoices):
    """Registers a treaty can be found in; ``other`` takes a free scheme name."""

    UNTS = "unts", "UN Treaty Series registration number"
    ATOP = "atop", "ATOP alliance identifier"
    WIKIDATA = "wikidata", "Wikidata item"
    OTHER = "other", "Other register"
