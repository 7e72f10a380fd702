"""A commitment kind's version (its last write), so that two editors' changes
to one kind are refused, not merged (diplomacy.admin.base.VersionedAdmin)."""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("diplomacy", "0021_cow_start_is_no_founding_date")]

    operations = [
        migrations.AddField(
            model_name="commitmentkind",
            name="updated_at",
            field=models.DateTimeField(auto_now=True),
        ),
        migrations.AddField(
            model_name="historicalcommitmentkind",
            name="updated_at",
            field=models.DateTimeField(blank=True, default=django.utils.timezone.now, editable=False),
            preserve_default=False,
        ),
    ]
