"""Digest header math: RFC 2617 worked example, RFC 2069 form for the Buddy firmware."""

from __future__ import annotations

import hashlib

import pytest

from custom_components.printernizer.api.prusa.digest import DigestAuth, parse_challenge


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def _params(header: str) -> dict[str, str]:
    assert header.startswith("Digest ")
    parsed = parse_challenge(header)
    assert parsed is not None
    return parsed


def test_no_header_before_a_challenge() -> None:
    """Nothing can be signed until the printer sent a nonce."""
    auth = DigestAuth("maker", "secret")
    assert auth.authorization("GET", "/api/v1/status") is None
    assert not auth.has_challenge


def test_rfc2617_worked_example() -> None:
    """RFC 2617 section 3.5: the response value is known from the RFC text."""
    auth = DigestAuth("Mufasa", "Circle Of Life")
    auth.update_challenge(
        'Digest realm="testrealm@host.com", qop="auth,auth-int", '
        'nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"'
    )
    header = auth.authorization("GET", "/dir/index.html", cnonce="0a4f113b")
    assert header is not None
    params = _params(header)
    assert params["response"] == "6629fae49393a05397450978507c4ef1"
    assert params["nc"] == "00000001"
    assert params["qop"] == "auth"
    assert params["cnonce"] == "0a4f113b"
    assert params["opaque"] == "5ccc069c403ebaf9f0171e9517f40e41"
    assert "algorithm" not in params  # the challenge had none, so none is echoed
    # the nonce count goes up per request with the same nonce
    assert _params(auth.authorization("GET", "/x", cnonce="1") or "")["nc"] == "00000002"


def test_rfc2069_buddy_challenge_hand_computed() -> None:
    """Buddy: MD5(HA1:nonce:HA2), no qop/nc/cnonce, and never `algorithm=`."""
    auth = DigestAuth("maker", "secretpass123")
    auth.update_challenge(
        'Digest realm="Printer API", nonce="dd9c5a4f0000012c", stale=false, algorithm=MD5'
    )
    header = auth.authorization("GET", "/api/v1/status")
    assert header is not None
    ha1 = _md5("maker:Printer API:secretpass123")
    ha2 = _md5("GET:/api/v1/status")
    expected = _md5(f"{ha1}:dd9c5a4f0000012c:{ha2}")
    assert header == (
        'Digest username="maker", realm="Printer API", nonce="dd9c5a4f0000012c", '
        f'uri="/api/v1/status", response="{expected}"'
    )
    for absent in ("algorithm", "qop", "nc=", "cnonce", "opaque"):
        assert absent not in header


def test_stale_flag_and_new_nonce() -> None:
    """stale=true is remembered so the client knows a retry is legitimate."""
    auth = DigestAuth("maker", "pw")
    auth.update_challenge('Digest realm="Printer API", nonce="aaaa", stale=false')
    assert not auth.stale
    auth.update_challenge('Digest realm="Printer API", nonce="bbbb", stale=true')
    assert auth.stale
    assert 'nonce="bbbb"' in (auth.authorization("PUT", "/api/v1/job/3/pause") or "")


def test_challenge_among_other_schemes() -> None:
    """Only the Digest part of a multi-scheme header is taken."""
    params = parse_challenge(
        'Basic realm="x", Digest realm="Administrator", nonce="n\\"1", opaque=abc, Bearer'
    )
    assert params == {"realm": "Administrator", "nonce": 'n"1', "opaque": "abc"}
    assert parse_challenge('ApiKey realm="Printer API"') is None


@pytest.mark.parametrize(
    "header",
    [
        'ApiKey realm="Printer API"',
        'Digest realm="x"',
        'Digest realm="x", nonce="1", algorithm=SHA-512',
    ],
)
def test_unusable_challenges_rejected(header: str) -> None:
    """No nonce, no Digest or an unknown algorithm cannot be answered."""
    with pytest.raises(ValueError):
        DigestAuth("a", "b").update_challenge(header)


def test_sha256_with_qop() -> None:
    """RFC 7616 style SHA-256 challenge (newer firmware could send it) hashes with SHA-256."""
    auth = DigestAuth("maker", "pw")
    auth.update_challenge('Digest realm="r", nonce="n", qop="auth", algorithm=SHA-256')
    params = _params(auth.authorization("GET", "/a", cnonce="c") or "")
    sha = lambda s: hashlib.sha256(s.encode()).hexdigest()  # noqa: E731
    expected = sha(f"{sha('maker:r:pw')}:n:00000001:c:auth:{sha('GET:/a')}")
    assert params["response"] == expected
    assert params["algorithm"] == "SHA-256"
