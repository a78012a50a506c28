"""The curated data: complete, traceable to the article, and safe to load twice."""

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.utils import timezone

from measures.models import Citation, Measure
from measures.money import find_amounts

from .conftest import SOURCE_ARTICLE

pytestmark = pytest.mark.django_db

SOURCE = SOURCE_ARTICLE
BUDGET_TEXT = SOURCE.read_text(encoding="utf-8").split("最Hit")[0]


def row_counts():
    return {
        model.__name__: model.objects.count()
        for model in apps.get_app_config("measures").get_models()
    }


def test_every_ai_measure_of_the_article_is_in_the_data():
    assert Measure.objects.from_held_sources().count() == 20
    quoted = Citation.objects.filter(source__full_text_held=True)
    cited_paragraphs = set(quoted.values_list("paragraph", flat=True))
    # Paragraph 1 is the introduction; every other body paragraph states measures.
    assert cited_paragraphs == set(range(2, 11))


def test_every_amount_in_the_article_is_on_the_right_measure():
    article_amounts = find_amounts(BUDGET_TEXT)
    assert sorted(set(article_amounts)) == [50_000_000, 100_000_000, 2_000_000_000, 3_000_000_000]
    for amount in set(article_amounts):
        measure = Measure.objects.of_budget().get(amount_hkd=amount)
        assert any(amount in find_amounts(c.quote_zh) for c in measure.citations.all())


def test_nothing_comes_from_the_trending_stories():
    for citation in Citation.objects.exclude(quote_zh=""):
        assert citation.quote_zh in BUDGET_TEXT


def test_loading_twice_leaves_the_same_rows():
    before = row_counts()
    call_command("loaddata", "budget2026", verbosity=0)
    assert row_counts() == before


def test_every_measure_links_to_a_record_and_cites_the_article():
    for measure in Measure.objects.for_display():
        assert measure.links(), measure.slug
        assert measure.citations.all(), measure.slug


def test_source_check_passes_on_the_article(capsys):
    call_command("check_sources", str(SOURCE))
    assert "All 20 measures" in capsys.readouterr().out


def test_source_check_fails_on_an_altered_quote(capsys):
    citation = Citation.objects.get(measure__slug="ai-subsidy-scheme", source__full_text_held=True)
    citation.quote_zh = citation.quote_zh.replace("30億元", "40億元")
    citation.save()
    with pytest.raises(CommandError):
        call_command("check_sources", str(SOURCE))
    assert "ai-subsidy-scheme" in capsys.readouterr().err


def test_source_check_fails_on_a_wrong_amount(capsys):
    Measure.objects.filter(slug="ai-subsidy-scheme").update(amount_hkd=3_000_000_001)
    with pytest.raises(CommandError):
        call_command("check_sources", str(SOURCE))
    assert "amount 3000000001" in capsys.readouterr().err


def test_source_check_fails_on_a_measure_without_quote(capsys):
    Citation.objects.filter(measure__slug="labour-ai-job-matching").update(quote_zh="")
    Citation.objects.filter(measure__slug="dsd-smart-flood-warning").delete()
    with pytest.raises(CommandError):
        call_command("check_sources", str(SOURCE))
    errors = capsys.readouterr().err
    assert "labour-ai-job-matching ¶9: no quote from the source." in errors
    assert "dsd-smart-flood-warning: cites no source." in errors


def test_source_check_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("check_sources", str(tmp_path / "missing.txt"))


def test_seed_keeps_an_edited_knowledge_base():
    Measure.objects.filter(slug="ai-subsidy-scheme").update(name_en="Edited in the admin")
    call_command("seed", verbosity=0)
    assert Measure.objects.get(slug="ai-subsidy-scheme").name_en == "Edited in the admin"


def test_the_institute_s_board_has_one_chinese_name_throughout():
    # The Government names it 董事局; our own texts said 董事會 in one development and 董事局 in
    # the next, for the same board.
    from measures.models import Development

    texts = [development.text_zh for development in Development.objects.all()]
    assert any("董事局" in text for text in texts)
    assert not any("董事會" in text for text in texts)


def test_no_curated_edit_is_dated_after_now():
    """ "Recently edited" and the feeds order by ``updated_at``: a curated time still to come
    would stay above every edit made on the site until it passed."""
    now = timezone.now()
    for model in apps.get_app_config("measures").get_models():
        if any(field.name == "updated_at" for field in model._meta.fields):
            assert not model.objects.filter(updated_at__gt=now).exists(), model.__name__
