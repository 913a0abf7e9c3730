"""HTTP Digest authentication as PrusaLink printers expect it.

aiohttp 3.11 (Home Assistant 2025.4) has no Digest support, and the Buddy firmware is picky:
it challenges with RFC 2069 style Digest (MD5, no qop, no opaque) and firmware older than 5.2
rejects an Authorization header that carries `algorithm=`. So this module builds the header by
hand: RFC 2069 when the challenge has no qop, RFC 2617 (`qop=auth`, nc, cnonce) when it does.
"""

from __future__ import annotations

from collections.abc import Callable
import hashlib
import os
import re

_PARAM_RE = re.compile(r'([A-Za-z][\w-]*)\s*=\s*("(?:[^"\\]|\\.)*"|[^,\s]*)')

_HASHES: dict[str, Callable[[bytes], str]] = {
    "MD5": lambda data: hashlib.md5(data, usedforsecurity=False).hexdigest(),
    "SHA-256": lambda data: hashlib.sha256(data).hexdigest(),
}


def parse_challenge(www_authenticate: str) -> dict[str, str] | None:
    """Return the parameters of the Digest challenge in a WWW-Authenticate value, or None.

    The value may list several schemes (e.g. `Basic realm="x", Digest realm=...`); only the
    Digest part is taken.
    """
    match = re.search(r"(?i)(?:^|[\s,])digest\s+", www_authenticate)
    if match is None:
        return None
    rest = www_authenticate[match.end() :]
    params: dict[str, str] = {}
    pos = 0
    while pos < len(rest):
        param = _PARAM_RE.match(rest, pos)
        if param is None:
            break  # the next scheme (a bare token) starts here
        key, value = param.group(1).lower(), param.group(2)
        if value.startswith('"'):
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        params[key] = value
        pos = param.end()
        while pos < len(rest) and rest[pos] in " \t,":
            pos += 1
    return params


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class DigestAuth:
    """Digest credentials plus the last challenge; builds Authorization header values.

    One instance per printer: the nonce is reused until the printer calls it stale (Buddy: after
    300 s), so only about one extra 401 round trip happens every five minutes.
    """

    def __init__(self, username: str, password: str) -> None:
        """Keep the credentials; no header can be built until a challenge arrives."""
        self._username = username
        self._password = password
        self._challenge: dict[str, str] | None = None
        self._nonce_count = 0
        self.stale = False

    @property
    def has_challenge(self) -> bool:
        """True once a challenge was seen (so a 401 after it means wrong credentials)."""
        return self._challenge is not None

    def update_challenge(self, www_authenticate: str) -> None:
        """Take realm, nonce, qop, opaque, algorithm and stale from a 401 answer.

        Raises ValueError when the value holds no usable Digest challenge.
        """
        params = parse_challenge(www_authenticate)
        if params is None or "nonce" not in params:
            raise ValueError("no Digest challenge with a nonce")
        algorithm = params.get("algorithm", "MD5").upper()
        if algorithm.removesuffix("-SESS") not in _HASHES:
            raise ValueError(f"unsupported Digest algorithm {algorithm}")
        if self._challenge is None or self._challenge.get("nonce") != params["nonce"]:
            self._nonce_count = 0
        self._challenge = params
        self.stale = params.get("stale", "").lower() == "true"

    def authorization(self, method: str, path_qs: str, *, cnonce: str | None = None) -> str | None:
        """Return the Authorization header value for one request, or None before any challenge.

        `path_qs` must be the request target exactly as sent on the wire (already %-encoded),
        because the server hashes what it received. `cnonce` is only for tests.
        """
        challenge = self._challenge
        if challenge is None:
            return None
        realm = challenge.get("realm", "")
        nonce = challenge["nonce"]
        algorithm_param = challenge.get("algorithm")
        algorithm = (algorithm_param or "MD5").upper()
        digest = _HASHES[algorithm.removesuffix("-SESS")]
        qops = [q.strip().lower() for q in challenge.get("qop", "").split(",") if q.strip()]

        ha1 = digest(f"{self._username}:{realm}:{self._password}".encode())
        ha2 = digest(f"{method.upper()}:{path_qs}".encode())
        fields = [
            f"username={_quote(self._username)}",
            f"realm={_quote(realm)}",
            f"nonce={_quote(nonce)}",
            f"uri={_quote(path_qs)}",
        ]
        if "auth" in qops:
            self._nonce_count += 1
            nc = f"{self._nonce_count:08x}"
            cnonce = cnonce or os.urandom(8).hex()
            if algorithm.endswith("-SESS"):
                ha1 = digest(f"{ha1}:{nonce}:{cnonce}".encode())
            response = digest(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}".encode())
            fields += [f"response={_quote(response)}", "qop=auth", f"nc={nc}"]
            fields.append(f"cnonce={_quote(cnonce)}")
            if algorithm_param:
                fields.append(f"algorithm={algorithm_param}")
        else:
            # RFC 2069: no qop, and never `algorithm=` (Buddy firmware < 5.2 rejects it).
            response = digest(f"{ha1}:{nonce}:{ha2}".encode())
            fields.append(f"response={_quote(response)}")
        if "opaque" in challenge:
            fields.append(f"opaque={_quote(challenge['opaque'])}")
        return "Digest " + ", ".join(fields)
