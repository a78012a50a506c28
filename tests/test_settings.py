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
    assert database_options(DATABASE_URL=POSTGRES) == {
        "options": "-c random_page_cost=1.1",
        "connect_timeout": 5,
    }


def test_the_planner_cost_can_be_changed_or_left_to_the_server():
    assert database_options(DATABASE_URL=POSTGRES, DATABASE_RANDOM_PAGE_COST="2") == {
        "options": "-c random_page_cost=2",
        "connect_timeout": 5,
    }
    assert database_options(DATABASE_URL=POSTGRES, DATABASE_RANDOM_PAGE_COST="") == {
        "connect_timeout": 5
    }
    # Options given in DATABASE_URL itself are kept.
    given = database_options(
        DATABASE_URL=POSTGRES + "?options=-c%20work_mem%3D8MB&connect_timeout=10"
    )
    assert given == {"options": "-c work_mem=8MB", "connect_timeout": 10}


def test_postgresql_gives_up_connecting_after_a_few_seconds():
    options = database_options(DATABASE_URL=POSTGRES, DATABASE_CONNECT_TIMEOUT="3")
    assert options["connect_timeout"] == 3
    result = run_python(PRINT_DATABASE_OPTIONS, DATABASE_URL=POSTGRES, DATABASE_CONNECT_TIMEOUT="0")
    assert result.returncode != 0
    assert "DATABASE_CONNECT_TIMEOUT must be 1 or more seconds" in result.stderr


@pytest.mark.parametrize("database_url", ["", "sqlite:////tmp/budget-settings-test.sqlite3"])
def test_sqlite_saves_wait_for_each_other(database_url):
    options = database_options(DATABASE_URL=database_url)
    assert options == {"timeout": 20, "transaction_mode": "IMMEDIATE"}


PRINT_CACHE = (
    "import json, django; django.setup(); from django.conf import settings; "
    "print(json.dumps(settings.CACHES['default']))"
)


def test_redis_is_asked_briefly_and_its_errors_are_forgiven():
    result = run_python(PRINT_CACHE, CACHE_URL="redis://cache.example.org:6379/0")
    assert result.returncode == 0, result.stderr
    cache = json.loads(result.stdout)
    assert cache["BACKEND"] == "django_redis.cache.RedisCache"
    assert cache["LOCATION"] == "redis://cache.example.org:6379/0"
    options = cache["OPTIONS"]
    assert options["IGNORE_EXCEPTIONS"] is True
    assert 0 < options["SOCKET_CONNECT_TIMEOUT"] < 1
    assert 0 < options["SOCKET_TIMEOUT"] < 1
    assert options["REDIS_CLIENT_KWARGS"] == {"backoff_seconds": 5}


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("CACHE_RETRY_SECONDS", "0", "CACHE_RETRY_SECONDS must be 1 or more"),
        ("CACHE_RETRY_SECONDS", "soon", "CACHE_RETRY_SECONDS must be a whole number"),
        ("PAGE_CACHE_SECONDS", "-1", "PAGE_CACHE_SECONDS must be 0 or more"),
        ("COUNT_CACHE_SECONDS", "-1", "COUNT_CACHE_SECONDS must be 0 or more"),
        ("TRUSTED_PROXY_COUNT", "-1", "TRUSTED_PROXY_COUNT must be 0 or more"),
        ("TRUSTED_PROXY_COUNT", "one", "TRUSTED_PROXY_COUNT must be a whole number"),
    ],
)
def test_bad_values_are_refused_with_their_name(name, value, message):
    result = run_python(PRINT_CACHE, **{name: value})
    assert result.returncode != 0
    assert message in result.stderr


@pytest.mark.parametrize("value", ["1.1; DROP", "nan", "-1", "0", "inf"])
def test_a_planner_cost_that_is_not_a_positive_number_is_refused_with_its_name(value):
    result = run_python(
        PRINT_DATABASE_OPTIONS, DATABASE_URL=POSTGRES, DATABASE_RANDOM_PAGE_COST=value
    )
    assert result.returncode != 0
    assert "DATABASE_RANDOM_PAGE_COST must be a number above 0" in result.stderr
