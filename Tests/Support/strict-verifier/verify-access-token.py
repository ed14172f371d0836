"""Verifies a platform access token as a strict third-party verifier does (joserfc):
`verify-access-token.py JWKS_URL ISSUER AUDIENCE` with the token on stdin. Prints the header and
claims as JSON and exits 0 when the token is valid by RFC 7519 and RFC 9068, else prints why and exits 1."""
import json
import sys
import urllib.request

from joserfc import jwt
from joserfc.jwk import KeySet

jwks_url, issuer, audience = sys.argv[1:4]
keys = KeySet.import_key_set(json.load(urllib.request.urlopen(jwks_url, timeout=5)))
try:
    token = jwt.decode(sys.stdin.read().strip(), keys, algorithms=["RS256"])
    registry = jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": issuer}, aud={"essential": True, "value": audience},
        sub={"essential": True}, exp={"essential": True}, iat={"essential": True}, nbf={"essential": True},
        jti={"essential": True}, client_id={"essential": True})
    registry.validate(token.claims)
    if token.header.get("typ") != "at+jwt":
        raise ValueError(f"typ is {token.header.get('typ')!r}, not at+jwt (RFC 9068 §2.1)")
    for name in ("iat", "nbf", "exp"):
        if not isinstance(token.claims[name], int):
            raise ValueError(f"{name} is not an integer NumericDate: {token.claims[name]!r}")
except Exception as error:  # the reason is the test's output
    print(f"refused: {type(error).__name__}: {error}")
    sys.exit(1)
print(json.dumps({"header": token.header, "claims": token.claims}))
