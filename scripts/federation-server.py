#!/usr/bin/env python3
"""A local stand-in for Google's STS, IAM Credentials and Resource Manager, and for Microsoft Entra
ID's token endpoint, following their documented contracts, for make run and make test (neither
has an official emulator).

Like Google, it verifies the presented token for real: it fetches the provider's issuer's
/.well-known/openid-configuration and JWKS over HTTP at every exchange, checks the RS256 signature
and `kid`, `iss`, `aud`, `iat`/`exp`, maps google.subject = assertion.sub (≤ 127 bytes), applies the
attribute condition, and answers with Google's success and error bodies.

    federation-server.py --port PORT

Its own admin API (not Google's) sets up what a customer would in their project:
    PUT    /_emulator/providers   {"project_number","pool_id","provider_id","issuer_uri",
                                    "allowed_audiences"?, "subject"? (the condition assertion.sub == …), "disabled"?}
    DELETE /_emulator/providers/{project_number}/{pool_id}/{provider_id}
    PUT    /_emulator/service-accounts {"email","principals":[…], "project_roles": [...], "can_read_policy": bool}
    DELETE /_emulator/service-accounts/{email}
    PUT    /_emulator/outage   {"down": bool}   (every Google API answers 503)
    GET    /_emulator/exchanges  the subjects and audiences presented so far (newest last)
    PUT    /_emulator/azure/apps  {"tenant_id","client_id","credentials":[{"issuer","subject","audience"}],
                                    "propagation_seconds"?: N (a new credential is not yet seen, AADSTS70021, for N s)}
    DELETE /_emulator/azure/apps/{tenant_id}/{client_id}

Entra ID: POST /{tenant}/oauth2/v2.0/token with client_credentials and a jwt-bearer client assertion
(the platform's token): the assertion's issuer, subject and audience must match one of the app's
federated identity credentials exactly, its signature the issuer's published key, its times now
(iat required, at most 25 hours); errors carry AADSTS codes as Entra's do.
"""
import argparse
import json
import re
import secrets
import sys
import threading
import time
import urllib.parse
import urllib.request
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

LOCK = threading.Lock()
PROVIDERS = {}          # resource name -> provider
SERVICE_ACCOUNTS = {}   # email -> account
FEDERATED = {}          # federated access token -> principal
ACCESS = {}             # service account access token -> email
EXCHANGES = []
STATE = {"down": False}
AZURE_APPS = {}         # (tenant, client) -> app

AUDIENCE = re.compile(r"^(?:https:)?//iam\.googleapis\.com/projects/([0-9]+)/locations/global/workloadIdentityPools/([a-z0-9-]+)/providers/([a-z0-9-]+)$")
BAD_AUDIENCE = ('Invalid value for "audience". This value should be the full resource name of the Identity Provider. '
                'See https://cloud.google.com/iam/docs/reference/sts/rest/v1/TopLevel/token for the list of possible formats.')


def resource_name(project, pool, provider):
    return f"//iam.googleapis.com/projects/{project}/locations/global/workloadIdentityPools/{pool}/providers/{provider}"


