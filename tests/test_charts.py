"""The funding charts add up what the database holds; the timeline places every measure once."""

import datetime
import re
from collections import defaultdict

import pytest
from django.utils import translation

from measures.charts.views import MEASURES_PER_PERIOD, funding_charts, measure_timeline
from measures.models import Budget, Measure, MeasureLink, Role, Theme

from .factories import make_measures

pytestmark = pytest.mark.django_db


def measures_with_amounts():
    """The measures of today's Budget that state an amount: what the charts count."""
    return (
        Measure.objects.of_budget().with_amount().prefetch_related("themes", "record_links__record")
    )


def expected_by_theme():
    totals = defaultdict(int)
    for measure in measures_with_amounts():
        for theme in measure.themes.all() or [None]:
            totals[theme.slug if theme else ""] += measure.amount_hkd
    return dict(totals)


def expected_by_lead_body():
    totals = defaultdict(int)
    for measure in measures_with_amounts():
        links = measure.record_links.filter(record__type="bureau")
        leads = [link.record.slug for link in links if link.role == Role.LEADS]
        funders = [link.record.slug for link in links if link.role == Role.FUNDS]
        for body in leads or funders or [""]:
            totals[body] += measure.amount_hkd
    return dict(totals)


def expected_by_field(field_name):
    totals = defaultdict(int)
    for measure in measures_with_amounts():
        totals[getattr(measure, field_name)] += measure.amount_hkd
    return dict(totals)


def chart_totals():
    return {
        chart.slug: {bar.key: bar.total_hkd for bar in chart.bars} for chart in funding_charts()
    }


def expected_totals():
    return {
        "theme": expected_by_theme(),
        "lead-body": expected_by_lead_body(),
        "kind": expected_by_field("kind"),
        "amount-type": expected_by_field("amount_type"),
    }


def test_the_charts_numbers_equal_sums_from_the_database():
    assert chart_totals() == expected_totals()


def test_the_charts_follow_new_data_including_groups_with_nothing_stated():
    two_themes = make_measures(1, amount_hkd=700_000_000)[0]
    two_themes.themes.add(Theme.objects.get(slug="education"))
    no_theme_no_body = make_measures(1, amount_hkd=5_000_000, kind="research")[0]
    no_theme_no_body.themes.clear()
    no_theme_no_body.record_links.filter(record__type="bureau").delete()
    funded = make_measures(1, amount_hkd=9_000_000)[0]
    link = funded.record_links.get(record__type="bureau")
    link.role = Role.FUNDS
    link.save()
    make_measures(3)  # no amount: in no chart

    totals = chart_totals()
    assert totals == expected_totals()
    assert totals["theme"][""] == 5_000_000
    assert totals["lead-body"][""] >= 5_000_000
    assert totals["lead-body"][link.record.slug] >= 700_000_000 + 9_000_000


def test_a_measure_has_no_lead_body_exactly_when_leading_names_none():
    funded_only, unlinked, partnered = make_measures(3)
    funded_only.record_links.update(role=Role.FUNDS)
    unlinked.record_links.all().delete()
    partnered.record_links.update(role=Role.PARTNERS)
    named = set(MeasureLink.objects.leading().values_list("measure", flat=True))
    without = set(Measure.objects.without_lead_body().values_list("pk", flat=True))
    assert without == set(Measure.objects.values_list("pk", flat=True)) - named
    assert {unlinked.pk, partnered.pk} <= without and funded_only.pk not in without


@pytest.mark.parametrize(
    "language, label",
    [("en", "No bureau or department named"), ("zh-hant", "沒有列明政策局或部門")],
)
def test_money_from_a_fund_that_no_bureau_is_named_beside_is_shown_as_naming_no_bureau(
    language, label
):
    qef = Measure.objects.get(slug="qef-digital-education")  # funded by the QEF alone
    assert not qef.record_links.filter(record__type="bureau").exists()
    with translation.override(language):
        chart = next(chart for chart in funding_charts() if chart.slug == "lead-body")
        unassigned = next(bar for bar in chart.bars if not bar.key)
        assert str(unassigned.label) == label
    naming_none = [
        measure
        for measure in Measure.objects.of_budget().with_amount()
        if not any(
            link.record.type == "bureau" and link.role in (Role.LEADS, Role.FUNDS)
            for link in measure.record_links.all()
        )
    ]
    assert qef in naming_none
    assert unassigned.total_hkd == sum(measure.amount_hkd for measure in naming_none)


def test_the_kind_bars_add_up_to_all_the_money():
    kinds = next(chart for chart in funding_charts() if chart.slug == "kind")
    assert kinds.total_hkd == sum(m.amount_hkd for m in measures_with_amounts())


