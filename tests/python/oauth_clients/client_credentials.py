"""OAuth 2.0 client credentials: requests-oauthlib's BackendApplicationClient, Synconics' plain
form post (no grant_type: a token with refresh_token false), a wrong secret, an expired token
(webhook.oauth_token_validity set to 1 s), a deactivated app and revoke-tokens; the Basic app's
token as `Authorization: Basic <token>`.  usage: client_credentials.py SETUP.json"""
import time

import requests
from oauthlib.oauth2 import BackendApplicationClient
from requests_oauthlib import OAuth2Session

import common
from common import check, expect, step

cfg = common.load()
base = cfg["base"]
TOKEN = base + "/restapi/1.0/common/oauth2/access_token"
WEBHOOKS = base + "/restapi/1.0/webhooks"
app = cfg["apps"]["admin_oauth2"]
cid, secret = app["consumer_key"], app["consumer_secret"]


def bearer(token):
    return {"authorization": "Bearer " + token}


def refused(token, text):
    common.auth_required(requests.get(WEBHOOKS, headers=bearer(token)), text)


def form_token(cid, secret, text):
    """Synconics' way: client_id and client_secret in a form, no grant_type."""
    reply = requests.post(TOKEN, data={"client_id": cid, "client_secret": secret})
    return expect(reply, 200, text)


# 1. requests-oauthlib's backend application flow (grant_type=client_credentials, HTTP Basic).
oauth = OAuth2Session(client=BackendApplicationClient(client_id=cid))
token = oauth.fetch_token(token_url=TOKEN, client_id=cid, client_secret=secret)
check(token.get("access_token") and token.get("token_type") == "Bearer" and token.get("expires_in"),
      f"a Bearer token with expires_in: {token}")
step(f"BackendApplicationClient fetch_token: a Bearer token, expires_in {token['expires_in']}")
expect(oauth.get(WEBHOOKS), 200, "GET webhooks with the client-credentials Bearer")
step("GET /restapi/1.0/webhooks with it: 200")

# 2. Synconics' plain form post.
body = form_token(cid, secret, "a form post with client_id and client_secret, no grant_type")
check(body.get("access_token") and body.get("refresh_token") is False,
      f"a token with refresh_token false: {body}")
expect(requests.get(WEBHOOKS, headers=bearer(body["access_token"])), 200, "GET webhooks")
step("form post without grant_type: a token with refresh_token false, which works")

# 3. A wrong secret.
reply = requests.post(TOKEN, data={"client_id": cid, "client_secret": secret + "x"})
body = expect(reply, 401, "a wrong client secret")
check(body.get("code") == 401 and body.get("message") == "Invalid Credentials."
      and body.get("error") == "invalid_client", "the wrong secret's body", reply)
step("a wrong client secret: 401 Invalid Credentials. / invalid_client")

# 4. An expired token: the validity set to 1 second, then put back.
PARAM = "/api/v1/parameters/webhook.oauth_token_validity"
before = next(p["value"] for p in common.admin(cfg, "GET", "/api/v1/parameters")["items"]
              if p["key"] == "webhook.oauth_token_validity")
common.admin(cfg, "PUT", PARAM, {"value": "1"})
try:
    short = common.new_app(cfg, "short-lived", "admin", "oauth2")
    body = form_token(short["consumer_key"], short["consumer_secret"], "a token valid 1 s")
    check(body.get("expires_in") == 1, f"expires_in 1: {body}")
    time.sleep(2)
    refused(body["access_token"], "a token 2 s after its 1 s validity")
    step("webhook.oauth_token_validity=1: the token is refused 2 s later (401 Authentication required)")
finally:
    common.admin(cfg, "PUT", PARAM, {"value": before})
step(f"webhook.oauth_token_validity back to {before}")

