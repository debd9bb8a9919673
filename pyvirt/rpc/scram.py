"""SASL SCRAM-SHA-256 (RFC 5802, RFC 7677), both sides, without channel binding.

The exchange, as carried by libvirt's AUTH_SASL_START / AUTH_SASL_STEP::

    client-first   n,,n=USER,r=CNONCE                       (START)
    server-first   r=CNONCE+SNONCE,s=SALT,i=ITERATIONS
    client-final   c=biws,r=NONCE,p=PROOF                   (STEP)
    server-final   v=SERVER-SIGNATURE                       (complete)

The server keeps a *verifier* per user, never the password:
``SCRAM-SHA-256$ITERATIONS:SALT$STORED-KEY:SERVER-KEY`` (base64 fields,
PostgreSQL's notation), made by :func:`make_verifier`.  Usernames and
passwords are used as UTF-8 after NFKC normalisation (a subset of SASLprep).
A failed check raises :class:`ScramError`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass

MECHANISM = "SCRAM-SHA-256"
ITERATIONS = 4096          # RFC 7677's minimum
_PREFIX = MECHANISM + "$"


class ScramError(Exception):
    """A malformed message or a failed proof."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except ValueError:
        raise ScramError(f"malformed base64 '{text}'") from None


def _hmac(key: bytes, msg: bytes) -> bytes:
    return hmac.new(key, msg, hashlib.sha256).digest()


def _prep(text: str) -> bytes:
    return unicodedata.normalize("NFKC", text).encode("utf-8")


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b, strict=True))


def salted_password(password: str, salt: bytes, iterations: int) -> bytes:
    """Hi(Normalize(password), salt, i): PBKDF2-HMAC-SHA-256."""
    return hashlib.pbkdf2_hmac("sha256", _prep(password), salt, iterations)


@dataclass(frozen=True)
class Verifier:
    """What the server stores for one user."""

    iterations: int
    salt: bytes
    stored_key: bytes
    server_key: bytes

    @classmethod
    def from_password(cls, password: str, salt: bytes | None = None,
                      iterations: int = ITERATIONS) -> Verifier:
        """Derive the verifier of ``password`` (a random 16-byte salt by default)."""
        salt = salt if salt is not None else secrets.token_bytes(16)
        salted = salted_password(password, salt, iterations)
        client_key = _hmac(salted, b"Client Key")
        return cls(iterations, salt, hashlib.sha256(client_key).digest(),
                   _hmac(salted, b"Server Key"))

    @classmethod
    def parse(cls, text: str) -> Verifier:
        """Parse ``SCRAM-SHA-256$I:SALT$STORED:SERVER``; raise ScramError."""
        try:
            head, keys = text[len(_PREFIX):].split("$")
            iters, salt = head.split(":")
            stored, server = keys.split(":")
            return cls(int(iters), _unb64(salt), _unb64(stored), _unb64(server))
        except ValueError:
            raise ScramError("malformed SCRAM-SHA-256 verifier") from None

    def format(self) -> str:
        """Return the stored form."""
        return (f"{_PREFIX}{self.iterations}:{_b64(self.salt)}$"
                f"{_b64(self.stored_key)}:{_b64(self.server_key)}")


def is_verifier(text: str) -> bool:
    """True when a users-file secret is a SCRAM verifier (not a cleartext password)."""
    return text.startswith(_PREFIX)


def make_verifier(password: str, iterations: int = ITERATIONS) -> str:
    """Return the stored form of a new verifier of ``password``."""
    return Verifier.from_password(password, iterations=iterations).format()


