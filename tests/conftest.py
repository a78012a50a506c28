import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.core.management import call_command
from django.utils import translation
from hypothesis import settings as hypothesis_settings

from measures.editors import EDITORS_GROUP

# Property-based tests: a few hundred examples in every run (the same ones each time); the long
# run is `HYPOTHESIS_PROFILE=long` (see bench/README.md).
hypothesis_settings.register_profile("default", max_examples=300, derandomize=True)
hypothesis_settings.register_profile("long", max_examples=20_000)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The article the data was curated from; shared/ sits beside the project checkout.
SOURCE_ARTICLE = PROJECT_ROOT.parent / "shared" / "seeds" / "000_b7e36cb6305b4123.txt"


def run_in_project(*args, **environment):
    """``python *args`` in a fresh process in the project folder, with ``environment`` added to
    this process's: for settings that are read once, at start-up."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=PROJECT_ROOT,
        env={**os.environ, **environment},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every test starts from the curated knowledge base (each test's changes are rolled back).

    Tests that need a live server use ``load_curated_data`` themselves: their database is
    emptied after each of them.
    """
    with django_db_blocker.unblock():
        call_command("seed", verbosity=0)


@pytest.fixture(autouse=True)
def no_page_cache(settings):
    """Tests see freshly rendered pages (with their context) and fresh counts; test_caching.py
    turns both on."""
    settings.PAGE_CACHE_SECONDS = 0
    settings.COUNT_CACHE_SECONDS = 0
    cache.clear()


@pytest.fixture(autouse=True)
def no_facet_time_limit(settings):
    """On PostgreSQL, pages count every facet however busy the machine is, so that what a test
    reads does not depend on its speed; the tests of the time limit set one."""
    settings.FACET_TIME_BUDGET_MS = 0


@pytest.fixture(autouse=True)
def default_language(settings):
    """Each test starts in the site's default language: a request to an /en/ page leaves
    English active in the test's thread, which would change the next test's addresses."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def load_curated_data():
    call_command("seed", verbosity=0)


@pytest.fixture
def editor(db):
    user = User.objects.create_user("editor", password="a long editor password", is_staff=True)
    user.groups.add(Group.objects.get(name=EDITORS_GROUP))
    return user


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client
