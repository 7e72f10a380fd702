import secrets

from django.db import migrations, models


def first_version(apps, schema_editor):
    data_version = apps.get_model("diplomacy", "DataVersion")
    data_version.objects.using(schema_editor.connection.alias).create(
        id=1, version=secrets.randbits(62)
    )


class Migration(migrations.Migration):

    dependencies = [
        ("diplomacy", "0010_reject_control_characters"),
    ]

    operations = [
        migrations.CreateModel(
            name="DataVersion",
            fields=[
                (
                    "id",
                    models.PositiveSmallIntegerField(
                        default=1, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("version", models.BigIntegerField()),
            ],
            options={
                "verbose_name": "data version",
            },
        ),
        migrations.RunPython(first_version, migrations.RunPython.noop),
    ]
