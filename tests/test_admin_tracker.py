"""Editing the tracker in the admin: developments, relations, sources and citations, with
history and the measure's status following."""

import datetime

import pytest
from django.urls import reverse

from measures.models import Citation, Development, Measure, MeasureRelation, Source

from .test_admin import change_url, form_data

pytestmark = pytest.mark.django_db

INSTITUTE = "hk-ai-rnd-institute"


def inline_prefix(data, model_name):
    """The formset prefix of the inline of ``model_name`` in ``data`` (e.g. ``developments``)."""
    (prefix,) = {
        name[: -len("-TOTAL_FORMS")]
        for name in data
        if name.endswith("-TOTAL_FORMS") and model_name in name
    }
    return prefix


def add_row(data, prefix, **fields):
    number = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(number + 1)
    for name, value in fields.items():
        data[f"{prefix}-{number}-{name}"] = value


def test_an_editor_adds_a_development_on_the_measure_page_and_the_status_follows(editor_client):
    measure = Measure.objects.get(slug=INSTITUTE)
    data = form_data(editor_client.get(change_url(measure)))
    add_row(
        data,
        inline_prefix(data, "development"),
        happened_on="2026-09-01",
        date_precision="day",
        status="in_operation",
        text_zh="研發院投入運作。",
        text_en="The institute came into operation.",
        slug="in-operation",
    )
    response = editor_client.post(change_url(measure), data)
    assert response.status_code == 302, response.context["errors"]
    measure.refresh_from_db()
    assert (measure.status, measure.status_as_of) == ("in_operation", datetime.date(2026, 9, 1))
    assert measure.status_at_announcement == "in_preparation"
    history = editor_client.get(
        reverse("admin:measures_measure_history", args=[measure.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "The institute came into operation." in history
    page = editor_client.get(f"/en/measures/{INSTITUTE}/").content.decode()
    assert "as of 2026-09-01" in page and 'id="development-in-operation"' in page


def test_an_editor_relates_two_measures_and_both_pages_show_it(editor_client, client):
    measure = Measure.objects.get(slug="sandy-ridge-data-facility-cluster")
    other = Measure.objects.get(slug="ai-subsidy-scheme-2024-25")
    data = form_data(editor_client.get(change_url(measure)))
    add_row(
        data,
        inline_prefix(data, "relations"),
        kind="follows_from",
        to_measure=str(other.pk),
        note_en="Computing power for research",
        note_zh="科研算力",
    )
    assert editor_client.post(change_url(measure), data).status_code == 302
    assert MeasureRelation.objects.filter(from_measure=measure, to_measure=other).exists()
    page = client.get(f"/en/measures/{other.slug}/").content.decode()
    assert "Computing power for research" in page
    assert "led to" in page.lower()


def test_a_development_page_edits_its_sources_and_refuses_a_speech_without_paragraph(
    editor_client,
):
    development = Development.objects.get(slug="board-appointed")
    url = reverse("admin:measures_development_change", args=[development.pk])
    data = form_data(editor_client.get(url, HTTP_ACCEPT_LANGUAGE="en"))
    speech = Source.objects.get(slug="budget-speech-2026-27-ai")
    add_row(data, inline_prefix(data, "citation"), source=str(speech.pk), paragraph="")
    response = editor_client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "This source numbers its paragraphs: give the paragraph." in response.content.decode()
    assert not Citation.objects.filter(development=development, source=speech).exists()

    number = int(data[f"{inline_prefix(data, 'citation')}-TOTAL_FORMS"]) - 1
    data[f"{inline_prefix(data, 'citation')}-{number}-paragraph"] = "38"
    assert editor_client.post(url, data).status_code == 302
    assert Citation.objects.get(development=development, source=speech).paragraph == 38


def test_a_source_needs_an_address(editor_client):
    url = reverse("admin:measures_source_add")
    response = editor_client.post(
        url,
        {
            "slug": "no-address",
            "kind": "press_release",
            "language": "en",
            "publisher_zh": "政府",
            "publisher_en": "Government",
            "title_zh": "標題",
            "title_en": "Title",
            "published_on": "2026-05-01",
            "url": "",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["url"]
    assert not Source.objects.filter(slug="no-address").exists()


def test_a_development_edited_meanwhile_on_its_own_page_is_not_overwritten_inline(
    editor_client,
):
    measure = Measure.objects.get(slug=INSTITUTE)
    data = form_data(editor_client.get(change_url(measure)))
    development = Development.objects.get(slug="board-appointed")
    development.text_en = "A colleague's correction."
    development.save()
    prefix = inline_prefix(data, "development")
    (number,) = [
        name.split("-")[-2]
        for name, value in data.items()
        if name.startswith(prefix) and name.endswith("-id") and value == str(development.pk)
    ]
    data[f"{prefix}-{number}-text_en"] = "My older edit."
    response = editor_client.post(change_url(measure), data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Someone else saved this after you opened it" in response.content.decode()
    assert Development.objects.get(pk=development.pk).text_en == "A colleague's correction."
