"""Settings read from the environment: safe defaults, and a clear refusal of bad values."""

import json

import pytest

from .conftest import run_in_project

POSTGRES = "postgres://budget@db.example.org:5432/budget"
PRINT_DATABASE_OPTIONS = (
    "import json, django; django.setup(); from django.conf import settings; "
    "print(json.dumps(settings.DATABASES['default'].get('OPTIONS', {})))"
)


def run_python(code, **environment):
    return run_in_project("-c", code, DJANGO_SETTINGS_MODULE="budget2026.settings", **environment)


def database_options(**environment):
    result = run_python(PRINT_DATABASE_OPTIONS, **environment)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_postgresql_connections_plan_for_data_in_memory_by_default():
    assert database_options(DATABASE_URL=POSTGRES) == {"options": "-c random_page_cost=1.1"}


def test_the_planner_cost_can_be_changed_or_left_to_the_server():
    assert database_options(DATABASE_URL=POSTGRES, DATABASE_RANDOM_PAGE_COST="2") == {
        "options": "-c random_page_cost=2"
    }
    assert database_options(DATABASE_URL=POSTGRES, DATABASE_RANDOM_PAGE_COST="") == {}
    # Options given in DATABASE_URL itself are kept.
    given = database_options(DATABASE_URL=POSTGRES + "?options=-c%20work_mem%3D8MB")
    assert given == {"options": "-c work_mem=8MB"}


@pytest.mark.parametrize("value", ["1.1; DROP", "nan", "-1", "0", "inf"])
def test_a_planner_cost_that_is_not_a_positive_number_is_refused_with_its_name(value):
    result = run_python(
        PRINT_DATABASE_OPTIONS, DATABASE_URL=POSTGRES, DATABASE_RANDOM_PAGE_COST=value
    )
    assert result.returncode != 0
    assert "DATABASE_RANDOM_PAGE_COST must be a number above 0" in result.stderr
