"""Moved to ``diplomacy.pagination``; this name goes once its last importers move."""

import sys

from diplomacy import pagination

sys.modules[__name__] = pagination
