"""The folder and the secret key that a one-machine install keeps under ``var/``.

``./dev setup`` (and ``./dev test``) create them with ``python -m lms.settings.local_files``;
the settings only read them, so that importing the settings writes nothing to disk. A
process that publishes to the default broker creates its folders on first use
(``lms/broker.py``); caches, media, mail and static files create theirs when they write.
"""

import os
import secrets
from pathlib import Path

from lms.settings.env import env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("LMS_VAR_DIR", str(BASE_DIR / "var")))
SECRET_KEY_FILE = "secret_key"


def local_secret_key(var_dir: Path) -> str:
    """The key kept in ``var_dir``, or "" before ``./dev setup`` has written one.

    Django refuses an empty SECRET_KEY where it first needs one (signing a session).
    """
    try:
        return (var_dir / SECRET_KEY_FILE).read_text().strip()
    except FileNotFoundError:
        return ""


def local_files_create(var_dir: Path) -> None:
    """Create ``var_dir`` and, once, its secret key (readable by the owner only).

    The key file is created exclusively, so two processes running this at once keep one key.
    """
    var_dir.mkdir(parents=True, exist_ok=True)
    path = var_dir / SECRET_KEY_FILE
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(descriptor, "w") as file:
        file.write(secrets.token_urlsafe(64))


if __name__ == "__main__":
    local_files_create(VAR_DIR)
