"""A record may have other names readers search for: its full official name where the source
uses a short one, such as 香港金融管理局 for the article's 金管局. No data here: the curated
fixtures give them, and a measure's search document includes them when it is next written."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("measures", "0028_approximation_about_or_nearly")]

    operations = [
        migrations.AddField(
            model_name=name,
            name="other_names",
            field=models.CharField(
                blank=True,
                help_text="Other names readers may search for, such as the full official name "
                "where the source uses a short one; separated by “; ”",
                max_length=300,
                verbose_name="other names",
            ),
        )
        for name in ("record", "historicalrecord")
    ]
