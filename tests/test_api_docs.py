"""The /api/ page is the OpenAPI description made readable: every endpoint, query parameter and
field the schema has, in both languages, and nothing the schema does not have."""

import ast
import json
import re
from pathlib import Path

import django_filters
import jsonschema
import pytest
from django.utils.html import escape
from django.utils.text import capfirst
from rest_framework import serializers

from measures.api import docs
from measures.api.schema import api_schema, split_description
from measures.api.serializers import MeasureSerializer
from measures.listing.filters import MeasureFilter
from measures.models import Record

pytestmark = pytest.mark.django_db

PREFIXES = ["/", "/en/"]


@pytest.fixture(autouse=True)
def fresh_schema():
    """Each test reads the schema of the code as it is then (a test may add a filter)."""
    api_schema.cache_clear()
    yield
    api_schema.cache_clear()


def served_schema(client, prefix):
    response = client.get(f"{prefix}api/openapi.json")
    assert response.status_code == 200
    return json.loads(response.content)


def docs_page(client, prefix):
    response = client.get(f"{prefix}api/")
    assert response.status_code == 200
    return response.content.decode()


def query_parameters(schema):
    """``{path: [parameter]}``: the query parameters of each operation of ``schema``."""
    return {
        path: [p for p in item["get"].get("parameters", []) if p["in"] == "query"]
        for path, item in schema["paths"].items()
    }


def parameter_tables(page):
    """``{path: table HTML}`` for each table of query parameters, by the paths in its heading."""
    section = page[page.index('<section id="parameters"') :]
    section = section[: section.index("</section>")]
    tables = {}
    for heading, table in re.findall(r"<h3[^>]*>(.*?)</h3>.*?(<table.*?</table>)", section, re.S):
        for path in re.findall(r"/[^\s,<]*/", heading):
            tables[path] = table
    return tables


@pytest.mark.parametrize("prefix", PREFIXES)
def test_the_page_lists_every_operation_of_the_schema(client, prefix):
    schema, page = served_schema(client, prefix), docs_page(client, prefix)
    assert schema["paths"]
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            link = "" if "{" in path else f'<a href="{path}">'
            assert f"<code>{method.upper()} {link}{path}" in page, path
            assert escape(operation["description"]) in page, path


@pytest.mark.parametrize("prefix", PREFIXES)
def test_the_page_lists_exactly_the_query_parameters_of_each_operation(client, prefix):
    schema, page = served_schema(client, prefix), docs_page(client, prefix)
    tables = parameter_tables(page)
    for path, parameters in query_parameters(schema).items():
        if not parameters:
            assert path not in tables
            continue
        table = tables[path]
        rendered = re.findall(r'<th scope="row"><code>([^<]*)</code>', table)
        assert rendered == [p["name"] for p in parameters], path
        for parameter in parameters:
            row = table[table.index(f"<code>{parameter['name']}</code>") :]
            row = row[: row.index("</tr>")]
            values = parameter["schema"].get("items", parameter["schema"])
            for value in values.get("enum", []):
                assert f"<code>{value}</code>" in row, (path, parameter["name"], value)
            description, choices = split_description(parameter.get("description", ""))
            for line in description.splitlines():
                assert escape(line) in row, (path, parameter["name"])
            for _value, label in choices:
                assert escape(label) in row
            if "title" in parameter["schema"]:
                assert escape(capfirst(parameter["schema"]["title"])) in row


@pytest.mark.parametrize("prefix", PREFIXES)
def test_the_page_lists_every_field_of_every_answer(client, prefix):
    schema, page = served_schema(client, prefix), docs_page(client, prefix)
    components = schema["components"]["schemas"]
    results = {
        name
        for name, component in components.items()
        if not name.startswith("Paginated") and component.get("type") == "object"
    }
    for name in results:
        for field, value in components[name]["properties"].items():
            # A nested object's fields are named by their path: source[].article.slug
            assert re.search(rf"<code>([\w\[\]]+\.)*{field}(\[\])?</code>", page), field
            if value.get("description"):
                assert escape(value["description"]) in page, (name, field)


def test_the_page_is_in_the_language_of_its_address(client):
    chinese, english = docs_page(client, "/"), docs_page(client, "/en/")
    assert "中文或英文字詞" in chinese and "Words in Chinese or English" not in chinese
    assert "Words in Chinese or English" in english
    assert '<code>GET <a href="/en/api/measures/">/en/api/measures/</a>' in english
    assert "中文名稱" in chinese and "Name in Chinese" in english


