"""The editors' admin: editing, history, permissions and lost-update protection."""

import html
import re

import pytest
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.html import escape, strip_tags
from django.utils.text import get_text_list
from django.utils.translation import gettext

from measures.models import Development, Measure, MeasureLink, Record, Source

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
    # A version's form (to revert to it) has no inlines.
    for inline in response.context.get("inline_admin_formsets", []):
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
    assert "HK$3,000,000,000" in page and "HK$3,500,000,000" in page
    latest = Measure.history.filter(id=measure.pk).latest("history_date")
    assert latest.history_user.username == "editor"


def test_invalid_amount_shows_a_readable_error(editor_client):
    measure = Measure.objects.get(slug="ai-subsidy-scheme")
    data = form_data(editor_client.get(change_url(measure)))
    data["amount_hkd"] = "-10"
    response = editor_client.post(change_url(measure), data)
    assert response.status_code == 200
    assert Measure.objects.get(pk=measure.pk).amount_hkd == 3_000_000_000
    (error,) = response.context["adminform"].form.errors["amount_hkd"]
    assert "負數" in error  # "cannot be negative", in the editor's language
    assert escape(error) in response.content.decode()


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


# Records: one table, an admin section per kind -------------------------------------------------


def record_change_url(record):
    return reverse(f"admin:measures_{record._meta.model_name}_change", args=[record.pk])


@pytest.mark.parametrize(
    ("slug", "own", "not_own"),
    [
        ("ai-plus-industry-strategy-committee", ["chair_zh", "chair_en"], ["kind", "provider"]),
        ("hk-ai-rnd-institute", [], ["chair_zh", "kind", "successor", "provider"]),
        ("upskill-hong-kong", ["kind", "successor", "succession_note_en"], ["chair_zh"]),
        ("ai-training-for-teachers", ["provider", "audience_zh"], ["kind", "successor"]),
    ],
)
def test_each_kind_of_record_is_edited_with_its_own_fields(editor_client, slug, own, not_own):
    record = Record.objects.get(slug=slug)
    form = editor_client.get(record_change_url(record)).context["adminform"].form
    assert {"name_zh", "name_en", "description_zh", *own} <= set(form.fields)
    assert not set(not_own) & set(form.fields)


def test_an_editor_adds_a_committee_in_the_committee_section(editor_client):
    response = editor_client.post(
        reverse("admin:measures_committee_add"),
        {
            "slug": "ai-ethics-panel",
            "name_zh": "人工智能道德小組",
            "name_en": "AI ethics panel",
            "chair_en": "A chair",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    record = Record.objects.get(slug="ai-ethics-panel")
    assert record.type == "committee" and record.chair_en == "A chair"
    listing = editor_client.get(reverse("admin:measures_committee_changelist")).content.decode()
    assert "AI ethics panel" in listing
    bureaux = editor_client.get(reverse("admin:measures_bureau_changelist")).content.decode()
    assert "AI ethics panel" not in bureaux


def test_a_records_history_shows_its_changes(editor_client):
    record = Record.objects.get(slug="vtc")
    data = form_data(editor_client.get(record_change_url(record)))
    data["name_en"] = "Vocational Training Council (renamed)"
    assert editor_client.post(record_change_url(record), data).status_code == 302
    latest = Record.history.filter(id=record.pk).latest("history_date")
    assert latest.name_en == "Vocational Training Council (renamed)"
    assert latest.history_user.username == "editor"
    history = editor_client.get(reverse("admin:measures_bureau_history", args=[record.pk]))
    assert history.status_code == 200
    rows = history.content.decode().split('id="change-history"', 1)[1]
    assert "editor" in rows and "英文名稱" in rows  # who changed which field


def test_a_successor_loop_and_a_provider_that_is_not_a_body_are_refused(editor_client):
    erb = Record.objects.get(slug="employees-retraining-board")
    upskill = erb.successor
    data = form_data(editor_client.get(record_change_url(upskill)))
    data["successor"] = str(erb.pk)
    response = editor_client.post(record_change_url(upskill), data)
    assert response.status_code == 200
    assert "successor" in response.context["adminform"].form.errors
    assert Record.objects.get(pk=upskill.pk).successor is None

    course = Record.objects.get(slug="ai-training-for-teachers")
    institute = Record.objects.get(slug="hk-ai-rnd-institute")
    data = form_data(editor_client.get(record_change_url(course)))
    data["provider"] = str(institute.pk)
    response = editor_client.post(record_change_url(course), data)
    assert response.status_code == 200
    assert "provider" in response.context["adminform"].form.errors


def test_a_measure_links_records_of_every_kind_in_one_inline(editor_client):
    measure = Measure.objects.get(slug="ai-subsidy-scheme")
    response = editor_client.get(change_url(measure))
    (links,) = [
        inline
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.model is MeasureLink
    ]
    assert {form.instance.record.type for form in links.formset.forms} == set(
        measure.record_links.values_list("record__type", flat=True)
    )
    search = editor_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "measures",
            "model_name": "measurelink",
            "field_name": "record",
            "term": "AI",
        },
    ).json()
    kinds = {Record.objects.get(pk=item["id"]).type for item in search["results"]}
    assert {"committee", "institute", "funding_scheme", "training_course"} <= kinds


