from diplomacy.admin import records, reference  # noqa: F401  (registers the model admins)
