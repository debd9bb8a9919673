"""SCRAM-SHA-256 against RFC 7677's example exchange, and the verifier form."""

from __future__ import annotations

import base64

import pytest

from pyvirt.rpc import scram

# RFC 7677, section 3: user "user", password "pencil".
CLIENT_NONCE = "rOprNGfwEbeRWgbNEkqO"
SERVER_NONCE = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
SALT = base64.b64decode("W22ZaJ0SNY7soEsUEjb6gQ==")
CLIENT_FIRST = b"n,,n=user,r=rOprNGfwEbeRWgbNEkqO"
SERVER_FIRST = (b"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                b"s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")
CLIENT_FINAL = (b"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                b"p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=")
SERVER_FINAL = b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="


def test_client_side_of_rfc7677():
    c = scram.Client("user", "pencil", nonce=CLIENT_NONCE)
    assert c.first() == CLIENT_FIRST
    assert c.final(SERVER_FIRST) == CLIENT_FINAL
    c.verify(SERVER_FINAL)


def test_server_side_of_rfc7677():
    s = scram.Server(nonce=SERVER_NONCE)
    assert s.start(CLIENT_FIRST) == "user"
    assert s.first(scram.Verifier.from_password("pencil", SALT)) == SERVER_FIRST
    assert s.final(CLIENT_FINAL) == SERVER_FINAL


def test_wrong_password_fails_on_the_server():
    c = scram.Client("user", "pencil!", nonce=CLIENT_NONCE)
    s = scram.Server(nonce=SERVER_NONCE)
    s.start(c.first())
    proof = c.final(s.first(scram.Verifier.from_password("pencil", SALT)))
    with pytest.raises(scram.ScramError, match="authentication failed"):
        s.final(proof)


def test_client_rejects_a_forged_server_signature():
    c = scram.Client("user", "pencil", nonce=CLIENT_NONCE)
    c.final(SERVER_FIRST)
    with pytest.raises(scram.ScramError, match="signature"):
        c.verify(b"v=" + base64.b64encode(b"\0" * 32))


def test_client_rejects_a_nonce_it_did_not_start():
    c = scram.Client("user", "pencil", nonce="abc")
    with pytest.raises(scram.ScramError):
        c.final(SERVER_FIRST)


def test_verifier_round_trip_keeps_no_password():
    text = scram.make_verifier("pencil")
    assert text.startswith("SCRAM-SHA-256$4096:") and "pencil" not in text
    v = scram.Verifier.parse(text)
    assert v == scram.Verifier.from_password("pencil", v.salt, v.iterations)
    fixed = scram.Verifier.from_password("pencil", SALT)
    assert fixed.format().startswith("SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$")
    assert scram.Verifier.parse(fixed.format()) == fixed


def test_usernames_with_comma_and_equals_are_escaped():
    c = scram.Client("a,b=c", "pw", nonce="n1")
    assert c.first() == b"n,,n=a=2Cb=3Dc,r=n1"
    assert scram.Server().start(c.first()) == "a,b=c"


def test_channel_binding_is_refused():
    with pytest.raises(scram.ScramError, match="channel binding"):
        scram.Server().start(b"p=tls-unique,,n=user,r=abc")