def test_the_successor_field_offers_bodies_only(editor_client):
    search = editor_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "measures", "model_name": "record", "field_name": "successor", "term": ""},
    ).json()
    assert search["results"]
    assert {Record.objects.get(pk=item["id"]).type for item in search["results"]} == {"bureau"}


def test_the_records_of_every_kind_are_not_a_section_of_their_own(editor_client):
    index = editor_client.get(reverse("admin:index")).content.decode()
    assert "/admin/measures/record/" not in index
    record = Record.objects.get(slug="hkma")
    response = editor_client.get(reverse("admin:measures_record_change", args=[record.pk]))
    assert response.status_code == 302
    assert response["Location"] == record_change_url(record)


@pytest.mark.parametrize(
    "path",
    [
        "measure/abc/history/",
        "measure/1.5/history/",
        "measure/8/history/abc/",
        "bureau/abc/history/",
        "theme/x/history/",
        "source/1/history/zz/",
        "development/abc/history/",
    ],
)
def test_a_history_address_with_a_wrong_id_is_not_found(editor_client, path):
    editor_client.raise_request_exception = False
    assert editor_client.get(f"/admin/measures/{path}").status_code == 404


@pytest.mark.parametrize(
    ("field", "value"),
    [("themes", ["abc"]), ("record_links-0-record", "abc"), ("record_links-0-record", "1.5")],
)
def test_a_change_form_with_an_id_that_is_not_a_number_shows_an_error(editor_client, field, value):
    editor_client.raise_request_exception = False
    measure = Measure.objects.get(slug="ai-subsidy-scheme")
    data = form_data(editor_client.get(change_url(measure)))
    data[field] = value
    response = editor_client.post(change_url(measure), data)
    assert response.status_code == 200
    assert "errornote" in response.content.decode()
    assert Measure.objects.get(pk=measure.pk).version == measure.version


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("2億", 200_000_000),
        ("5,000萬", 50_000_000),
        ("HK$100 million", 100_000_000),
        ("4bn", 4_000_000_000),
        ("HK$3,500,000,000", 3_500_000_000),
    ],
)
def test_an_amount_is_typed_as_people_write_it(editor_client, typed, amount):
    measure = Measure.objects.get(slug="ai-subsidy-scheme")
    data = form_data(editor_client.get(change_url(measure)))
    data["amount_hkd"] = typed
    response = editor_client.post(change_url(measure), data, follow=True)
    assert Measure.objects.get(pk=measure.pk).amount_hkd == amount
    assert f"HK${amount:,}" in response.content.decode()  # the value understood, said back


def test_the_change_form_shows_the_amount_as_an_editor_reads_it(editor_client):
    measure = Measure.objects.get(slug="ai-subsidy-scheme")
    page = editor_client.get(change_url(measure)).content.decode()
    assert 'value="HK$3,000,000,000"' in page


