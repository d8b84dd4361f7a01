"""OAuth 1.0a three legs with requests-oauthlib's OAuth1Session against
/restapi/1.0/common/oauth1, for an app answering as a form (RFC 5849) and one answering JSON
(Synconics; requests-oauthlib falls back to json.loads), then signed calls; refused: a replayed
signed request, a wrong consumer secret, a stale timestamp.  usage: oauth1.py SETUP.json"""
import time

import requests
from oauthlib.oauth1 import Client
from requests_oauthlib import OAuth1, OAuth1Session
from requests_oauthlib.oauth1_session import TokenRequestDenied

import common
from common import REDIRECT, check, expect, step

cfg = common.load()
base = cfg["base"]
ONE = base + "/restapi/1.0/common/oauth1"
WEBHOOKS = base + "/restapi/1.0/webhooks"
VERSION = base + "/restapi/1.0/common/version"


def three_legs(app_name, user, text):
    """The three legs for the app `app_name`, signed in as `user`: the OAuth1Session after them."""
    app = cfg["apps"][app_name]
    cookies = common.session_cookie(cfg, user)
    oauth = OAuth1Session(app["consumer_key"], client_secret=app["consumer_secret"],
                          callback_uri=REDIRECT)
    try:
        request = oauth.fetch_request_token(ONE + "/request_token")
    except TokenRequestDenied as e:
        common.fail(f"{text}: fetch_request_token", e.response)
    check(request.get("oauth_token") and request.get("oauth_token_secret"),
          f"{text}: a request token and secret: {request}")
    step(f"{text}: fetch_request_token gave a request token and secret")
    url = oauth.authorization_url(ONE + "/authorize")
    location = common.redirected(requests.get(url, cookies=cookies, allow_redirects=False),
                                 f"{text}: authorize")
    got = common.query_of(location)
    check(got.get("oauth_token") == request["oauth_token"] and got.get("oauth_verifier"),
          f"{text}: the callback {location} has the request token and a verifier")
    oauth.parse_authorization_response(location)
    step(f"{text}: authorize: 302 to the callback with oauth_token and oauth_verifier")
    try:
        access = oauth.fetch_access_token(ONE + "/access_token")
    except TokenRequestDenied as e:
        common.fail(f"{text}: fetch_access_token", e.response)
    check(access.get("oauth_token") and access.get("oauth_token_secret")
          and access["oauth_token"] != request["oauth_token"],
          f"{text}: an access token and secret: {access}")
    step(f"{text}: fetch_access_token gave an access token and secret")
    expect(oauth.get(VERSION), 200, f"{text}: signed GET common/version")
    step(f"{text}: signed GET /restapi/1.0/common/version: 200")
    return oauth, app, access


# 1. A form-reply app of the admin user, then the webhooks resource.
oauth, app, access = three_legs("admin_oauth1_form", "admin", "oauth1 form")
expect(oauth.get(WEBHOOKS), 200, "signed GET webhooks")
expect(oauth.get(WEBHOOKS, params={"fields": "['name','model']", "limit": "5"}), 200,
       "signed GET webhooks with query parameters")
step("oauth1 form: signed GET /restapi/1.0/webhooks (also with a query): 200")
common.webhook_round_trip(oauth, base, "oauth1 signed")

# 2. The same prepared signed request twice: the nonce is used, the second is refused.
prepared = requests.Request("GET", WEBHOOKS, auth=oauth.auth).prepare()
plain = requests.Session()
expect(plain.send(prepared), 200, "a signed request the first time")
expect(plain.send(prepared), 401, "the same signed request again")
step("the same signed request sent twice: 200, then 401")

# 2a. The OAuth parameters in the query instead of the header (RFC 5849 §3.5.3).
in_query = OAuth1(app["consumer_key"], client_secret=app["consumer_secret"],
                  resource_owner_key=access["oauth_token"],
                  resource_owner_secret=access["oauth_token_secret"], signature_type="query")
reply = requests.get(WEBHOOKS, auth=in_query)
check("oauth_signature=" in reply.request.url, "the signature is in the query", reply)
expect(reply, 200, "a signed GET with the OAuth parameters in the query")
step("signed GET /restapi/1.0/webhooks with the OAuth parameters in the query: 200")

# 2b. The OAuth parameters in a form body (RFC 5849 §3.5.2), at request_token.
in_body = OAuth1(app["consumer_key"], client_secret=app["consumer_secret"],
                 callback_uri=REDIRECT, signature_type="body")
reply = requests.post(ONE + "/request_token", auth=in_body, data={"extra": "signed too"},
                      headers={"accept": "application/json"})
body = expect(reply, 200, "request_token with the OAuth parameters in a form body")
check(body.get("oauth_token") and body.get("oauth_token_secret"), "a request token (JSON by Accept)", reply)
step("request_token with the OAuth parameters in a form body (Accept: application/json): 200 JSON")

# 2b'. A callback that is not one of the app's redirect URIs is refused: else whoever holds the
# consumer secret could have another user's verifier sent to a server of theirs.
elsewhere = OAuth1(app["consumer_key"], client_secret=app["consumer_secret"],
                   callback_uri="https://evil.example/cb")
reply = requests.post(ONE + "/request_token", auth=elsewhere)
body = expect(reply, 400, "request_token with a callback elsewhere")
check("redirect URIs" in ((body.get("error") or {}).get("message") or ""), "the reason", reply)
step("request_token with an unregistered oauth_callback: 400")

