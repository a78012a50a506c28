"""The production set-up in deploy/: gunicorn's sync workers behind nginx, which keeps slow
clients away from them and tells the site who the client is and how it connected.

Runs nginx from a temporary folder on loopback ports (``make test`` installs nginx-light).
"""

import pytest

from bench.slowclients import Gunicorn, Nginx, SlowClients, get, server_folder


@pytest.fixture(scope="module")
def servers():
    with server_folder() as folder, Gunicorn(folder) as gunicorn, Nginx(folder, gunicorn) as nginx:
        yield gunicorn, nginx


def test_the_example_configuration_passes_nginxs_own_check():
    with server_folder() as folder:
        passed, said = Nginx(folder, upstream=Gunicorn(folder)).test_config()
    assert passed, said


def test_slow_clients_do_not_hold_up_normal_requests(servers):
    gunicorn, nginx = servers
    # Twice as many slow clients as gunicorn has workers: on their own, they would hold them all.
    with SlowClients(nginx.port, count=4) as slow:
        answers = [get(nginx.url("/healthz"), timeout=10)[0] for _ in range(3)]
        assert answers == [200, 200, 200]
        assert slow.answered == 0  # their requests are still unfinished


def test_plain_http_through_nginx_is_sent_to_https_whatever_the_client_claims(servers):
    _gunicorn, nginx = servers
    status, _took, headers = get(
        nginx.url("/"), headers={"Host": "budget.example.org", "X-Forwarded-Proto": "https"}
    )
    assert status == 301
    assert headers["Location"] == "https://budget.example.org/"