def test_an_amount_that_cannot_be_read_is_refused_and_kept(editor_client):
    measure = Measure.objects.get(slug="ai-subsidy-scheme")
    data = form_data(editor_client.get(change_url(measure)))
    data["amount_hkd"] = "about lots"
    response = editor_client.post(change_url(measure), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["amount_hkd"]
    assert 'value="about lots"' in response.content.decode()
    assert Measure.objects.get(pk=measure.pk).amount_hkd == 3_000_000_000


@pytest.mark.parametrize(
    ("admin_name", "lookup", "field", "verbose"),
    [
        ("bureau", {"slug": "vtc"}, "name_en", "英文名稱"),
        ("theme", {"slug": "flooding"}, "name_en", "英文名稱"),
        ("source", {"slug": "budget-speech-2026-27-ai"}, "title_en", "標題（英文）"),
        ("development", {"slug": "board-appointed"}, "text_en", "發生的事（英文）"),
    ],
)
def test_every_record_refuses_a_stale_save_and_says_what_changed(
    editor_client, admin_name, lookup, field, verbose
):
    from django.apps import apps

    model = apps.get_model("measures", admin_name)
    record = model.objects.filter(**lookup).first()
    url = reverse(f"admin:measures_{admin_name}_change", args=[record.pk])
    first = form_data(editor_client.get(url))
    second = dict(first)

    first[field] = "The first editor's text"
    assert editor_client.post(url, first).status_code == 302

    second[field] = "The second editor's text"
    response = editor_client.post(url, second)
    assert response.status_code == 200
    page = response.content.decode()
    assert "已有其他人儲存了修改" in page
    assert f"editor 修改了：{verbose}。" in page  # who changed which field meanwhile
    assert "The second editor&#x27;s text" in page  # the input is kept
    assert getattr(model.objects.get(pk=record.pk), field) == "The first editor's text"


@pytest.mark.parametrize(
    ("accept", "expected", "not_expected"),
    [
        ("en-GB,en;q=0.9", "Knowledge base", "知識庫"),
        ("zh-HK,zh;q=0.9", "知識庫", "Knowledge base"),
    ],
)
def test_the_admin_speaks_the_editors_browser_language(
    editor_client, accept, expected, not_expected
):
    response = editor_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE=accept)
    page = response.content.decode()
    assert expected in page and not_expected not in page
    assert "Accept-Language" in response["Vary"]


def test_the_admin_language_switch_is_remembered(editor_client):
    index = reverse("admin:index")
    page = editor_client.get(index, HTTP_ACCEPT_LANGUAGE="zh-HK").content.decode()
    assert 'name="language" value="en"' in page and ">English</button>" in page
    switched = editor_client.post(
        reverse("set_language"), {"language": "en", "next": index}, HTTP_ACCEPT_LANGUAGE="zh-HK"
    )
    assert switched.status_code == 302 and switched["Location"] == index
    page = editor_client.get(index, HTTP_ACCEPT_LANGUAGE="zh-HK").content.decode()
    assert "Knowledge base" in page  # the choice outweighs the browser's language
    # The public pages still take their language from the address.
    assert '<html lang="zh-Hant-HK">' in editor_client.get("/").content.decode()


def test_the_knowledge_base_comes_first_on_the_admin_index(editor_client, admin_user, client):
    client.force_login(admin_user)
    apps = [app["app_label"] for app in client.get(reverse("admin:index")).context["app_list"]]
    assert apps[0] == "measures"
    assert "axes" in apps[1:]


@pytest.mark.parametrize(
    ("accept", "words"),
    [
        ("zh-HK", ["修改人", "日期／時間", "從下列日期中選擇一個"]),
        ("en", ["Changed by", "Date/time", "Choose a date from the list below"]),
    ],
)
def test_the_change_history_is_in_the_editors_language(editor_client, accept, words):
    measure = Measure.objects.get(slug="ai-subsidy-scheme")
    data = form_data(editor_client.get(change_url(measure)))
    data["name_en"] = "Renamed for the history"
    assert editor_client.post(change_url(measure), data).status_code == 302
    url = reverse("admin:measures_measure_history", args=[measure.pk])
    page = editor_client.get(url, HTTP_ACCEPT_LANGUAGE=accept).content.decode()
    for word in words:
        assert word in page