def fetch_json(url):
    with urllib.request.urlopen(url, timeout=5) as response:
        if response.status != 200:
            raise ValueError(f"HTTP {response.status}")
        return json.loads(response.read(1 << 20))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def oauth_error(self, error, description, status=400):
        self.answer(status, {"error": error, "error_description": description})

    def google_error(self, status, message, code):
        self.answer(status, {"error": {"code": status, "message": message, "status": code}})

    def read_body(self):
        # Every request's body is read, whatever the answer: bytes left unread would start the next
        # request on a kept-alive connection. (One handler serves every request of a connection.)
        length = int(self.headers.get("Content-Length") or 0)
        self._body = self.rfile.read(length) if length else b""

    def body(self):
        return self._body

    def bearer(self):
        value = self.headers.get("Authorization", "")
        return value[7:] if value.startswith("Bearer ") else None

    # Admin -----------------------------------------------------------------------------------

    def do_PUT(self):
        self.read_body()
        payload = json.loads(self.body() or b"{}")
        with LOCK:
            if self.path == "/_emulator/providers":
                name = resource_name(payload["project_number"], payload["pool_id"], payload["provider_id"])
                PROVIDERS[name] = payload
                return self.answer(200, {"name": name})
            if self.path == "/_emulator/service-accounts":
                SERVICE_ACCOUNTS[payload["email"]] = payload
                return self.answer(200, {"email": payload["email"]})
            if self.path == "/_emulator/azure/apps":
                payload["created"] = time.time()
                AZURE_APPS[(payload["tenant_id"].lower(), payload["client_id"].lower())] = payload
                return self.answer(200, {"client_id": payload["client_id"]})
            if self.path == "/_emulator/outage":
                STATE["down"] = bool(payload.get("down"))
                return self.answer(200, STATE)
        self.answer(404, {"error": "not found"})

    def do_DELETE(self):
        self.read_body()
        parts = self.path.strip("/").split("/")
        with LOCK:
            if parts[:2] == ["_emulator", "providers"] and len(parts) == 5:
                PROVIDERS.pop(resource_name(*parts[2:]), None)
                return self.answer(200, {})
            if parts[:3] == ["_emulator", "azure", "apps"] and len(parts) == 5:
                AZURE_APPS.pop((parts[3].lower(), parts[4].lower()), None)
                return self.answer(200, {})
            if parts[:2] == ["_emulator", "service-accounts"] and len(parts) == 3:
                SERVICE_ACCOUNTS.pop(urllib.parse.unquote(parts[2]), None)
                return self.answer(200, {})
        self.answer(404, {"error": "not found"})

    def do_GET(self):
        self.read_body()
        if self.path == "/_emulator/exchanges":
            with LOCK:
                return self.answer(200, {"exchanges": list(EXCHANGES)})
        self.google_error(404, "Not found", "NOT_FOUND")

    # Google ----------------------------------------------------------------------------------

    def do_POST(self):
        self.read_body()
        if STATE["down"]:
            return self.google_error(503, "The service is currently unavailable.", "UNAVAILABLE")
        path = urllib.parse.urlsplit(self.path).path
        if path == "/v1/token":
            return self.token_exchange()
        match = re.fullmatch(r"/v1/projects/-/serviceAccounts/([^/:]+):generateAccessToken", path)
        if match:
            return self.generate_access_token(urllib.parse.unquote(match.group(1)))
        match = re.fullmatch(r"/v1/projects/([^/:]+):getIamPolicy", path)
        if match:
            return self.get_iam_policy(urllib.parse.unquote(match.group(1)))
        match = re.fullmatch(r"/([^/]+)/oauth2/v2\.0/token", path)
        if match:
            return self.entra_token(urllib.parse.unquote(match.group(1)))
        self.google_error(404, "Not found", "NOT_FOUND")

    def token_exchange(self):
        if not self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
            return self.oauth_error("invalid_request", "The request must be application/x-www-form-urlencoded.")
        form = {key: values[0] for key, values in urllib.parse.parse_qs(self.body().decode(), keep_blank_values=True).items()}
        if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:token-exchange":
            return self.oauth_error("unsupported_grant_type", f"Invalid value for \"grant_type\": {form.get('grant_type')}")
        if form.get("subject_token_type") not in ("urn:ietf:params:oauth:token-type:jwt", "urn:ietf:params:oauth:token-type:id_token"):
            return self.oauth_error("invalid_request", "Invalid value for \"subject_token_type\".")
        audience = form.get("audience", "")
        match = AUDIENCE.match(audience)
        if not match:
            return self.oauth_error("invalid_request", BAD_AUDIENCE)
        name = resource_name(*match.groups())
        with LOCK:
            provider = PROVIDERS.get(name)
        if not provider or provider.get("disabled"):
            return self.oauth_error("invalid_target", "The target service indicated by the \"audience\" parameters is invalid. This might either be "
                                    "because the pool or provider is disabled or deleted or because it doesn't exist.")
        token = form.get("subject_token", "")
        try:
            issuer = provider["issuer_uri"]
            configuration = fetch_json(issuer.rstrip("/") + "/.well-known/openid-configuration")
            keys = KeySet.import_key_set(fetch_json(configuration["jwks_uri"]))
        except Exception:
            return self.oauth_error("invalid_grant", "Error connecting to the given credential's issuer.")
        try:
            decoded = jwt.decode(token, keys, algorithms=["RS256"])
        except JoseError as error:
            return self.oauth_error("invalid_grant", f"Invalid JWT signature or key: {type(error).__name__}.")
        except Exception:
            return self.oauth_error("invalid_grant", "Unable to parse the ID Token.")
        if "kid" not in decoded.header:
            return self.oauth_error("invalid_grant", "The ID Token has no kid.")
        claims = decoded.claims
        if claims.get("iss") != issuer:
            return self.oauth_error("invalid_grant", f"The issuer in ID Token {claims.get('iss')} does not match the expected ones: {issuer}.")
        allowed = provider.get("allowed_audiences") or [name, "https:" + name]
        token_audiences = claims.get("aud") if isinstance(claims.get("aud"), list) else [claims.get("aud")]
        if not any(value in allowed for value in token_audiences):
            return self.oauth_error("invalid_grant", f"The audience in ID Token {token_audiences} does not match the expected audience {allowed[0]}.")
        now = int(time.time())
        for field in ("iat", "exp"):
            if not isinstance(claims.get(field), int):
                return self.oauth_error("invalid_grant", f"The ID Token has no integer {field}.")
        if claims["exp"] <= now:
            return self.oauth_error("invalid_grant", "The ID Token has expired.")
        if claims["iat"] > now + 60 or claims["exp"] - claims["iat"] > 24 * 3600:
            return self.oauth_error("invalid_grant", f"ID Token issued at {claims['iat']} is stale to sign-in.")
        subject = claims.get("sub", "")
        if len(subject.encode()) > 127:
            return self.oauth_error("invalid_request", "The size of mapped attribute google.subject exceeds the 127 bytes limit. Either modify your "
                                    "attribute mapping or the incoming assertion to produce a mapped attribute that is less than 127 bytes.")
        if provider.get("subject") is not None and subject != provider["subject"]:
            return self.oauth_error("unauthorized_client", "The given credential is rejected by the attribute condition.")
        federated = "fed." + secrets.token_urlsafe(32)
        principal = f"principal://iam.googleapis.com/projects/{match.group(1)}/locations/global/workloadIdentityPools/{match.group(2)}/subject/{subject}"
        with LOCK:
            FEDERATED[federated] = principal
            EXCHANGES.append({"subject": subject, "audience": audience, "kid": decoded.header.get("kid"), "purpose": claims.get("purpose")})
        self.answer(200, {"access_token": federated, "issued_token_type": "urn:ietf:params:oauth:token-type:access_token",
                          "token_type": "Bearer", "expires_in": 3600})

    def generate_access_token(self, email):
        with LOCK:
            principal = FEDERATED.get(self.bearer() or "")
            account = SERVICE_ACCOUNTS.get(email)
        if not principal:
            return self.google_error(401, "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or "
                                     "other valid authentication credential.", "UNAUTHENTICATED")
        if not account or principal not in account.get("principals", []):
            return self.google_error(403, "Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).",
                                     "PERMISSION_DENIED")
        payload = json.loads(self.body() or b"{}")
        lifetime = int(str(payload.get("lifetime", "3600s")).rstrip("s") or 3600)
        if lifetime > 3600:
            return self.google_error(400, f"Access tokens for service account {email} can not have lifetimes of more than 1 hour.", "INVALID_ARGUMENT")
        token = "ya29." + secrets.token_urlsafe(40)
        with LOCK:
            ACCESS[token] = email
        expires = (datetime.now(timezone.utc) + timedelta(seconds=lifetime)).replace(microsecond=0)
        self.answer(200, {"accessToken": token, "expireTime": expires.strftime("%Y-%m-%dT%H:%M:%SZ")})

    def get_iam_policy(self, project):
        with LOCK:
            email = ACCESS.get(self.bearer() or "")
            account = SERVICE_ACCOUNTS.get(email or "")
        if not account:
            return self.google_error(401, "Request had invalid authentication credentials.", "UNAUTHENTICATED")
        if not account.get("can_read_policy", True):
            return self.google_error(403, f"The caller does not have permission", "PERMISSION_DENIED")
        member = f"serviceAccount:{email}"
        bindings = [{"role": role, "members": [member]} for role in account.get("project_roles", [])]
        self.answer(200, {"version": 1, "etag": "BwX", "bindings": bindings})