def _attrs(msg: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in msg.split(","):
        key, sep, value = part.partition("=")
        if not sep or len(key) != 1:
            raise ScramError(f"malformed SCRAM attribute '{part}'")
        out.setdefault(key, value)
    return out


def _saslname(name: str) -> str:
    return name.replace("=", "=3D").replace(",", "=2C")


def _unsaslname(name: str) -> str:
    if "=" in name.replace("=3D", "").replace("=2C", ""):
        raise ScramError("malformed username")
    return name.replace("=2C", ",").replace("=3D", "=")


def _auth_message(client_first_bare: str, server_first: str, client_final_bare: str) -> bytes:
    return f"{client_first_bare},{server_first},{client_final_bare}".encode()


class Client:
    """The client's side: :meth:`first`, then :meth:`final`, then :meth:`verify`."""

    def __init__(self, user: str, password: str, nonce: str | None = None) -> None:
        self.user = unicodedata.normalize("NFKC", user)
        self.password = password
        self.nonce = nonce or secrets.token_urlsafe(18)
        self._first_bare = f"n={_saslname(self.user)},r={self.nonce}"
        self._server_signature = b""

    def first(self) -> bytes:
        """The client-first message."""
        return ("n,," + self._first_bare).encode()

    def final(self, server_first: bytes) -> bytes:
        """Answer the server-first message with the proof; raise ScramError."""
        text = server_first.decode("utf-8", errors="replace")
        a = _attrs(text)
        if "e" in a:
            raise ScramError(f"server error '{a['e']}'")
        nonce, salt, iters = a.get("r", ""), a.get("s", ""), a.get("i", "")
        if not nonce.startswith(self.nonce) or len(nonce) == len(self.nonce) \
                or not iters.isdigit() or int(iters) < 1:
            raise ScramError("malformed SCRAM server-first message")
        salted = salted_password(self.password, _unb64(salt), int(iters))
        client_key = _hmac(salted, b"Client Key")
        final_bare = f"c=biws,r={nonce}"
        message = _auth_message(self._first_bare, text, final_bare)
        signature = _hmac(hashlib.sha256(client_key).digest(), message)
        self._server_signature = _hmac(_hmac(salted, b"Server Key"), message)
        return f"{final_bare},p={_b64(_xor(client_key, signature))}".encode()

    def verify(self, server_final: bytes) -> None:
        """Check the server's signature (it knew the verifier); raise ScramError."""
        a = _attrs(server_final.decode("utf-8", errors="replace"))
        if "e" in a:
            raise ScramError(f"server error '{a['e']}'")
        if not hmac.compare_digest(_unb64(a.get("v", "")), self._server_signature):
            raise ScramError("the server's signature does not match")


class Server:
    """The server's side: :meth:`first` (names the user), then :meth:`final`."""

    def __init__(self, nonce: str | None = None) -> None:
        self.nonce = nonce or secrets.token_urlsafe(18)
        self.user = ""
        self._verifier: Verifier | None = None
        self._client_first_bare = ""
        self._server_first = ""

    def start(self, client_first: bytes) -> str:
        """Parse the client-first message; return the username it names."""
        text = client_first.decode("utf-8", errors="replace")
        gs2, sep, rest = text.partition(",")
        authzid, sep2, bare = rest.partition(",")
        if not sep or not sep2 or gs2 not in ("n", "y"):
            raise ScramError("unsupported or malformed SCRAM GS2 header (channel binding?)")
        if authzid:
            raise ScramError("SCRAM authorization identities are not supported")
        a = _attrs(bare)
        if "m" in a or not a.get("n") or not a.get("r"):
            raise ScramError("malformed SCRAM client-first message")
        self.user = _unsaslname(a["n"])
        self._client_first_bare = bare
        self._client_nonce = a["r"]
        return self.user

    def first(self, verifier: Verifier) -> bytes:
        """The server-first message for the user's ``verifier``."""
        self._verifier = verifier
        self._server_first = (f"r={self._client_nonce}{self.nonce},s={_b64(verifier.salt)},"
                              f"i={verifier.iterations}")
        return self._server_first.encode()

    def final(self, client_final: bytes) -> bytes:
        """Check the client's proof; return the server-final message or raise ScramError."""
        v = self._verifier
        if v is None:
            raise ScramError("SCRAM exchange out of order")
        text = client_final.decode("utf-8", errors="replace")
        bare, sep, proof = text.rpartition(",p=")
        a = _attrs(bare) if sep else {}
        if a.get("c") != "biws" or a.get("r") != self._client_nonce + self.nonce:
            raise ScramError("malformed SCRAM client-final message")
        message = _auth_message(self._client_first_bare, self._server_first, bare)
        client_key = _xor(_unb64(proof), _hmac(v.stored_key, message)) \
            if len(_unb64(proof)) == len(v.stored_key) else b""
        if not hmac.compare_digest(hashlib.sha256(client_key).digest(), v.stored_key):
            raise ScramError("authentication failed")
        return f"v={_b64(_hmac(v.server_key, message))}".encode()


def main() -> int:
    """Print a users-file line for pyvirtd: ``python3 -m pyvirt.rpc.scram USER``."""
    import getpass
    import sys
    if len(sys.argv) != 2:
        print("usage: python3 -m pyvirt.rpc.scram USER  (password read from the terminal "
              "or stdin)", file=sys.stderr)
        return 2
    password = getpass.getpass() if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
    print(f"{sys.argv[1]}:{make_verifier(password)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
