"""The database under strain: simultaneous saves on SQLite, and a database that does not answer."""

import socket

import pytest

from .conftest import run_in_project

SIMULTANEOUS_SAVES = """
import threading
import django
from django.db import OperationalError, connection, transaction

django.setup()
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE saves (editor text)")
connection.close()
both_have_read = threading.Barrier(2)
results = []


def save(editor):
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM saves")  # a save reads before it writes
            try:
                both_have_read.wait(timeout=2)
            except threading.BrokenBarrierError:
                pass  # the other save is waiting for this one to finish: as it should
            with connection.cursor() as cursor:
                cursor.execute("INSERT INTO saves VALUES (%s)", [editor])
        results.append("saved")
    except OperationalError as error:
        results.append(str(error))
    finally:
        connection.close()


threads = [threading.Thread(target=save, args=[editor]) for editor in ("first", "second")]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(sorted(results))
"""

HEALTH_CHECK = """
import django
from django.test import Client

django.setup()
print(Client().get("/healthz").status_code)
"""


def run_django(code, **environment):
    return run_in_project("-c", code, DJANGO_SETTINGS_MODULE="budget2026.settings", **environment)


def test_simultaneous_saves_on_sqlite_wait_for_each_other(tmp_path):
    database = f"sqlite:///{tmp_path / 'simultaneous.sqlite3'}"
    result = run_django(SIMULTANEOUS_SAVES, DATABASE_URL=database)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['saved', 'saved']"


@pytest.mark.django_db
def test_health_is_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"


def test_health_is_503_when_the_database_does_not_answer():
    with socket.socket() as silent:  # accepts connections (the kernel does) but never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        result = run_django(
            HEALTH_CHECK,
            DATABASE_URL=f"postgres://budget@127.0.0.1:{port}/budget",
            DATABASE_CONNECT_TIMEOUT="30",  # the health check keeps its own, shorter limit
        )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "503"
