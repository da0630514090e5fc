"""The server's VAPID key pair, which signs every web push (RFC 8292).

Browsers subscribe with the public key; a new key orphans every subscription, so the key is
made once (``manage.py vapid_keys``) and kept, or given by the environment.
"""

from __future__ import annotations

import base64
import logging
import os
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from py_vapid import Vapid02

logger = logging.getLogger(__name__)


class MissingKey(ImproperlyConfigured):
    """No key at all: web push is simply off."""


def generate(path: Path | str | None = None) -> bool:
    """Write a new private key to the key file unless a key exists; True when one was made."""
    path = Path(path or settings.RELAIS_VAPID_KEY_FILE)
    if settings.RELAIS_VAPID_PRIVATE_KEY.strip() or path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption())
    # Readable by the server's user only, and never written over a key another process made
    # a moment ago: every process must sign with the same key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "wb") as file:
        file.write(pem)
    _load.cache_clear()
    return True


def private_key() -> Vapid02:
    """The signing key. Raises MissingKey when there is none, ImproperlyConfigured when the
    one given cannot be read."""
    return _load(settings.RELAIS_VAPID_PRIVATE_KEY.strip(), str(settings.RELAIS_VAPID_KEY_FILE))


@lru_cache(maxsize=4)
def _load(text: str, path: str) -> Vapid02:
    source = "RELAIS_VAPID_PRIVATE_KEY"
    if not text:
        source = path
        try:
            text = Path(path).read_text()
        except FileNotFoundError:
            raise MissingKey(f"No VAPID key: run `manage.py vapid_keys` to create {path}, or "
                             "set RELAIS_VAPID_PRIVATE_KEY.") from None
        except (OSError, UnicodeDecodeError) as error:
            raise ImproperlyConfigured(f"The VAPID key file {path} cannot be read: {error}"
                                       ) from error
    try:
        return Vapid02(_parse(text))
    except (ValueError, TypeError, UnsupportedAlgorithm) as error:
        raise ImproperlyConfigured(
            f"The VAPID key in {source} is not a P-256 private key in PEM, DER (base64url) or "
            f"raw (base64url of 32 bytes) form: {error}") from error


def _parse(text: str) -> ec.EllipticCurvePrivateKey:
    # Environment variables often carry a PEM on one line with literal "\n".
    text = text.strip().replace("\\n", "\n")
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_private_key(text.encode(), password=None)
    else:
        compact = "".join(text.split())
        raw = base64.urlsafe_b64decode(compact + "=" * (-len(compact) % 4))
        if len(raw) == 32:
            key = ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
        else:
            key = serialization.load_der_private_key(raw, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve,
                                                                         ec.SECP256R1):
        raise ValueError("the key is not on the P-256 curve")
    return key


def public_key() -> str:
    """The public key as browsers want it: base64url of the uncompressed point."""
    raw = private_key().public_key.public_bytes(serialization.Encoding.X962,
                                                serialization.PublicFormat.UncompressedPoint)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def application_server_key() -> str | None:
    """The public key for ``pushManager.subscribe``, or None when push is off (no key yet,
    or a key that cannot be read, which is logged)."""
    try:
        return public_key()
    except MissingKey:
        return None
    except ImproperlyConfigured as error:
        logger.error("Web push is off: %s", error)
        return None
