"""Request bodies bounded through gunicorn, as deployed (sync workers, ``gunicorn.conf.py``),
over this run's test database: an oversized announced length is answered at once and
unsent, a chunked upload is cut off at its limit, a file part where none is taken is
refused, and a body that never comes is cut by the worker timeout (WEB_TIMEOUT_SECONDS).

What the worker wrote is measured in ``/proc/<pid>/io`` (``wchar``: bytes written, to
temporary files included), and the folder it keeps temporary files in (``TMPDIR``) is
checked; a chunked body past 2 MB is spooled there as it is read.
"""

import json
import socket
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils.crypto import get_random_string

from organisations.models import RosterImport
from tests.integration.conftest import Broker, database_url, wait_until
from tests.support.served import WebServer, process_tree, served_environment, web_start

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

MEGABYTE = 1024 * 1024
ROSTER_BODY_LIMIT = 5 * MEGABYTE + 64 * 1024
# Short, so that the slow-body test is; long enough for a worker to start on a busy machine
# (gunicorn replaces a worker that takes longer to start, too).
TIMEOUT_SECONDS = 6
BOUNDARY = "lms-test-boundary"


@pytest.fixture(scope="module")
def server(django_db_setup, tmp_path_factory) -> WebServer:
    folder = tmp_path_factory.mktemp("request-bodies")
    temporary = folder / "tmp"
    temporary.mkdir()
    broker = Broker("filesystem://", folder / "var", {"polling_interval": 0.1})
    environment = served_environment(database_url=database_url(), broker=broker, media_root=folder / "media")
    # This process's key, so that the server reads the sessions signed here.
    environment |= {
        "TMPDIR": str(temporary),
        "WEB_TIMEOUT_SECONDS": str(TIMEOUT_SECONDS),
        "SECRET_KEY": settings.SECRET_KEY,
    }
    web = web_start(environment=environment, workers=1, log_path=folder / "web.log", timeout=None)
    web.temporary = temporary
    yield web
    web.stop()


def worker_pid(server: WebServer) -> int:
    """The one worker's process id, once it answers."""

    def answering() -> int | None:
        try:
            with urllib.request.urlopen(f"{server.base_url}/healthz", timeout=5) as response:
                healthy = response.status == 200
        except (OSError, urllib.error.URLError):
            return None
        workers = [pid for pid in process_tree(server.process.pid) if pid != server.process.pid]
        return workers[0] if healthy and len(workers) == 1 else None

    return wait_until(answering, "the web worker to answer")


def temporary_files(server: WebServer) -> set[str]:
    # The test settings make a media folder there when they load: only files count.
    return {path.name for path in server.temporary.iterdir() if path.is_file()}


def io_counters(pid: int) -> dict[str, int]:
    lines = Path(f"/proc/{pid}/io").read_text().splitlines()
    return {name: int(value) for name, _, value in (line.partition(": ") for line in lines)}


def head(method: str, path: str, headers: dict[str, str]) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{name}: {value}" for name, value in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def response_read(connection: socket.socket) -> tuple[int, bytes]:
    """Status and body of the answer, read until gunicorn closes the connection."""
    received = b""
    try:
        while chunk := connection.recv(65536):
            received += chunk
    except ConnectionResetError:
        pass  # the answer came first: gunicorn closed with part of the body unread
    header, _, body = received.partition(b"\r\n\r\n")
    return int(header.split(b" ", 2)[1]), body


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> bytes:
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts += [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'.encode()
        + b"Content-Type: application/octet-stream\r\n\r\n"
        + content
        + b"\r\n"
        for name, (filename, content) in files.items()
    ]
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


# The header ----------------------------------------------------------------------------------

ANNOUNCED = {
    "anonymous token, 400 MB": ("/api/v1/auth/token/", 400 * MEGABYTE, "The request is larger than 1.0\xa0MB"),
    "roster API, 500 MB": ("/api/v1/officers/import/", 500 * MEGABYTE, "The file is larger than 5.0\xa0MB"),
    "roster page, 500 MB": ("/roster/import/", 500 * MEGABYTE, "The file is larger than 5.0\xa0MB"),
}


@pytest.mark.parametrize(("path", "length", "message"), ANNOUNCED.values(), ids=ANNOUNCED.keys())
def test_an_announced_body_over_the_limit_is_answered_at_once_without_being_sent(server, path, length, message):
    worker_pid(server)
    started = time.monotonic()

    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
        connection.sendall(head("POST", path, {"Content-Type": MULTIPART, "Content-Length": str(length)}))
        status, body = response_read(connection)

    elapsed = time.monotonic() - started
    message = f"{message}, the most accepted here."
    assert status == 413
    if path.startswith("/api/"):
        assert json.loads(body) == {"detail": message}
    else:
        assert f'<p class="notice">{message}</p>'.encode() in body
    assert elapsed < 3  # at once: it waited for none of the body


