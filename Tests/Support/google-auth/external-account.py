"""What a GCP runner does with the platform, through Google's own client library (google-auth):
an `external_account` credential whose `credential_source.url` is the platform's token endpoint
(the caller's bearer token in `headers`, the token in the JSON field `value`), exchanged at the STS
and impersonating the service account. Refreshes twice; prints {"tokens": [...], "expiry": ...}.

    external-account.py API_URL IDENTITY_ID BEARER AUDIENCE SERVICE_ACCOUNT_EMAIL STS_BASE IAM_BASE
"""
import json
import sys

import google.auth.transport.requests
from google.auth import identity_pool

api, identity, bearer, audience, email, sts, iam = sys.argv[1:8]
info = {
    "type": "external_account",
    "audience": audience,
    "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
    "token_url": sts.rstrip("/") + "/v1/token",
    "service_account_impersonation_url": f"{iam.rstrip('/')}/v1/projects/-/serviceAccounts/{email}:generateAccessToken",
    "credential_source": {
        "url": f"{api}/api/cloud-identities/{identity}/token",
        "headers": {"Authorization": f"Bearer {bearer}"},
        "format": {"type": "json", "subject_token_field_name": "value"},
    },
}
credentials = identity_pool.Credentials.from_info(info, scopes=["https://www.googleapis.com/auth/cloud-platform"])
request = google.auth.transport.requests.Request()
tokens = []
for _ in range(2):
    credentials.refresh(request)  # a long run: each refresh fetches a fresh federation token
    tokens.append(credentials.token)
print(json.dumps({"tokens": tokens, "expiry": credentials.expiry.isoformat()}))
