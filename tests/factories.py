"""Builders of extra records for tests that need more than the curated data."""

import itertools

from measures.models import Bureau, Citation, Measure, MeasureLink, Role, Source, Theme

_sequence = itertools.count(1)


def make_measures(count, *, bureau=None, theme=None, amount_hkd=None, **fields):
    """``count`` new measures, each linked to ``bureau`` (led) and tagged with ``theme``."""
    bureau = bureau or Bureau.objects.get(slug="drainage-services-department")
    theme = theme or Theme.objects.get(slug="flooding")
    article = Source.objects.get(full_text_held=True)
    measures = []
    for _ in range(count):
        number = next(_sequence)
        measure = Measure.objects.create(
            slug=f"extra-measure-{number}",
            name_zh=f"額外措施{number}",
            name_en=f"Extra measure {number}",
            summary_zh="測試用的措施。",
            summary_en="A measure made for a test.",
            kind=fields.get("kind", "public_service"),
            status_at_announcement=fields.get("status", "announced"),
            starts_on=fields.get("starts_on"),
            amount_hkd=amount_hkd,
            amount_type="new_allocation" if amount_hkd is not None else "",
        )
        measure.themes.add(theme)
        MeasureLink.objects.create(measure=measure, record=bureau, role=Role.LEADS)
        Citation.objects.create(measure=measure, source=article, paragraph=9, quote_zh="測試。")
        measures.append(measure)
    return measures
