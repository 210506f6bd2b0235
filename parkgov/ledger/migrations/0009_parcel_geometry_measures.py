"""The perimeter and validity kept with each parcel's geometry (issue 17 §1: the topology check reads them instead
of decoding a million geometries), filled for the parcels drawn before."""

from django.db import migrations, models

BATCH = 2000


def fill(apps, schema_editor):
    from parkgov.ledger import geometry

    Parcel = apps.get_model("ledger", "Parcel")
    drawn = Parcel.objects.exclude(geometry=None).order_by("pk")
    last = 0
    while True:
        batch = list(drawn.filter(pk__gt=last).only("pk", "geometry")[:BATCH])
        if not batch:
            return
        geoms, broken = geometry.decode_wkb([p.geometry for p in batch])
        _areas, lengths = geometry.projected_measures(geoms)
        for parcel, length, reason, unread in zip(batch, lengths, geometry.invalid_reasons(geoms), broken):
            parcel.computed_perimeter_m = None if length != length else round(float(length), 3)
            parcel.geometry_problem = (unread or reason)[:255]
        Parcel.objects.bulk_update(batch, ["computed_perimeter_m", "geometry_problem"])
        last = batch[-1].pk


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0008_parcel_validity'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalparcel',
            name='computed_perimeter_m',
            field=models.FloatField(blank=True, editable=False, null=True, verbose_name='图形周长（米）'),
        ),
        migrations.AddField(
            model_name='historicalparcel',
            name='geometry_problem',
            field=models.CharField(blank=True, editable=False, max_length=255, verbose_name='图形无效原因'),
        ),
        migrations.AddField(
            model_name='parcel',
            name='computed_perimeter_m',
            field=models.FloatField(blank=True, editable=False, null=True, verbose_name='图形周长（米）'),
        ),
        migrations.AddField(
            model_name='parcel',
            name='geometry_problem',
            field=models.CharField(blank=True, editable=False, max_length=255, verbose_name='图形无效原因'),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