# 2c. The request token is used up by access_token; a wrong verifier is refused.
legs = OAuth1Session(app["consumer_key"], client_secret=app["consumer_secret"], callback_uri=REDIRECT)
request = legs.fetch_request_token(ONE + "/request_token")
admin_cookies = common.session_cookie(cfg, "admin")
location = common.redirected(requests.get(legs.authorization_url(ONE + "/authorize"),
                                          cookies=admin_cookies, allow_redirects=False),
                             "authorize for the used-up test")
verifier = common.query_of(location)["oauth_verifier"]
wrong_verifier = OAuth1(app["consumer_key"], client_secret=app["consumer_secret"],
                        resource_owner_key=request["oauth_token"],
                        resource_owner_secret=request["oauth_token_secret"], verifier="0" + verifier)
expect(requests.post(ONE + "/access_token", auth=wrong_verifier), 401, "a wrong oauth_verifier")
step("access_token with a wrong oauth_verifier: 401")
legs.parse_authorization_response(location)
legs.fetch_access_token(ONE + "/access_token")
again = OAuth1(app["consumer_key"], client_secret=app["consumer_secret"],
               resource_owner_key=request["oauth_token"],
               resource_owner_secret=request["oauth_token_secret"], verifier=verifier)
expect(requests.post(ONE + "/access_token", auth=again), 401, "the same request token again")
step("access_token a second time with the same request token and verifier: 401")

# 2d. Another (non-admin) user may not authorize the admin user's app.
data_cookies = common.session_cookie(cfg, "data")
other = OAuth1Session(app["consumer_key"], client_secret=app["consumer_secret"], callback_uri=REDIRECT)
other.fetch_request_token(ONE + "/request_token")
reply = requests.get(other.authorization_url(ONE + "/authorize"), cookies=data_cookies,
                     allow_redirects=False)
body = expect(reply, 400, "authorize by another user")
check((body.get("error") or {}).get("message") == "You are not authorized user for these credentials.",
      "the other user's message", reply)
step("authorize by another user: 400 You are not authorized user for these credentials.")

# 2e. A deactivated app's pair is refused at once; after revoke-tokens too.
fresh = common.new_app(cfg, "oauth1 to revoke", "admin", "oauth1", oauth1_reply="form")
cfg["apps"]["revoke_me"] = fresh
revoked_session, _, _ = three_legs("revoke_me", "admin", "oauth1 to revoke")
expect(revoked_session.get(WEBHOOKS), 200, "the pair before it is revoked")
common.admin(cfg, "PATCH", f"/api/v1/oauth-apps/{fresh['id']}", {"active": False})
common.auth_required(revoked_session.get(WEBHOOKS), "a signed call of a deactivated app")
step("PATCH active false: the app's signed calls get 401 at once")
common.admin(cfg, "PATCH", f"/api/v1/oauth-apps/{fresh['id']}", {"active": True})
common.auth_required(revoked_session.get(WEBHOOKS), "the pair after reactivation")
step("active true again: the old pair stays refused (deactivating ended it)")
revoked_session, _, _ = three_legs("revoke_me", "admin", "oauth1 after reactivation")
expect(revoked_session.get(WEBHOOKS), 200, "a new pair after reactivation")
common.admin(cfg, "POST", f"/api/v1/oauth-apps/{fresh['id']}/revoke-tokens")
common.auth_required(revoked_session.get(WEBHOOKS), "a signed call after revoke-tokens")
step("a new pair: 200; revoke-tokens: 401")

# 3. A JSON-reply app of the data user (requests-oauthlib parses the JSON token replies).
oauth_json, _, _ = three_legs("data_oauth1_json", "data", "oauth1 json")
expect(oauth_json.get(WEBHOOKS), 403, "webhooks signed for the integration user")
step("oauth1 json: webhooks signed for the integration user: 403 (the admin role is needed)")
common.partner_round_trip(oauth_json, base, "oauth1 signed, query vals", form=False)
common.partner_round_trip(oauth_json, base, "oauth1 signed, form vals")

# 4. A wrong consumer secret: the signature does not match.
reply = requests.post(ONE + "/request_token",
                      auth=OAuth1(app["consumer_key"], client_secret=app["consumer_secret"] + "x",
                                  callback_uri=REDIRECT))
body = expect(reply, 401, "request_token signed with a wrong secret")
check(body.get("error", {}).get("message") == "Key Invalid", "the wrong secret's message", reply)
step("request_token signed with a wrong consumer secret: 401 Key Invalid")

# 5. A timestamp two hours back.
stale = Client(app["consumer_key"], client_secret=app["consumer_secret"], callback_uri=REDIRECT,
               timestamp=str(int(time.time()) - 7200))
uri, headers, _ = stale.sign(ONE + "/request_token", http_method="POST")
reply = requests.post(uri, headers=headers)
body = expect(reply, 401, "request_token with a timestamp 2 hours old")
check(body.get("error", {}).get("message") == "Invalid Timestamp or Nonce",
      "the stale timestamp's message", reply)
step("request_token with a timestamp 2 hours back: 401 Invalid Timestamp or Nonce")

# 6. A signed call with the access token but a wrong token secret.
wrong = OAuth1(app["consumer_key"], client_secret=app["consumer_secret"],
               resource_owner_key=access["oauth_token"],
               resource_owner_secret=access["oauth_token_secret"] + "x")
expect(requests.get(WEBHOOKS, auth=wrong), 401, "a call signed with a wrong token secret")
step("a call signed with a wrong token secret: 401")
print("oauth1: every step passed")