def test_bars_are_largest_first_and_scaled_to_the_largest():
    for chart in funding_charts():
        totals = [bar.total_hkd for bar in chart.bars]
        assert totals == sorted(totals, reverse=True)
        assert all(bar.total_hkd > 0 for bar in chart.bars)
        widest = max(bar.percent for bar in chart.bars)
        for bar in chart.bars:
            assert bar.percent == pytest.approx(
                max(0.5, widest * bar.total_hkd / chart.bars[0].total_hkd), abs=0.011
            )


def test_a_lead_body_that_only_partners_is_not_a_lead():
    measure = Measure.objects.get(slug="hkma-cyberport-ai-sandbox")
    measure.amount_hkd, measure.amount_type = 40_000_000, "new_allocation"
    measure.save()
    totals = chart_totals()["lead-body"]
    assert totals["hkma"] == 40_000_000
    assert "cyberport" not in totals
    assert MeasureLink.objects.filter(measure=measure, role=Role.PARTNERS).exists()


@pytest.mark.parametrize("prefix", ["/", "/en/"])
def test_the_funding_page_has_labelled_bars_and_a_table_per_chart(client, prefix):
    response = client.get(f"{prefix}funding/")
    assert response.status_code == 200
    page = response.content.decode()
    charts = response.context["charts"]
    assert page.count('class="chart hbar-chart"') == len(charts) == 4
    for chart in charts:
        assert f'aria-labelledby="chart-{chart.slug}-title"' in page
        assert f'<figcaption id="chart-{chart.slug}-title"' in page
        for bar in chart.bars:
            # The label and the amount are text of the page, in the bar and in the table.
            assert page.count(f">{bar.amount_text}<") >= 2
            assert f"{bar.total_hkd:,}" in page
            assert f'width="{bar.percent}"' in page
    assert 'style="' not in page
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)


def test_the_funding_page_says_how_many_measures_state_no_amount(client):
    page = client.get("/en/funding/").content.decode()
    without = Measure.objects.of_budget().without_amount().count()
    assert f"{without} measures state no amount" in page
    assert "counts in full under each of them" in page


def test_the_funding_page_is_in_both_languages(client):
    chinese = client.get("/funding/").content.decode()
    english = client.get("/en/funding/").content.decode()
    assert "HK$30億" in chinese and "HK$3 billion" in english
    assert "生物醫學" in chinese and "Biomedicine" in english


def test_the_timeline_places_every_measure_once_in_date_order():
    with translation.override("en"):
        timeline = measure_timeline()
    placed = [m.slug for group in timeline.groups for m in group.measures]
    assert sorted(placed) == sorted(Measure.objects.values_list("slug", flat=True))
    starts = [period.starts_on for period in timeline.periods]
    assert starts == sorted(starts)
    assert all(m.starts_on is None and not m.timing_en for m in timeline.untimed.measures)
    assert timeline.groups[-1] is timeline.untimed
    assert all(group.measure_count == len(group.measures) for group in timeline.groups)


def test_a_period_ending_in_the_last_year_there_is_does_not_break_the_timeline(client):
    # Saved as the admin no longer allows (a year outside 1950-2100), as older data may hold.
    Measure.objects.filter(slug="ai-subsidy-scheme").update(
        starts_on=datetime.date(2026, 1, 1), ends_on=datetime.date(9999, 12, 31)
    )
    for url in ("/timeline/", "/en/timeline/"):
        response = client.get(url)
        assert response.status_code == 200
        bars = [(p.x_percent, p.width_percent) for p in response.context["timeline"].periods]
        assert all(0 <= x <= 100 and 0 < x + width <= 100.01 for x, width in bars)


def test_the_timeline_groups_by_stated_period(client):
    response = client.get("/en/timeline/")
    page = response.content.decode()
    labels = [period.label for period in response.context["timeline"].periods]
    assert labels == [
        "during 2025",
        "three academic years from 2025/26 (2025/26 to 2027/28)",
        "within the year (2026)",
        "second half of 2026",
        "from the 2027/28 academic year",
    ]
    assert page.index("second half of 2026") < page.index("from the 2027/28 academic year")
    assert page.index("from the 2027/28 academic year") < page.index("No timing stated")
    for measure in Measure.objects.all():
        assert f'href="{measure.get_absolute_url()}"' in page


@pytest.mark.parametrize(
    "language, labels",
    [
        ("zh-hant", {"年內（2027年）", "年內（2028年）"}),
        ("en", {"within the year (2027)", "within the year (2028)"}),
    ],
)
def test_two_periods_worded_alike_are_told_apart_by_their_years(language, labels):
    for year in (2027, 2028):
        Measure.objects.filter(pk=make_measures(1)[0].pk).update(
            starts_on=datetime.date(year, 1, 1),
            ends_on=datetime.date(year, 12, 31),
            timing_zh="年內",
            timing_en="within the year",
        )
    with translation.override(language):
        shown = {period.label for period in measure_timeline().periods}
    assert labels <= shown


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_a_period_worded_without_a_year_is_labelled_with_its_year(client, prefix):
    # The article's 下半年 and 年內 are 2026's, which a reader in 2027 could not tell; a wording
    # naming a year is left as stated.
    periods = client.get(f"{prefix}/timeline/").context["timeline"].periods
    assert periods
    for period in periods:
        assert str(period.starts_on.year) in period.label, period.label
    if not prefix:
        labels = [period.label for period in periods]
        assert {"年內（2026年）", "下半年（2026年）", "2025年內"} <= set(labels)


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_no_two_periods_of_the_timeline_share_a_label(client, prefix):
    periods = client.get(f"{prefix}/timeline/").context["timeline"].periods
    labels = [period.label for period in periods if period.label]
    assert len(labels) == len(set(labels)), labels