def test_the_history_shows_labels_not_codes(editor_client):
    measure = Measure.objects.get(slug="ai-subsidy-scheme")
    data = form_data(editor_client.get(change_url(measure)))
    data["status_at_announcement"] = "announced"
    assert editor_client.post(change_url(measure), data).status_code == 302
    url = reverse("admin:measures_measure_history", args=[measure.pk])
    page = editor_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Ongoing" in page and "Announced" in page
    assert "ongoing" not in page.split('id="change-history"', 1)[1].replace("Ongoing", "")


def test_long_names_get_a_wide_box(editor_client):
    measure = Measure.objects.get(slug="ai-subsidy-scheme")
    form = editor_client.get(change_url(measure)).context["adminform"].form
    assert "wide-text" in form.fields["name_en"].widget.attrs["class"]
    assert "wide-text" not in form.fields["slug"].widget.attrs.get("class", "")


# The measure's history: its inlines' changes among its own ----------------------------------


def history_rows(client, measure, accept, page_number=1):
    """The rows of a page of a measure's change history as an editor reads them, newest
    first."""
    url = reverse("admin:measures_measure_history", args=[measure.pk])
    page = client.get(url, {"p": page_number}, HTTP_ACCEPT_LANGUAGE=accept).content.decode()
    body = page.split('id="change-history"', 1)[1].split("<tbody>", 1)[1].split("</tbody>")[0]
    rows = re.findall(r"<tr.*?</tr>", body, re.S)
    return [" ".join(html.unescape(strip_tags(row)).split()) for row in rows]


def shown_time(history_entry, language):
    with translation.override(language):
        return formats.localize(timezone.localtime(history_entry.history_date))


def test_the_measures_history_lists_its_links_added_changed_and_removed(editor_client):
    measure = Measure.objects.get(slug="ai-subsidy-scheme")
    vtc = Record.objects.get(slug="vtc")
    data = form_data(editor_client.get(change_url(measure)))
    data["name_en"] = "Renamed before the links"
    assert editor_client.post(change_url(measure), data).status_code == 302

    data = form_data(editor_client.get(change_url(measure)))
    new = int(data["record_links-TOTAL_FORMS"])
    data["record_links-TOTAL_FORMS"] = str(new + 1)
    data[f"record_links-{new}-record"] = str(vtc.pk)
    data[f"record_links-{new}-role"] = "partners"
    response = editor_client.post(change_url(measure), data)
    assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.errors

    data = form_data(editor_client.get(change_url(measure)))
    (row,) = [
        key for key, value in data.items() if key.endswith("-record") and value == str(vtc.pk)
    ]
    prefix = row.removesuffix("record")
    data[prefix + "role"] = "delivers"
    assert editor_client.post(change_url(measure), data).status_code == 302

    data = form_data(editor_client.get(change_url(measure)))
    data[prefix + "DELETE"] = "on"
    assert editor_client.post(change_url(measure), data).status_code == 302
    assert not measure.record_links.filter(record=vtc).exists()
    removal = MeasureLink.history.filter(record_id=vtc.pk, measure_id=measure.pk).latest(
        "history_date"
    )

    for accept, language, words in [
        (
            "en",
            "en",
            {
                "renamed": "→ Renamed before the links",
                "added": "Linked record: Vocational Training Council (Partners) ",
                "changed": "Linked record: Vocational Training Council (Delivers) ",
                "removed": "Linked record: Vocational Training Council (Delivers) ",
                "role": "Role: Partners → Delivers",
                "verbs": ["Removed", "Changed", "Added"],
            },
        ),
        (
            "zh-HK",
            "zh-hant",
            {
                "renamed": "→ Renamed before the links",
                "added": "相關項目：職業訓練局 (合作) ",
                "changed": "相關項目：職業訓練局 (推行) ",
                "removed": "相關項目：職業訓練局 (推行) ",
                "role": "角色: 合作 → 推行",
                "verbs": ["已移除", "已修改", "已新增"],
            },
        ),
    ]:
        rows = history_rows(editor_client, measure, accept)
        links = [
            i for i, row in enumerate(rows) if "Vocational Training" in row or "職業訓練局" in row
        ]
        renamed = next(i for i, row in enumerate(rows) if words["renamed"] in row)
        # Newest first: the removal, the new role, the addition, then the measure's own change.
        assert len(links) == 3 and links == sorted(links) and links[-1] < renamed, rows
        removed, changed, added = (rows[i] for i in links)
        assert removed.startswith(words["removed"]) and words["verbs"][0] in removed
        assert changed.startswith(words["changed"]) and words["verbs"][1] in changed
        assert words["role"] in changed
        assert added.startswith(words["added"]) and words["verbs"][2] in added
        for row in (removed, changed, added):
            assert " editor " in f" {row} "  # who
        assert shown_time(removal, language) in removed  # when


