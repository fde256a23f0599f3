"""SQLite only: the index the results' read of the totals is answered from (kaohe.cycles.totals)."""

from django.db import migrations

from kaohe.cycles import totals


def install(apps, schema_editor):
    totals.install_read_index(schema_editor.connection)


def uninstall(apps, schema_editor):
    totals.uninstall_read_index(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ("cycles", "0005_item_departments"),
    ]

    operations = [
        migrations.RunPython(install, uninstall),
    ]
