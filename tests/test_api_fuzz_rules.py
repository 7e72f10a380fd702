"""What schemathesis's ``positive_data_acceptance`` cannot know about the register.

That check sends requests the schema calls valid and expects them accepted.
Some valid requests are refused for what the register holds at that moment,
or for a rule between fields that a JSON schema cannot state; each is a 400
(or 412) that names its reason, and is right:

- a ``cursor`` the server did not issue (it is opaque: only a response's
  ``next`` or ``previous`` link gives a valid one);
- a related record's key (a state code, a slug) that no published record has:
  a filter must not tell a draft from a missing record, a write must not link
  to nothing;
- a key (slug, code, name) another record already has;
- an ``If-Match`` naming another version than the record's current one
  (412, SPEC section 8);
- wrong credentials at the token endpoint, or a NUL in them (the endpoint is
  DRF's own view, whose documented fields do not say they refuse NUL);
- a rule between fields: dates in order, host and guest states differ, a
  treaty's party count for its kind, no state twice, a value with its currency;
- a state with neither its public code nor an ISO alpha-2 code to take it from;
- treaties to compare that are not 2 to 6 different published ones;
- more than ten different states (or sectors) in one repeatable filter: a
  count of different values, which no JSON schema keyword states (``maxItems``
  counts repeats too, which the filter counts once);
- a date of the documented shape that the calendar does not have
  (``2024-13-45``, ``on=0000-00-00``), or a written date (``August 2024``)
  in a form the field's description does not list: the forms people write
  are documented in words, and no JSON schema pattern states the calendar;
- a link Django's URL rule refuses though it is a URI, the schema's ``format``
  (a host label longer than 63 characters, say): the rule is Django's own
  regular expression, which no JSON schema format states.

``positive_data_acceptance_of_the_register`` is the built-in check but for
exactly these refusals, recognized by their messages; any other refusal of a
valid request still fails. The pytest fuzzing runs it in place of the
built-in one, and so does the CLI through this module as its hooks::

    SCHEMATHESIS_HOOKS=tests.test_api_fuzz_rules schemathesis run --checks all \\
        --exclude-checks positive_data_acceptance ...

The module imports no Django, so the CLI can load it as it is.
"""

import json
import re

import schemathesis
from schemathesis.specs.openapi.checks import positive_data_acceptance

# What If-Match takes, as the schema documents it (diplomacy.api.views.IF_MATCH).
IF_MATCH = re.compile(r'^(\*|(W/)?"[^"]*"(\s*,\s*(W/)?"[^"]*")*)$')
NUL_REFUSED = "Null characters are not allowed."
# The filters that name a related record, and what a filter says of one it does not know.
REFERENCE_FILTERS = {"party", "state", "host", "guest", "sector", "person", "commitment"}
UNKNOWN_CHOICE = re.compile(r"^Select a valid choice\. .* is not one of the available choices\.$")
# Each refusal for the register's state or a rule between fields, by its message.
STATE_OR_CROSS_FIELD = [
    re.compile(pattern)
    for pattern in (
        r"^Invalid cursor: ",
        r"^Unknown state code “.*”: use an ISO 3166-1 alpha-2 code\.$",
        r"^Object with slug=.* does not exist\.$",
        r"^\w[\w -]* with this [\w -]+ already exists\.$",
        r"^Unable to log in with provided credentials\.$",
        r"^Cannot be before ",
        r"^The guest state must differ from the host state\.$",
        r"^An? [\w ]+ document needs at least two parties\.$",
        r"^Listed twice: .+\.$",
        # A commitment binds parties only (those sent, or the treaty's).
        r"^.+ (is not a party|are not parties) to the treaty: a commitment binds only its ",
        r"^A value needs its ISO 4217 currency\.$",
        r"^A currency was given without a value\.$",
        r"^Enter a valid URL\.$",
        r"^Give at most \d+ different values for “\w+”; \d+ were given\.$",
        # Bounds in the wrong order (year_min after year_max, value_min above value_max).
        r"^“[\w ]+” \([^)]*\) is (before|less than) “[\w ]+” \([^)]*\): swap them or change one\.$",
        # Treaties to compare: 2 to 6 different published ones (a count of
        # different values again, and the register's state).
        r"^Compare \d+ to \d+ different treaties \(\d+ chosen\): ",
        r"^No published treaty at: ",
        # A state needs its public code, given or taken from its ISO alpha-2 code.
        r"^Give the state's public code",
        # A key (a commitment kind's value, a source's slug) no record has, or
        # could have: keys hold no control character and are valid text.
        r"^Object with value=.* does not exist\.$",
        r"^Contains a control character \(U\+[0-9A-F]{4,6}\); remove it\.$",
        r"^Not valid text \(a lone surrogate\)\.$",
        # The API takes no NUL anywhere in a query string (a free-text
        # parameter's schema cannot say so without a pattern that hides the rest).
        r"^The query string contains a NUL character\.$",
        # Dates: the calendar, and the written forms (diplomacy.partial_dates).
        r"^Give a date as YYYY-MM-DD",
        r"^Date has wrong format\. Use one of these formats instead: ",
        r"^Enter a valid date\.$",
        r"^“.*” is not a date(: |\.$)",
        r"^.* does not exist\.$",
        r"^“.*”: (there is no month \d+|the year is out of range)\.$",
        r"^“.*” in “.*” is not the name of a month",
    )
]


def messages(errors) -> list[str]:
    """Every message in a 400's body, however nested (a party's errors are a list of dicts)."""
    if isinstance(errors, dict):
        return [m for value in errors.values() for m in messages(value)]
    if isinstance(errors, list):
        return [m for value in errors for m in messages(value)]
    return [str(errors)]


def refused_for_the_registers_state(case, status_code: int, body: bytes | str) -> bool:
    """Whether a refusal of a valid request is one of those this module lists,
    or of a request that was not valid after all."""
    if status_code == 412:
        # If-Match named another version: only the current one passes.
        return True
    if status_code != 400:
        return False
    try:
        errors = json.loads(body)
    except ValueError:
        return False
    if not isinstance(errors, dict) or not errors:
        return False
    for name, value in errors.items():
        found = messages(value)
        if name == "If-Match" and not IF_MATCH.match((case.headers or {}).get("If-Match", "")):
            # The generator's value for If-Match does not meet its documented pattern.
            continue
        if case.path.endswith("/auth/token/") and all(m == NUL_REFUSED for m in found):
            continue
        unknown_filter_value = case.method == "GET" and name in REFERENCE_FILTERS
        if unknown_filter_value and all(UNKNOWN_CHOICE.match(m) for m in found):
            continue
        if not all(any(rule.match(m) for rule in STATE_OR_CROSS_FIELD) for m in found):
            return False
    return True


@schemathesis.check
def positive_data_acceptance_of_the_register(ctx, response, case):
    """``positive_data_acceptance`` but for the refusals listed in this module."""
    if refused_for_the_registers_state(case, response.status_code, response.content):
        return None
    return positive_data_acceptance(ctx, response, case)
