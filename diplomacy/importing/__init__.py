"""Bulk import of treaties, visits and projects from CSV or JSON (SPEC 6).

All-or-nothing: every row is parsed and validated first, and nothing is
written when any row fails. Only the columns a file has are changed (SPEC 8):
an absent column leaves a field or a to-many relation as it is, an empty cell
clears it. Idempotent: records are matched by slug (or, for treaties, an
external identifier) and only changed ones are written. Streaming: the file is
read twice and never held in memory, so 100,000 rows take the memory of a few
thousand.
"""

from diplomacy.importing.dispatch import import_file
from diplomacy.importing.report import ImportReport, PreviewRow, RowError

__all__ = ["ImportReport", "PreviewRow", "RowError", "import_file"]
