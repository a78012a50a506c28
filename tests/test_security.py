"""Safe to put on the internet: headers, deploy settings, login throttling, CSRF, permissions."""

import json
import re

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.urls import reverse

from measures.models import Measure

from .conftest import run_in_project

pytestmark = pytest.mark.django_db

PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "test-only-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJKLMNOP",
    "ALLOWED_HOSTS": "budget.example.org",
}


def run_with_production_settings(*args, tmp_path):
    database = f"sqlite:///{tmp_path / 'production-check.sqlite3'}"
    return run_in_project(*args, **PRODUCTION_ENV, DATABASE_URL=database)


def test_production_settings_pass_the_deploy_check_without_warnings(tmp_path):
    result = run_with_production_settings(
        "manage.py", "check", "--deploy", "--fail-level", "WARNING", tmp_path=tmp_path
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = run_in_project("manage.py", "check", DEBUG="0", ALLOWED_HOSTS="x.org", SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_sends_hsts_and_secure_cookies(tmp_path):
    script = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
HOST = "budget.example.org"
response = Client().get("/healthz", secure=True, headers={"host": HOST})
print(json.dumps({
    "status": response.status_code,
    "hsts": response.get("Strict-Transport-Security"),
    "redirect": Client().get("/", headers={"host": HOST}).status_code,
    "health_over_http": Client().get("/healthz", headers={"host": HOST}).status_code,
    "session_secure": settings.SESSION_COOKIE_SECURE,
    "session_httponly": settings.SESSION_COOKIE_HTTPONLY,
    "csrf_secure": settings.CSRF_COOKIE_SECURE,
    "csrf_httponly": settings.CSRF_COOKIE_HTTPONLY,
}))
"""
    env_script = [
        "-c",
        "import os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'budget2026.settings');"
        + script,
    ]
    run_with_production_settings("manage.py", "migrate", "-v0", tmp_path=tmp_path)
    result = run_with_production_settings(*env_script, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    facts = json.loads(result.stdout.strip().splitlines()[-1])
    assert facts["status"] == 200
    assert facts["hsts"].startswith("max-age=31536000")
    assert facts["redirect"] == 301  # plain HTTP is sent to HTTPS ...
    assert facts["health_over_http"] == 200  # ... but a load balancer's health probe is not
    assert facts["session_secure"] and facts["session_httponly"]
    assert facts["csrf_secure"] and facts["csrf_httponly"]


@pytest.mark.parametrize(
    "url", ["/", "/en/measures/", "/measures/ai-subsidy-scheme/", "/admin/login/"]
)
def test_every_response_carries_the_security_headers(client, url):
    response = client.get(url)
    policy = response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in policy
    for directive in [
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "default-src 'self'",
    ]:
        assert directive in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    policy = response["Permissions-Policy"]
    for feature in ["camera", "microphone", "geolocation", "payment", "usb"]:
        assert f"{feature}=()" in policy


@pytest.mark.parametrize("url", ["/no-such-page/", "/favicon.ico", "/healthz"])
def test_errors_redirects_and_health_carry_the_permissions_policy_too(client, url):
    assert "camera=()" in client.get(url)["Permissions-Policy"]


OTHER_SITE = {"origin": "https://other.example.org"}
OPEN_DATA = [
    "/api/",
    "/api/measures/",
    "/en/api/measures/?kind=research",
    "/api/measures/ai-subsidy-scheme/",
    "/api/openapi.json",
    "/measures.csv",
    "/en/measures.json",
    "/data/",
    "/data/measures.csv",
]


@pytest.mark.parametrize("url", OPEN_DATA)
def test_other_sites_scripts_may_read_the_open_data(client, url):
    response = client.get(url, headers=OTHER_SITE)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response
    # Their scripts may read the validators, to ask again only when the data changed.
    assert response["Access-Control-Expose-Headers"] == "ETag, Last-Modified"
    assert response["ETag"] and response["Last-Modified"]


def test_a_cross_origin_preflight_on_the_api_allows_reading_only(client):
    response = client.options(
        "/api/measures/", headers={**OTHER_SITE, "access-control-request-method": "GET"}
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"


@pytest.mark.parametrize(
    "url", ["/", "/en/measures/", "/measures/ai-subsidy-scheme/", "/admin/login/", "/healthz"]
)
def test_other_pages_keep_the_same_origin_rules(client, url):
    response = client.get(url, headers=OTHER_SITE)
    assert "Access-Control-Allow-Origin" not in response


def test_public_pages_have_no_inline_script_or_style(client):
    for url in [
        "/",
        "/en/measures/?bureau=hkma",
        "/measures/dsd-smart-flood-warning/",
        "/bureaux/",
    ]:
        page = client.get(url).content.decode()
        # Every script is a file (src=...); none carries code of its own, with or without
        # attributes such as type= or nonce=.
        scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", page, flags=re.S | re.I)
        assert scripts and all(not body.strip() for body in scripts), url
        assert not re.search(r"<script\b(?![^>]*\bsrc=)", page, flags=re.I), url
        assert "style=" not in page and "<style" not in page


def test_repeated_failed_logins_are_throttled():
    User.objects.create_superuser("chief", password="the right password 123")
    client = Client()
    for _ in range(5):
        response = client.post(
            reverse("admin:login"),
            {"username": "chief", "password": "wrong"},
            REMOTE_ADDR="10.0.0.9",
        )
    response = client.post(
        reverse("admin:login"),
        {"username": "chief", "password": "the right password 123"},
        REMOTE_ADDR="10.0.0.9",
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_correct_login_is_not_throttled():
    User.objects.create_superuser("chief", password="the right password 123")
    client = Client()
    response = client.post(
        reverse("admin:login"), {"username": "chief", "password": "the right password 123"}
    )
    assert response.status_code == 302


def test_admin_posts_need_a_csrf_token(editor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    measure = Measure.objects.get(slug="ai-subsidy-scheme")
    url = reverse("admin:measures_measure_change", args=[measure.pk])
    response = client.post(url, {"name_en": "Forged"})
    assert response.status_code == 403
    assert Measure.objects.get(pk=measure.pk).name_en != "Forged"


def test_editors_hold_no_permission_over_users_groups_or_permissions(editor):
    for app_label in ("auth", "admin", "sessions", "contenttypes", "axes"):
        assert not Permission.objects.filter(
            group__user=editor, content_type__app_label=app_label
        ).exists()
    assert editor.has_perm("measures.change_measure")
    assert not editor.has_perm("auth.change_user")
    assert not editor.has_perm("auth.change_group")
