"""The editors' admin: editing, history, permissions and lost-update protection."""

import pytest
from django.urls import reverse

from measures.models import Measure

pytestmark = pytest.mark.django_db


def form_data(response):
    """The POST data a browser would send for the admin change form in ``response``."""
    data = {}

    def add(form):
        for bound_field in form:
            value = bound_field.value()
            if value is None:
                continue
            if isinstance(value, (list, tuple)):
                data[bound_field.html_name] = [str(v) for v in value]
            elif isinstance(value, bool):
                if value:
                    data[bound_field.html_name] = "on"
            else:
                data[bound_field.html_name] = str(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        add(inline.formset.management_form)
        for form in inline.formset.forms:
            add(form)
    return data


def change_url(measure):
    return reverse("admin:measures_measure_change", args=[measure.pk])


def test_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(reverse("admin:measures_measure_changelist"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_editor_cannot_open_the_user_admin(editor_client):
    assert editor_client.get(reverse("admin:auth_user_changelist")).status_code == 403
    assert editor_client.get(reverse("admin:auth_group_changelist")).status_code == 403


def test_editor_sees_every_record_type(editor_client):
    page = editor_client.get(reverse("admin:index")).content.decode()
    for model in ["measure", "committee", "institute", "fundingscheme", "bureau", "trainingcourse"]:
        assert f"/admin/measures/{model}/" in page


def test_measure_list_searches_chinese_and_english(editor_client):
    url = reverse("admin:measures_measure_changelist")
    assert "水浸" in editor_client.get(url, {"q": "水浸"}).content.decode()
    response = editor_client.get(url, {"q": "flood"})
    assert response.context["cl"].result_count >= 1


def test_editor_changes_an_amount_and_history_shows_old_and_new(editor_client):
    measure = Measure.objects.get(slug="ai-subsidy-scheme")
    data = form_data(editor_client.get(change_url(measure)))
    data["amount_hkd"] = "3500000000"
    response = editor_client.post(change_url(measure), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Measure.objects.get(pk=measure.pk).amount_hkd == 3_500_000_000

    history = editor_client.get(reverse("admin:measures_measure_history", args=[measure.pk]))
    page = history.content.decode()
    assert "3000000000" in page and "3500000000" in page
    latest = Measure.history.filter(id=measure.pk).latest("history_date")
    assert latest.history_user.username == "editor"


def test_invalid_amount_shows_a_readable_error(editor_client):
    measure = Measure.objects.get(slug="ai-subsidy-scheme")
    data = form_data(editor_client.get(change_url(measure)))
    data["amount_hkd"] = "-10"
    response = editor_client.post(change_url(measure), data)
    assert response.status_code == 200
    assert Measure.objects.get(pk=measure.pk).amount_hkd == 3_000_000_000
    assert "errornote" in response.content.decode()


def test_second_editor_with_a_stale_copy_is_told_and_keeps_input(editor_client):
    measure = Measure.objects.get(slug="ai-subsidy-scheme")
    first = form_data(editor_client.get(change_url(measure)))
    second = dict(first)

    first["name_en"] = "First editor's name"
    assert editor_client.post(change_url(measure), first).status_code == 302

    second["name_en"] = "Second editor's name"
    response = editor_client.post(change_url(measure), second)
    assert response.status_code == 200
    page = response.content.decode()
    assert "已有其他人儲存了修改" in page  # the admin speaks the site's default language
    assert "Second editor&#x27;s name" in page
    assert Measure.objects.get(pk=measure.pk).name_en == "First editor's name"