# The stream ----------------------------------------------------------------------------------


def test_a_chunked_upload_over_the_limit_is_cut_off(server):
    pid = worker_pid(server)
    before, files_before = io_counters(pid), temporary_files(server)
    file_bytes = 50 * MEGABYTE
    body = multipart({}, {"file": ("roster.csv", b"x" * file_bytes)})
    sent = 0

    def send_chunks(connection: socket.socket) -> None:
        nonlocal sent
        try:
            for start in range(0, len(body), 64 * 1024):
                piece = body[start : start + 64 * 1024]
                connection.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                sent += len(piece)
            connection.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # cut off: gunicorn closed the connection

    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as connection:
        headers = {"Content-Type": MULTIPART, "Transfer-Encoding": "chunked"}
        connection.sendall(head("POST", "/api/v1/officers/import/", headers))
        sender = threading.Thread(target=send_chunks, args=(connection,))
        sender.start()
        status, answer = response_read(connection)
        sender.join(timeout=30)

    after = io_counters(pid)
    assert status == 413
    assert json.loads(answer) == {"detail": "The file is larger than 5.0\xa0MB, the most accepted here."}
    # The worker spooled what it read up to the limit, then stopped (a few log lines aside);
    # the client got the rest of the 50 MB no further than the kernel's socket buffers.
    written = after["wchar"] - before["wchar"]
    assert ROSTER_BODY_LIMIT <= written < ROSTER_BODY_LIMIT + 64 * 1024
    assert sent < 25 * MEGABYTE
    assert temporary_files(server) == files_before


def test_a_chunked_upload_within_the_limit_is_imported(server, tree, people):
    worker_pid(server)
    browser = Client()
    browser.force_login(people.trainer_north)
    secret = get_random_string(32)
    cookies = f"sessionid={browser.cookies['sessionid'].value}; csrftoken={secret}"
    roster = b"service_number,given_name,family_name,sex,rank,unit_code\nNP-900,Awa,Ba,F,Constable,N1-ST\n"
    body = multipart({}, {"file": ("roster.csv", roster)})

    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as connection:
        headers = {"Content-Type": MULTIPART, "Transfer-Encoding": "chunked", "Cookie": cookies, "X-CSRFToken": secret}
        connection.sendall(head("POST", "/api/v1/officers/import/", headers))
        for start in range(0, len(body), 100):
            piece = body[start : start + 100]
            connection.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
        connection.sendall(b"0\r\n\r\n")
        status, answer = response_read(connection)

    assert status == 200
    assert json.loads(answer) == {
        "import_id": RosterImport.objects.get().pk,
        "rows": 1,
        "created": 1,
        "updated": 0,
        "transferred": 0,
        "unchanged": 0,
        "missing": sorted(officer.service_number for officer in tree.north_officers),
    }


# File parts ----------------------------------------------------------------------------------


def test_a_file_part_on_the_token_endpoint_is_refused_unkept(server):
    pid = worker_pid(server)
    before, files_before = io_counters(pid), temporary_files(server)
    body = multipart({"username": "nobody", "password": "x" * 12}, {"avatar": ("a.bin", b"\x00" * (900 * 1024))})

    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as connection:
        headers = {"Content-Type": MULTIPART, "Content-Length": str(len(body))}
        connection.sendall(head("POST", "/api/v1/auth/token/", headers) + body)
        status, answer = response_read(connection)

    after = io_counters(pid)
    assert status == 400
    assert json.loads(answer) == {"detail": "No file is accepted here."}
    assert after["wchar"] - before["wchar"] < 64 * 1024  # log lines: no temporary file
    assert temporary_files(server) == files_before


# Time ----------------------------------------------------------------------------------------


def test_a_body_that_never_comes_is_cut_by_the_worker_timeout(server):
    pid = worker_pid(server)
    started = time.monotonic()

    with socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT_SECONDS + 10) as connection:
        headers = {"Content-Type": "application/json", "Content-Length": "1000"}
        connection.sendall(head("POST", "/api/v1/auth/token/", headers) + b'{"username')
        status, _ = response_read(connection)

    elapsed = time.monotonic() - started
    # gunicorn stopped the worker in the middle of reading, and answered its own error page.
    assert status == 500
    assert TIMEOUT_SECONDS / 2 <= elapsed <= TIMEOUT_SECONDS + 4
    assert worker_pid(server) != pid  # gunicorn started another, which serves
    assert f"WORKER TIMEOUT (pid:{pid})" in server.log()