def test_the_schema_s_title_and_description_are_in_the_language_of_its_address(client):
    chinese, english = served_schema(client, "/")["info"], served_schema(client, "/en/")["info"]
    assert (chinese["title"], chinese["description"]) == (
        "2026預算案AI措施 API",
        "香港2026-27年度預算案AI措施的唯讀開放資料。",
    )
    assert english["title"] == "Budget 2026 AI measures API"


def test_a_filter_added_to_the_filterset_shows_on_the_page(client, monkeypatch):
    added = django_filters.CharFilter(
        label="Made-up filter", max_length=12, help_text="Only this test adds it"
    )
    monkeypatch.setitem(MeasureFilter.base_filters, "made_up", added)
    page = docs_page(client, "/en/")
    table = parameter_tables(page)["/en/api/measures/"]
    assert "<code>made_up</code>" in table
    assert "Made-up filter" in table and "Only this test adds it" in table
    assert "Text of at most 12 characters" in table
    assert "made_up" in {
        p["name"] for p in query_parameters(served_schema(client, "/en/"))["/en/api/measures/"]
    }


def test_a_field_added_to_the_measure_serializer_shows_on_the_page(client, monkeypatch):
    monkeypatch.setitem(
        MeasureSerializer._declared_fields,
        "made_up_field",
        serializers.CharField(source="slug", help_text="A field only this test adds"),
    )
    monkeypatch.setattr(
        MeasureSerializer.Meta, "fields", [*MeasureSerializer.Meta.fields, "made_up_field"]
    )
    page = docs_page(client, "/en/")
    section = page[page.index('id="measure-fields"') : page.index('id="record-fields"')]
    assert "<code>made_up_field</code>" in section
    assert "A field only this test adds" in section


def test_the_docs_code_names_no_parameter_and_no_field():
    """The page reads names from the schema; the docs module holds no list of them."""
    names = {*MeasureFilter.base_filters, "page", "page_size", *MeasureSerializer().fields}
    tree = ast.parse(Path(docs.__file__).read_text())
    literals = {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }
    assert not names & literals


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("/en/", "The slug of a source, as each measure gives it in sources[].slug"),
        ("/", "sources[].slug"),
    ],
)
def test_the_source_parameter_says_where_its_values_are_found(client, prefix, expected):
    page = client.get(f"{prefix}api/").content.decode()
    row = page[page.index("<code>source</code>") :]
    row = row[: row.index("</tr>")]
    assert expected in row
    assert "A slug from the list of" not in row


def documented_answer(operation, response):
    """Asserts that ``response`` is an answer ``operation`` documents, its body as described."""
    documented = operation["responses"].get(str(response.status_code))
    assert documented, f"{response.status_code} is not documented"
    if "content" in documented:
        jsonschema.validate(response.json(), documented["content"]["application/json"]["schema"])


@pytest.mark.parametrize("prefix", PREFIXES)
def test_every_answer_to_a_request_the_api_cannot_serve_is_in_the_schema(client, prefix):
    """A client generated from the schema knows the 400 of a bad parameter, the 404 of an
    unknown slug and the 301 of an old slug, with the shape of their bodies."""
    schema = served_schema(client, prefix)
    vtc = Record.objects.get(slug="vtc")
    vtc.slug = "vocational-training-council"
    vtc.save()
    for path, item in schema["paths"].items():
        operation = item["get"]
        if "{slug}" in path:
            unknown = client.get(path.replace("{slug}", "no-such-slug"))
            assert unknown.status_code == 404
            documented_answer(operation, unknown)
            assert "301" in operation["responses"]
        else:
            bad_page = client.get(path, {"page": "0", "page_size": "501"})
            assert bad_page.status_code == 400
            assert set(bad_page.json()) == {"page", "page_size"}
            documented_answer(operation, bad_page)
    old_slug = client.get(f"{prefix}api/bureaux/vtc/")
    assert old_slug.status_code == 301
    documented_answer(schema["paths"][f"{prefix}api/bureaux/{{slug}}/"]["get"], old_slug)
    filtered_by_old_slug = client.get(f"{prefix}api/measures/", {"bureau": "vtc"})
    assert filtered_by_old_slug.status_code == 301
    documented_answer(schema["paths"][f"{prefix}api/measures/"]["get"], filtered_by_old_slug)
    unknown_bureau = client.get(f"{prefix}api/measures/", {"bureau": "no-such-bureau"})
    assert unknown_bureau.status_code == 400
    documented_answer(schema["paths"][f"{prefix}api/measures/"]["get"], unknown_bureau)
