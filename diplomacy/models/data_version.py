"""The version of the register's data, kept in the database with the data."""

from django.db import models


class DataVersion(models.Model):
    """One row. Every change to the register's data gives ``version`` a new
    value in the same transaction (``diplomacy.caching.data_changed``), so
    the new version becomes visible exactly when the changed rows do, on the
    primary and on each replica alike. Caches key what they keep by it."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    version = models.BigIntegerField()

    class Meta:
        verbose_name = "data version"

    def __str__(self) -> str:
        return f"{self.version:x}"