# 5. A deactivated app, then revoke-tokens.
other = common.new_app(cfg, "to revoke", "admin", "oauth2")
body = form_token(other["consumer_key"], other["consumer_secret"], "a token of the app to revoke")
live = body["access_token"]
expect(requests.get(WEBHOOKS, headers=bearer(live)), 200, "the live token")
common.admin(cfg, "PATCH", f"/api/v1/oauth-apps/{other['id']}", {"active": False})
refused(live, "the token of a deactivated app")
step("PATCH active false: its live token gets 401 at once")
reply = requests.post(TOKEN, data={"client_id": other["consumer_key"],
                                   "client_secret": other["consumer_secret"]})
expect(reply, 401, "a token for a deactivated app")
step("a deactivated app gets no token: 401")
common.admin(cfg, "PATCH", f"/api/v1/oauth-apps/{other['id']}", {"active": True})
refused(live, "the old token after reactivation")
step("active true again: the old token stays refused (deactivating ended it)")
body = form_token(other["consumer_key"], other["consumer_secret"], "a token after reactivation")
fresh = body["access_token"]
expect(requests.get(WEBHOOKS, headers=bearer(fresh)), 200, "the new token")
revoked = common.admin(cfg, "POST", f"/api/v1/oauth-apps/{other['id']}/revoke-tokens")
refused(fresh, "a token after revoke-tokens")
step(f"revoke-tokens ({revoked}): the token gets 401")

# 5a. Regenerated credentials: the old secret gets no token, the new one does.
made = common.new_app(cfg, "to regenerate", "admin", "oauth2")
regenerated = common.admin(cfg, "POST", f"/api/v1/oauth-apps/{made['id']}/regenerate")
check(regenerated.get("consumer_secret") and regenerated["consumer_secret"] != made["consumer_secret"],
      f"regenerate gave a new secret: {regenerated}")
reply = requests.post(TOKEN, data={"client_id": regenerated["consumer_key"],
                                   "client_secret": made["consumer_secret"]})
expect(reply, 401, "the secret from before regenerate")
form_token(regenerated["consumer_key"], regenerated["consumer_secret"], "the regenerated secret")
step("regenerate: the old secret gets 401, the new one a token")

# 5b. A deactivated user: its app's token is refused at once.
login = "oauth-leaving"
user = common.admin(cfg, "POST", "/api/v1/users", {"login": login, "name": "Leaving",
                                                   "password": cfg["users"]["admin"]["password"],
                                                   "role": "admin"})
cfg["users"]["leaving"] = {"id": user["id"], "login": login}
leaving = common.new_app(cfg, "of a leaving user", "leaving", "oauth2")
live = form_token(leaving["consumer_key"], leaving["consumer_secret"], "a token of the leaving user")
expect(requests.get(WEBHOOKS, headers=bearer(live["access_token"])), 200, "the leaving user's token")
common.admin(cfg, "PATCH", f"/api/v1/users/{user['id']}", {"active": False})
refused(live["access_token"], "the token of a deactivated user")
step("PATCH the user active false: its app's live token gets 401 at once")

# 5c. Synconics' clients may put the client credentials in the query.
reply = requests.post(TOKEN, params={"client_id": cid, "client_secret": secret})
body = expect(reply, 200, "client_id and client_secret in the query")
check(body.get("access_token"), "a token from query credentials", reply)
step("client_id and client_secret in the query string: a token")

# 6. A Basic app: its token, sent as Authorization: Basic <token>.
basic = cfg["apps"]["admin_basic"]
reply = requests.post(base + "/restapi/1.0/common/basic/access_token",
                      data={"client_id": basic["consumer_key"], "client_secret": basic["consumer_secret"]})
body = expect(reply, 200, "the Basic app's token")
check(body.get("token_type") == "Basic" and body.get("access_token"), f"token_type Basic: {body}", reply)
expect(requests.get(WEBHOOKS, headers={"authorization": "Basic " + body["access_token"]}), 200,
       "GET webhooks with Authorization: Basic <token>")
refused_basic = requests.get(WEBHOOKS, headers=bearer(body["access_token"]))
expect(refused_basic, 401, "a Basic app's token sent as Bearer")
step("basic/access_token: token_type Basic, works as Authorization: Basic, not as Bearer")
print("client_credentials: every step passed")
