#!/usr/bin/env python3
"""Local stand-ins for the Git providers' OAuth token endpoints, for the tests.

Each follows its provider's documented refresh grant: the request it expects (form fields,
client authentication) and the answers it gives (JSON fields, error codes, HTTP statuses):

  GitHub     POST /login/oauth/access_token   client_id/client_secret in the form; errors such as
                                              bad_refresh_token with HTTP 200; rotates the refresh token
  GitLab     POST /oauth/token                client_id/client_secret in the form; 2-hour tokens;
                                              rotates the refresh token; invalid_grant with HTTP 400
  Bitbucket  POST /site/oauth2/access_token   client credentials as HTTP Basic; keeps the refresh token

The tests steer it through /_control: which refresh tokens are live, whether a provider answers
normally, with a 5xx, or slowly, and how many token requests each provider got.
Prints "listening on http://127.0.0.1:PORT" once it is ready.
"""
import base64
import json
import secrets
import signal
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CLIENTS = {"github": ("gh-client", "gh-secret"), "gitlab": ("gl-client", "gl-secret"), "bitbucket": ("bb-client", "bb-secret")}
PATHS = {"/login/oauth/access_token": "github", "/oauth/token": "gitlab", "/site/oauth2/access_token": "bitbucket"}

lock = threading.Lock()
live_refresh_tokens = {provider: set() for provider in CLIENTS}
behaviour = {provider: {"mode": "normal", "delay": 0.0, "status": 502} for provider in CLIENTS}
calls = {provider: 0 for provider in CLIENTS}
issued = {provider: [] for provider in CLIENTS}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body, content_type="application/json"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def do_GET(self):
        if self.path == "/_control/calls":
            with lock:
                return self.answer(200, {"calls": calls, "issued": issued})
        self.answer(404, {"error": "not_found"})

    def do_POST(self):
        raw = self.body()
        if self.path.startswith("/_control/"):
            return self.control(self.path, json.loads(raw or b"{}"))
        provider = PATHS.get(self.path)
        if provider is None:
            return self.answer(404, {"error": "not_found"})
        with lock:
            calls[provider] += 1
            rule = dict(behaviour[provider])
        if rule["delay"]:
            time.sleep(rule["delay"])
        if rule["mode"] == "error":
            return self.answer(rule["status"], b"<html><body>Service unavailable</body></html>", "text/html")
        form = {key: values[0] for key, values in urllib.parse.parse_qs(raw.decode()).items()}
        getattr(self, provider)(form)

    def control(self, path, request):
        provider = request.get("provider")
        with lock:
            if path == "/_control/refresh-tokens":
                live_refresh_tokens[provider].add(request["refresh_token"])
            elif path == "/_control/behaviour":
                behaviour[provider] = {"mode": request.get("mode", "normal"), "delay": float(request.get("delay", 0)),
                                       "status": int(request.get("status", 502))}
            else:
                return self.answer(404, {"error": "not_found"})
        self.answer(200, {})

    def rotate(self, provider, refresh_token, keep):
        with lock:
            if refresh_token not in live_refresh_tokens[provider]:
                return None
            access = f"{provider}-access-{secrets.token_hex(12)}"
            if not keep:
                live_refresh_tokens[provider].discard(refresh_token)
                refresh_token = f"{provider}-refresh-{secrets.token_hex(12)}"
                live_refresh_tokens[provider].add(refresh_token)
            issued[provider].append(access)
            return access, refresh_token

    def github(self, form):
        if (form.get("client_id"), form.get("client_secret")) != CLIENTS["github"]:
            return self.answer(200, {"error": "incorrect_client_credentials",
                                     "error_description": "The client_id and/or client_secret passed are incorrect."})
        if form.get("grant_type") != "refresh_token":
            return self.answer(200, {"error": "unsupported_grant_type"})
        tokens = self.rotate("github", form.get("refresh_token"), keep=False)
        if tokens is None:
            return self.answer(200, {"error": "bad_refresh_token", "error_description": "The refresh token passed is incorrect or expired.",
                                     "error_uri": "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors"})
        body = {"access_token": tokens[0], "expires_in": 28800, "refresh_token": tokens[1],
                "refresh_token_expires_in": 15811200, "scope": "", "token_type": "bearer"}
        if "application/json" in (self.headers.get("Accept") or ""):
            return self.answer(200, body)
        self.answer(200, urllib.parse.urlencode(body).encode(), "application/x-www-form-urlencoded")

    def gitlab(self, form):
        if (form.get("client_id"), form.get("client_secret")) != CLIENTS["gitlab"]:
            return self.answer(401, {"error": "invalid_client", "error_description": "Client authentication failed due to unknown client, "
                                     "no client authentication included, or unsupported authentication method."})
        tokens = self.rotate("gitlab", form.get("refresh_token"), keep=False) if form.get("grant_type") == "refresh_token" else None
        if tokens is None:
            return self.answer(400, {"error": "invalid_grant", "error_description": "The provided authorization grant is invalid, expired, "
                                     "revoked, does not match the redirection URI used in the authorization request, or was issued to another client."})
        self.answer(200, {"access_token": tokens[0], "token_type": "Bearer", "expires_in": 7200, "refresh_token": tokens[1],
                          "scope": "api read_user", "created_at": int(time.time())})

    def bitbucket(self, form):
        expected = "Basic " + base64.b64encode(":".join(CLIENTS["bitbucket"]).encode()).decode()
        if self.headers.get("Authorization") != expected:
            return self.answer(400, {"error": "invalid_client", "error_description": "Invalid OAuth client credentials"})
        tokens = self.rotate("bitbucket", form.get("refresh_token"), keep=True) if form.get("grant_type") == "refresh_token" else None
        if tokens is None:
            return self.answer(400, {"error": "invalid_grant", "error_description": "Invalid refresh_token"})
        self.answer(200, {"access_token": tokens[0], "scopes": "repository account", "expires_in": 7200,
                          "refresh_token": tokens[1], "token_type": "bearer", "state": "refresh_token"})


# The test process may ignore or block SIGTERM, and a child inherits that: take it back.
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM])

server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(f"listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
try:
    server.serve_forever()
except KeyboardInterrupt:
    pass
sys.exit(0)
