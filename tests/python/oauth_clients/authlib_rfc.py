"""authlib against the standard endpoints: client credentials with its OAuth2Session, RFC 7662
introspection, RFC 7009 revocation, RFC 8414 metadata; and its OAuth1Session's three legs.
usage: authlib_rfc.py SETUP.json"""
import requests
from authlib.integrations.requests_client import OAuth1Session, OAuth2Session

import common
from common import REDIRECT, check, expect, step

cfg = common.load()
base = cfg["base"]
TOKEN = base + "/restapi/1.0/common/oauth2/access_token"
INTROSPECT = base + "/oauth2/introspect"
REVOKE = base + "/oauth2/revoke"
WEBHOOKS = base + "/restapi/1.0/webhooks"
app = cfg["apps"]["admin_oauth2"]
cid, secret = app["consumer_key"], app["consumer_secret"]

# 1. RFC 8414 metadata.
reply = requests.get(base + "/.well-known/oauth-authorization-server")
meta = expect(reply, 200, "GET /.well-known/oauth-authorization-server")
check(meta.get("issuer") == base, f"the issuer is {base}: {meta.get('issuer')}", reply)
for field in ("authorization_endpoint", "token_endpoint", "revocation_endpoint",
              "introspection_endpoint"):
    check(meta.get(field, "").startswith(base + "/"), f"metadata {field}: {meta.get(field)}", reply)
check("code" in meta.get("response_types_supported", []), "response_types_supported has code", reply)
check("S256" in meta.get("code_challenge_methods_supported", []), "PKCE S256 advertised", reply)
check(meta["introspection_endpoint"] == INTROSPECT and meta["revocation_endpoint"] == REVOKE,
      "the introspection and revocation endpoints", reply)
step(f"metadata: issuer {base}, the endpoints under it, code, S256")

# 2. Client credentials with authlib's OAuth2Session (client_secret_basic), then calls.
client = OAuth2Session(cid, secret, token_endpoint_auth_method="client_secret_basic")
token = client.fetch_token(meta["token_endpoint"], grant_type="client_credentials")
check(token.get("access_token") and token.get("token_type") == "Bearer", f"a Bearer token: {token}")
expect(client.get(WEBHOOKS), 200, "GET webhooks with authlib's Bearer")
step("authlib fetch_token (client_credentials, client_secret_basic) and a Bearer call: 200")
post_client = OAuth2Session(cid, secret, token_endpoint_auth_method="client_secret_post")
expect(requests.get(WEBHOOKS, headers={"authorization": "Bearer " + post_client.fetch_token(
    TOKEN, grant_type="client_credentials")["access_token"]}), 200, "a client_secret_post token")
step("authlib fetch_token with client_secret_post: a token that works")

# 3. RFC 7662 introspection, RFC 7009 revocation, introspection again.
reply = client.introspect_token(INTROSPECT, token=token["access_token"])
body = expect(reply, 200, "introspect a live token")
check(body.get("active") is True and body.get("client_id") == cid,
      f"active true, client_id {cid}", reply)
step(f"introspect: active true, client_id, token_type {body.get('token_type')}, exp {body.get('exp')}")
reply = client.revoke_token(REVOKE, token=token["access_token"])
expect(reply, 200, "revoke the token")
step("revoke_token: 200")
reply = client.introspect_token(INTROSPECT, token=token["access_token"])
body = expect(reply, 200, "introspect the revoked token")
check(body == {"active": False}, "exactly {'active': false}", reply)
expect(requests.get(WEBHOOKS, headers={"authorization": "Bearer " + token["access_token"]}), 401,
       "the revoked token on webhooks")
step("introspect after the revocation: {\"active\": false}; the token gets 401")
expect(client.revoke_token(REVOKE, token="no-such-token"), 200, "revoke an unknown token")
body = expect(client.introspect_token(INTROSPECT, token="no-such-token"), 200,
              "introspect an unknown token")
check(body == {"active": False}, "an unknown token is {'active': false}")
step("an unknown token: revoke 200, introspect {\"active\": false}")
reply = requests.post(INTROSPECT, data={"token": "x"}, auth=(cid, secret + "x"))
expect(reply, 401, "introspect with a wrong client secret")
step("introspect with a wrong client secret: 401")

# 3a. authlib's code flow with PKCE S256, then its refresh.
from authlib.common.security import generate_token  # noqa: E402

cookies = common.session_cookie(cfg, "admin")
code_client = OAuth2Session(cid, secret, redirect_uri=REDIRECT, code_challenge_method="S256",
                            token_endpoint_auth_method="client_secret_post")
verifier = generate_token(48)
url, state = code_client.create_authorization_url(meta["authorization_endpoint"],
                                                  code_verifier=verifier)
location = common.redirected(requests.get(url, cookies=cookies, allow_redirects=False),
                             "authlib authorize with PKCE")
check(common.query_of(location).get("state") == state, f"authlib: the state comes back in {location}")
token = code_client.fetch_token(meta["token_endpoint"], authorization_response=location,
                                code_verifier=verifier)
check(token.get("access_token") and token.get("refresh_token"), f"authlib: a code-flow token: {token}")
expect(code_client.get(WEBHOOKS), 200, "authlib's code-flow Bearer on webhooks")
old_refresh = token["refresh_token"]
refreshed = code_client.refresh_token(meta["token_endpoint"])
check(refreshed.get("refresh_token") and refreshed["refresh_token"] != old_refresh,
      f"authlib refresh: a new refresh token: {refreshed}")
expect(code_client.get(WEBHOOKS), 200, "authlib's refreshed Bearer on webhooks")
body = expect(code_client.introspect_token(INTROSPECT, token=refreshed["refresh_token"],
                                           token_type_hint="refresh_token"),
              200, "introspect the refresh token")
check(body.get("active") is True and body.get("token_type") == "refresh_token",
      "the refresh token is active", None)
expect(code_client.revoke_token(REVOKE, token=refreshed["refresh_token"],
                                token_type_hint="refresh_token"), 200, "revoke the refresh token")
body = expect(code_client.introspect_token(INTROSPECT, token=refreshed["access_token"]), 200,
              "introspect the access token of a revoked refresh token")
check(body == {"active": False}, f"RFC 7009: revoking the refresh token ends its access token: {body}")
expect(code_client.get(WEBHOOKS), 401, "the access token of a revoked refresh token")
step("authlib code flow with PKCE, refresh, introspect; revoking the refresh token ends its access token")

# 4. authlib's OAuth1Session: three legs with the form-reply app.
one = cfg["apps"]["admin_oauth1_form"]
ONE = base + "/restapi/1.0/common/oauth1"
oauth = OAuth1Session(one["consumer_key"], one["consumer_secret"], redirect_uri=REDIRECT)
request = oauth.fetch_request_token(ONE + "/request_token")
check(request.get("oauth_token"), f"authlib: a request token: {request}")
url = oauth.create_authorization_url(ONE + "/authorize", request["oauth_token"])
location = common.redirected(requests.get(url, cookies=cookies, allow_redirects=False),
                             "authlib oauth1 authorize")
oauth.parse_authorization_response(location)
access = oauth.fetch_access_token(ONE + "/access_token")
check(access.get("oauth_token") and access.get("oauth_token_secret"), f"authlib: an access token: {access}")
expect(oauth.get(WEBHOOKS), 200, "authlib signed GET webhooks")
step("authlib OAuth1Session: request token, authorize, access token, signed GET webhooks 200")
print("authlib_rfc: every step passed")