def test_the_measures_history_lists_a_changed_stated_count(editor_client):
    measure = Measure.objects.get(slug="ai-subsidy-scheme")
    data = form_data(editor_client.get(change_url(measure)))
    (value,) = [key for key in data if key.startswith("counts-") and key.endswith("-value")]
    data[value] = "40"
    assert editor_client.post(change_url(measure), data).status_code == 302
    rows = history_rows(editor_client, measure, "en")
    assert rows[0].startswith("Stated count: 40 research projects "), rows
    assert "Changed editor Number: 30 → 40" in rows[0]
    assert "所述數目：40 個科研項目" in history_rows(editor_client, measure, "zh-HK")[0]


def test_a_long_history_lists_each_change_of_a_link_on_one_page(editor_client, monkeypatch):
    from measures.admin import MeasureAdmin

    monkeypatch.setattr(MeasureAdmin, "history_list_per_page", 2)
    measure = Measure.objects.get(slug="ai-subsidy-scheme")
    data = form_data(editor_client.get(change_url(measure)))
    (role,) = [key for key, value in data.items() if key.endswith("-role") and value == "leads"]
    for new_role in ["funds", "delivers", "partners", "leads"]:
        data = form_data(editor_client.get(change_url(measure)))
        data[role] = new_role
        assert editor_client.post(change_url(measure), data).status_code == 302

    shown = []
    versions = Measure.history.filter(id=measure.pk).count()
    assert versions > 4
    for number in range(1, (versions + 1) // 2 + 1):  # the measure's own versions, two a page
        for row in history_rows(editor_client, measure, "en", number):
            shown += re.findall(r"Role: \w+ → \w+", row)
    assert shown == [
        "Role: Partners → Leads",
        "Role: Delivers → Partners",
        "Role: Funds → Delivers",
        "Role: Leads → Funds",
    ]


@pytest.mark.parametrize(
    "model, slug, field",
    [("measure", "ai-subsidy-scheme", "name_en"), ("bureau", "vtc", "name_en")],
)
def test_an_editor_opens_an_earlier_version_and_reverts_to_it(editor_client, model, slug, field):
    record = Measure.objects.get(slug=slug) if model == "measure" else Record.objects.get(slug=slug)
    change = reverse(f"admin:measures_{model}_change", args=[record.pk])
    original = getattr(record, field)
    data = form_data(editor_client.get(change))
    data[field] = f"{original} (renamed)"
    assert editor_client.post(change, data).status_code == 302
    history = type(record).history.filter(id=record.pk)
    earlier = history.filter(**{field: original}).latest("history_date")

    version = reverse(f"admin:measures_{model}_simple_history", args=[record.pk, earlier.pk])
    page = editor_client.get(version)
    assert page.status_code == 200
    assert escape(original) in page.content.decode()
    assert editor_client.post(version, form_data(page)).status_code == 302
    record.refresh_from_db()
    assert getattr(record, field) == original


def test_a_slug_another_record_of_the_type_has_is_refused_on_the_slug(editor_client):
    bureau = Record.objects.get(slug="vtc")
    other = Record.objects.filter(type=bureau.type).exclude(pk=bureau.pk).first()
    data = form_data(editor_client.get(record_change_url(bureau)))
    data["slug"] = other.slug
    response = editor_client.post(record_change_url(bureau), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["slug"] == ["同一類型已有另一項目使用此代號。"]
    assert Record.objects.get(pk=bureau.pk).slug == "vtc"


def test_a_new_committee_with_a_taken_slug_is_refused_but_another_type_may_share_it(editor_client):
    taken = Record.objects.filter(type="committee").first().slug
    add = reverse("admin:measures_committee_add")
    data = form_data(editor_client.get(add))
    data.update(name_zh="測試委員會", name_en="Test committee", slug=taken)
    response = editor_client.post(add, data)
    assert response.status_code == 200 and "slug" in response.context["adminform"].form.errors
    add = reverse("admin:measures_institute_add")
    data = form_data(editor_client.get(add))
    data.update(name_zh="測試機構", name_en="Test institute", slug=taken)
    assert editor_client.post(add, data).status_code == 302
    assert Record.objects.filter(slug=taken).count() == 2


@pytest.mark.parametrize("accept, heading", [("zh-Hant", "措施"), ("en", "Measures")])
def test_a_record_list_heads_its_count_of_measures_in_the_editor_s_language(
    editor_client, accept, heading
):
    page = editor_client.get(
        reverse("admin:measures_bureau_changelist"), HTTP_ACCEPT_LANGUAGE=accept
    ).content.decode()
    column = re.search(r'<th scope="col" class="[^"]*column-measure_count.*?</th>', page, re.S)
    assert strip_tags(column.group(0)).strip() == heading


@pytest.mark.parametrize("accept, field", [("zh-Hant", "zh"), ("en", "en")])
def test_the_lists_of_measures_developments_and_sources_read_in_the_editor_s_language(
    editor_client, accept, field
):
    def page(name):
        url = reverse(f"admin:measures_{name}_changelist")
        return html.unescape(editor_client.get(url, HTTP_ACCEPT_LANGUAGE=accept).content.decode())

    timed = Measure.objects.exclude(timing_zh="").exclude(timing_en="").first()
    assert getattr(timed, f"timing_{field}") in page("measure")
    development = Development.objects.first()
    assert getattr(development, f"text_{field}")[:40] in page("development")
    source = Source.objects.exclude(title_zh="").exclude(title_en="").first()
    assert getattr(source, f"title_{field}") in page("source")


def test_the_login_throttling_section_of_the_index_is_in_chinese(admin_client):
    index = admin_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="zh-Hant")
    page = index.content.decode()
    assert "登入限制" in page and "登入嘗試" in page and "登入記錄" in page
    assert "Access attempts" not in page and "Axes" not in page


# --- Rows and records the database would refuse: a message, not a 500 ------------------------


def with_new_rows(data, prefix, rows):
    """``data`` with ``rows`` (dicts of field values) added to the inline ``prefix``."""
    total = int(data[f"{prefix}-TOTAL_FORMS"])
    for offset, row in enumerate(rows):
        for name, value in row.items():
            data[f"{prefix}-{total + offset}-{name}"] = value
    data[f"{prefix}-TOTAL_FORMS"] = str(total + len(rows))
    return data


def inline_rows(response, prefix):
    """The forms of the inline ``prefix`` on an admin page, as the editor's post left them."""
    (formset,) = [
        inline.formset
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.prefix == prefix
    ]
    return formset.forms


def test_a_record_is_added_in_its_kind_s_section_not_from_a_link_row(editor_client):
    assert editor_client.get("/admin/measures/record/add/?_to_field=id&_popup=1").status_code == 403
    page = editor_client.get(change_url(Measure.objects.get(slug="ai-subsidy-scheme")))
    assert 'class="related-widget-wrapper-link add-related" id="add_id_record_links' not in (
        page.content.decode()
    )
    bureau = Record.objects.get(slug="vtc")
    response = editor_client.get(
        f"/admin/measures/record/{bureau.pk}/change/?_popup=1&_to_field=id"
    )
    assert response.status_code == 302
    assert (
        response["Location"] == f"/admin/measures/bureau/{bureau.pk}/change/?_popup=1&_to_field=id"
    )


def test_a_bureau_without_a_kind_of_body_is_refused_on_that_field(editor_client):
    bureau = Record.objects.get(slug="vtc")
    data = form_data(editor_client.get(record_change_url(bureau)))
    data["kind"] = ""
    data["name_en"] = "Renamed"
    response = editor_client.post(record_change_url(bureau), data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["kind"] == [
        "A bureau or department needs a kind of body from the list."
    ]
    assert Record.objects.get(pk=bureau.pk).name_en != "Renamed"


@pytest.mark.parametrize("paragraph", ["", "3"])
def test_a_source_cited_twice_in_one_save_is_refused_on_the_row(editor_client, paragraph):
    measure = Measure.objects.get(slug="ai-subsidy-scheme")
    source = Source.objects.exclude(citations__measure=measure).first()
    before = measure.citations.count()
    row = {"source": str(source.pk), "paragraph": paragraph, "quote_zh": "引文"}
    data = with_new_rows(form_data(editor_client.get(change_url(measure))), "citations", [row, row])
    response = editor_client.post(change_url(measure), data)
    assert response.status_code == 200
    assert any("source" in form.errors for form in inline_rows(response, "citations"))
    assert measure.citations.count() == before


def test_a_measure_related_to_itself_is_refused_on_the_row(editor_client):
    measure = Measure.objects.get(slug="ai-subsidy-scheme")
    before = measure.relations_from.count()
    row = {"kind": "continues", "to_measure": str(measure.pk)}
    data = with_new_rows(form_data(editor_client.get(change_url(measure))), "relations_from", [row])
    response = editor_client.post(change_url(measure), data)
    assert response.status_code == 200
    assert any("to_measure" in form.errors for form in inline_rows(response, "relations_from"))
    assert measure.relations_from.count() == before


def test_a_body_that_runs_a_course_or_succeeds_another_is_not_deleted_unseen(editor_client):
    body = Record.objects.create(
        type="bureau",
        slug="short-lived-office",
        name_zh="短期辦公室",
        name_en="Short-lived Office",
        kind="department",
    )
    course = Record.objects.get(slug="ai-training-for-teachers")
    course.provider = body
    course.save()
    delete_url = reverse("admin:measures_bureau_delete", args=[body.pk])
    page = editor_client.get(delete_url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "would require deleting the following protected related objects" in page
    assert escape(str(course)) in page
    response = editor_client.post(delete_url, {"post": "yes"})
    assert Record.objects.filter(pk=body.pk).exists()
    course.refresh_from_db()
    assert course.provider_id == body.pk
    assert response.status_code == 200  # the same page again, nothing deleted


def test_a_link_given_twice_is_named_in_the_editor_s_words(editor_client):
    measure = Measure.objects.get(slug="ai-subsidy-scheme")
    link = measure.record_links.first()
    row = {"record": str(link.record_id), "role": link.role}
    data = with_new_rows(form_data(editor_client.get(change_url(measure))), "record_links", [row])
    response = editor_client.post(change_url(measure), data, HTTP_ACCEPT_LANGUAGE="zh-hant")
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    with translation.override("zh-hant"):
        fields = ("measure", "record", "role")  # the link's unique constraint
        names = [str(MeasureLink._meta.get_field(name).verbose_name) for name in fields]
        message = gettext("Please correct the duplicate data for %(field)s, which must be unique.")
        expected = message % {"field": get_text_list(names, gettext("and"))}
    assert "record" not in expected and expected in page