def entra_error(handler, error, code, message, status=400):
    description = f"AADSTS{code}: {message} Trace ID: {secrets.token_hex(8)} Correlation ID: {secrets.token_hex(8)} Timestamp: {datetime.now(timezone.utc).isoformat()}"
    handler.answer(status, {"error": error, "error_description": description, "error_codes": [code],
                            "timestamp": datetime.now(timezone.utc).isoformat(), "trace_id": secrets.token_hex(8),
                            "correlation_id": secrets.token_hex(8), "error_uri": f"https://login.microsoftonline.com/error?code={code}"})


def entra_token(self, tenant):
    form = {key: values[0] for key, values in urllib.parse.parse_qs(self.body().decode(), keep_blank_values=True).items()}
    if form.get("grant_type") != "client_credentials":
        return entra_error(self, "unsupported_grant_type", 70003, "The app requested an unsupported grant type.")
    if form.get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" or not form.get("client_assertion"):
        return entra_error(self, "invalid_client", 7000215, "Invalid client secret provided.", 401)
    if not form.get("scope", "").endswith("/.default"):
        return entra_error(self, "invalid_scope", 1002012, "The provided value for scope is not valid.")
    client = form.get("client_id", "").lower()
    with LOCK:
        tenants = {t for (t, _) in AZURE_APPS}
        app = AZURE_APPS.get((tenant.lower(), client))
    if tenant.lower() not in tenants:
        return entra_error(self, "invalid_request", 90002, f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID.")
    if not app:
        return entra_error(self, "unauthorized_client", 700016, f"Application with identifier '{client}' was not found in the directory '{tenant}'.")
    assertion = form["client_assertion"]
    try:
        unverified = json.loads(base64url(assertion.split(".")[1]))
    except Exception:
        return entra_error(self, "invalid_client", 50027, "JWT token is invalid or malformed.")
    issuer, subject, audience = unverified.get("iss"), unverified.get("sub"), unverified.get("aud")
    fresh = time.time() - app["created"] < app.get("propagation_seconds", 0)
    matching = [c for c in app.get("credentials", []) if c["issuer"] == issuer and c["subject"] == subject and c["audience"] == audience]
    if not matching or fresh:
        return entra_error(self, "invalid_client", 70021, f"No matching federated identity record found for presented assertion. "
                           f"Assertion Issuer: '{issuer}'. Assertion Subject: '{subject}'. Assertion Audience: '{audience}'.", 401)
    try:
        configuration = fetch_json(issuer.rstrip("/") + "/.well-known/openid-configuration")
        keys = KeySet.import_key_set(fetch_json(configuration["jwks_uri"]))
        decoded = jwt.decode(assertion, keys, algorithms=["RS256"])
    except Exception:
        return entra_error(self, "invalid_client", 700027, "Client assertion failed signature validation.", 401)
    claims, now = decoded.claims, int(time.time())
    if not isinstance(claims.get("iat"), int) or claims["iat"] > now + 300 or claims["exp"] - claims["iat"] > 25 * 3600:
        return entra_error(self, "invalid_client", 70023, "External OIDC Provider token must have a lifetime of less than or equal to 1.01:00:00.", 401)
    if claims.get("exp", 0) <= now or claims.get("nbf", 0) > now + 300:
        return entra_error(self, "invalid_client", 700024, "Client assertion is not within its valid time range.", 401)
    with LOCK:
        EXCHANGES.append({"subject": subject, "audience": audience, "kid": decoded.header.get("kid"), "purpose": claims.get("purpose"), "tenant": tenant})
    self.answer(200, {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": "azure." + secrets.token_urlsafe(40)})


def base64url(part):
    import base64
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


Handler.entra_token = entra_token


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    arguments = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", arguments.port), Handler)
    server.daemon_threads = True
    print(f"gcp emulator on http://127.0.0.1:{arguments.port}", file=sys.stderr, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