def test_the_timeline_is_in_chinese_at_the_root(client):
    page = client.get("/timeline/").content.decode()
    assert "下半年（2026年）" in page
    assert 'href="/measures/hk-ai-rnd-institute/"' in page
    assert 'style="' not in page


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_the_timeline_marks_an_earlier_budget_s_commitment_with_its_budget(client, prefix):
    page = client.get(f"{prefix}/timeline/").content.decode()
    listed = page[page.index('<ol class="timeline">') :]
    earlier = Measure.objects.exclude(budget=Budget.current())
    assert earlier
    with translation.override("en" if prefix else "zh-hant"):
        for measure in earlier:
            entry = listed[listed.index(f'href="{measure.get_absolute_url()}"') :]
            entry = entry[: entry.index("</li>")]
            assert f'<span class="budget-badge">{measure.get_budget_display()}</span>' in entry
    assert listed.count('class="budget-badge"') == earlier.count()


def test_pages_are_linked_from_the_footer(client):
    page = client.get("/en/").content.decode()
    for address in ("/en/funding/", "/en/timeline/", "/en/data/", "/en/api/"):
        assert f'href="{address}"' in page


def test_a_long_period_links_to_its_measures_instead_of_listing_them(client):
    make_measures(MEASURES_PER_PERIOD + 1, starts_on=datetime.date(2031, 1, 1))
    response = client.get("/en/timeline/")
    period = next(p for p in response.context["timeline"].periods if p.starts_on.year == 2031)
    assert period.measure_count == MEASURES_PER_PERIOD + 1
    assert period.measures == []
    page = response.content.decode()
    assert f"{MEASURES_PER_PERIOD + 1} measures: see the measures starting that year" in page
    assert 'href="/en/measures/?start_year=2031"' in page
    assert all(
        len(p.measures) == p.measure_count
        for p in response.context["timeline"].groups
        if p is not period
    )


def test_the_chinese_timeline_gives_dates_and_counts_in_chinese(client):
    make_measures(MEASURES_PER_PERIOD + 1, starts_on=datetime.date(2031, 1, 1))
    page = client.get("/timeline/").content.decode()
    assert f"{MEASURES_PER_PERIOD + 1}項措施：查看該年開始的措施" in page
    assert f"· {MEASURES_PER_PERIOD + 1}項措施</a>" in page
    assert "由 2031-01 起，沒有列明結束時間" in page
    assert "2026-07至2026-12" in page
    assert "see the measures" not in page and "no end stated" not in page


def test_each_theme_bar_says_how_much_of_its_money_other_themes_share(client):
    page = client.get("/en/funding/").content.decode()
    (theme_chart,) = [c for c in client.get("/en/funding/").context["charts"] if c.slug == "theme"]
    for bar in theme_chart.bars:
        measures = measures_with_amounts().filter(themes__slug=bar.key)
        shared = sum(m.amount_hkd for m in measures if m.themes.count() > 1)
        assert bar.shared_hkd == shared
        if shared:
            assert f"of which {bar.shared_text} also under other themes" in page


def test_the_timeline_has_a_legend_and_every_bar_leads_to_its_measures(client):
    response = client.get("/en/timeline/")
    page = response.content.decode()
    assert "a stated period, from its start to its end" in page
    assert "a stated start with no stated end" in page
    for period in response.context["timeline"].periods:
        assert f'class="tbar-label" href="{period.link}"' in page
        if period.measure_count == 1:
            assert period.link == period.measures[0].get_absolute_url().replace("/", "/", 1)


def test_the_second_half_of_2026_is_a_half_year_not_an_open_bar():
    with translation.override("en"):
        timeline = measure_timeline()
        (half,) = [p for p in timeline.periods if p.label == "second half of 2026"]
    assert (half.starts_on, half.ends_on) == (
        datetime.date(2026, 7, 1),
        datetime.date(2026, 12, 31),
    )
    assert not half.is_open_ended
    year_2026 = next(t for t in timeline.ticks if t.label == "2026")
    year_2027 = next(t for t in timeline.ticks if t.label == "2027")
    assert half.x_percent + half.width_percent <= year_2027.x_percent + 0.01
    assert half.x_percent > year_2026.x_percent
