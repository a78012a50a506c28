"""Admin login throttling: the client's address behind proxies, lock-outs by address, by user
name and by both, odd user names, and where a login lands."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

PASSWORD = "the right password 123"
PROXY = "10.0.0.2"


@pytest.fixture
def chief():
    return User.objects.create_superuser("chief", password=PASSWORD)


def log_in(username, password, *, address=PROXY, forwarded=None, next_url=None):
    headers = {"x-forwarded-for": forwarded} if forwarded else {}
    url = reverse("admin:login") + (f"?next={next_url}" if next_url else "")
    return Client().post(
        url, {"username": username, "password": password}, REMOTE_ADDR=address, headers=headers
    )


def recorded_addresses():
    return set(AccessAttempt.objects.values_list("ip_address", flat=True))


def test_without_trusted_proxies_the_connection_address_counts(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    log_in("chief", "wrong", address="198.51.100.7", forwarded="203.0.113.9")
    assert recorded_addresses() == {"198.51.100.7"}  # a forged X-Forwarded-For is ignored


@pytest.mark.parametrize(
    "count, forwarded, client",
    [
        (1, "198.51.100.7", "198.51.100.7"),
        (1, "203.0.113.9, 198.51.100.7", "198.51.100.7"),  # the client forged the first entry
        (2, "203.0.113.9, 198.51.100.7, 10.0.0.1", "198.51.100.7"),
        (2, "198.51.100.7", "198.51.100.7"),  # came in through the inner proxy only
        (1, "not-an-address", PROXY),
    ],
)
def test_behind_trusted_proxies_the_client_address_counts(settings, count, forwarded, client):
    settings.TRUSTED_PROXY_COUNT = count
    log_in("chief", "wrong", forwarded=forwarded)
    assert recorded_addresses() == {client}


def test_behind_a_proxy_one_client_cannot_lock_out_another(settings, chief):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(5):
        log_in("someone", "wrong", forwarded="203.0.113.9")
    assert log_in("someone-else", "wrong", forwarded="203.0.113.9").status_code == 429
    assert log_in("chief", PASSWORD, forwarded="198.51.100.7").status_code == 302


def test_one_address_trying_many_user_names_is_locked_out(chief):
    answers = [log_in(f"guess-{number}", "wrong").status_code for number in range(5)]
    assert answers == [200, 200, 200, 200, 429]  # the fifth failure locks the address out
    assert log_in("chief", PASSWORD).status_code == 429


def test_one_user_name_tried_from_many_addresses_is_locked_out(chief):
    answers = [
        log_in("chief", "wrong", address=f"198.51.100.{number + 1}").status_code
        for number in range(5)
    ]
    assert answers == [200, 200, 200, 200, 429]
    assert log_in("chief", PASSWORD, address="198.51.100.99").status_code == 429


def test_a_very_long_user_name_is_an_ordinary_failed_login():
    response = log_in("x" * 300, "wrong")
    assert response.status_code == 200
    assert "errornote" in response.content.decode()
    (attempt,) = AccessAttempt.objects.all()
    assert attempt.username == "x" * 150


def test_a_login_with_an_off_site_next_lands_on_the_admin(chief):
    response = log_in("chief", PASSWORD, next_url="https://evil.example.org/")
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
