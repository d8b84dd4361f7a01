"""OAuth 2.0 code flow with requests-oauthlib's OAuth2Session against /restapi/1.0/common/oauth2:
authorize (302 with the code and the state; with PKCE S256 too), the token (HTTP Basic client
auth, requests-oauthlib's default, and form credentials), Bearer calls, refresh rotation with
replay detection, a replayed code, a redirect URI mismatch, and `?access_token=`.
usage: oauth2_code.py SETUP.json"""
import requests
from requests_oauthlib import OAuth2Session

import common
from common import REDIRECT, check, expect, step

cfg = common.load()
base = cfg["base"]
AUTHORIZE = base + "/restapi/1.0/common/oauth2/authorize"
TOKEN = base + "/restapi/1.0/common/oauth2/access_token"
app = cfg["apps"]["admin_oauth2"]
cid, secret = app["consumer_key"], app["consumer_secret"]
cookies = common.session_cookie(cfg, "admin")
step("signed in as the admin user (session_id cookie)")


def authorize(oauth, text):
    """The authorize step for `oauth`: the redirect's Location, after checking code and state."""
    url, state = oauth.authorization_url(AUTHORIZE)
    location = common.redirected(requests.get(url, cookies=cookies, allow_redirects=False), text)
    got = common.query_of(location)
    check(got.get("code") and got.get("state") == state,
          f"{text}: the redirect {location} has a code and the state {state}")
    step(f"{text}: 302 to the callback with a code and the same state")
    return location


def check_token(token, text):
    for field in ("access_token", "refresh_token", "expires_in", "access_token_validity"):
        check(token.get(field), f"{text}: the token has {field}: {token}")
    check(token.get("token_type") == "Bearer", f"{text}: token_type Bearer: {token}")
    step(f"{text}: access_token, refresh_token, expires_in {token['expires_in']}, "
         f"access_token_validity {token['access_token_validity']}, token_type Bearer")


def form_post(data):
    return requests.post(TOKEN, data=data)


# 1. The code flow, client credentials in HTTP Basic (requests-oauthlib's default).
oauth = OAuth2Session(cid, redirect_uri=REDIRECT)
location = authorize(oauth, "authorize")
token = oauth.fetch_token(TOKEN, authorization_response=location, client_secret=secret)
check_token(token, "fetch_token with HTTP Basic")

expect(oauth.get(base + "/restapi/1.0/common/version"), 200, "GET common/version with the Bearer")
step("GET /restapi/1.0/common/version with the Bearer: 200")
expect(requests.get(base + "/restapi/1.0/webhooks"), 401, "GET webhooks without credentials")
expect(oauth.get(base + "/restapi/1.0/webhooks"), 200, "GET webhooks with the Bearer")
step("GET /restapi/1.0/webhooks: 401 without credentials, 200 with the Bearer")
expect(requests.get(base + "/restapi/1.0/webhooks", params={"access_token": token["access_token"]}),
       200, "GET webhooks?access_token=")
step("GET /restapi/1.0/webhooks?access_token=...: 200")
common.webhook_round_trip(oauth, base, "oauth2 Bearer")

# 2. Refresh: a new refresh token; the old one is refused, and its replay ends the grant.
old_refresh = token["refresh_token"]
new = oauth.refresh_token(TOKEN, client_id=cid, client_secret=secret)
check_token(new, "refresh_token")
check(new["refresh_token"] != old_refresh, f"the refresh token rotated: {new}")
check(new["access_token"] != token["access_token"], f"a new access token: {new}")
expect(oauth.get(base + "/restapi/1.0/webhooks"), 200, "GET webhooks with the refreshed Bearer")
step("refresh_token: a new access token and a new refresh token, which work")
reply = form_post({"grant_type": "refresh_token", "refresh_token": old_refresh,
                   "client_id": cid, "client_secret": secret})
body = expect(reply, 400, "the old refresh token")
check(body.get("error") == "invalid_grant", "the old refresh token: invalid_grant", reply)
step("the old refresh token: 400 invalid_grant")
reply = form_post({"grant_type": "refresh_token", "refresh_token": new["refresh_token"],
                   "client_id": cid, "client_secret": secret})
body = expect(reply, 400, "the new refresh token after the old one's replay")
check(body.get("error") == "invalid_grant", "the new refresh token: invalid_grant", reply)
expect(requests.get(base + "/restapi/1.0/webhooks",
                    headers={"authorization": "Bearer " + new["access_token"]}),
       401, "the grant's access token after the replay")
step("after the replay the new refresh token is refused too (400) and its access token (401)")

# 3. Client credentials in the form (include_client_id=True).
oauth = OAuth2Session(cid, redirect_uri=REDIRECT)
location = authorize(oauth, "authorize again")
token = oauth.fetch_token(TOKEN, authorization_response=location, client_secret=secret,
                          include_client_id=True)
check_token(token, "fetch_token with include_client_id=True (form credentials)")
expect(oauth.get(base + "/restapi/1.0/webhooks"), 200, "GET webhooks with that Bearer")
step("GET /restapi/1.0/webhooks with that Bearer: 200")

# 4. That code again: refused, as Synconics words it, and (RFC 6749 §4.1.2) its grant ends.
reply = form_post({"grant_type": "authorization_code", "code": common.query_of(location)["code"],
                   "client_id": cid, "client_secret": secret, "redirect_uri": REDIRECT})
body = expect(reply, 400, "a replayed code")
check(body.get("message") == "Authentication code expired", "the replayed code's message", reply)
step("the code replayed: 400 Authentication code expired")
expect(oauth.get(base + "/restapi/1.0/webhooks"), 401, "the replayed code's access token")
step("the replayed code's access token: 401")

# 5. PKCE S256.
oauth = OAuth2Session(cid, redirect_uri=REDIRECT, pkce="S256")
url, state = oauth.authorization_url(AUTHORIZE)
check("code_challenge=" in url and "code_challenge_method=S256" in url, f"a PKCE challenge in {url}")
location = common.redirected(requests.get(url, cookies=cookies, allow_redirects=False),
                             "authorize with PKCE")
step("authorize with code_challenge_method=S256: 302 with a code")
token = oauth.fetch_token(TOKEN, authorization_response=location, client_secret=secret,
                          include_client_id=True)
check_token(token, "fetch_token with the code_verifier")
expect(oauth.get(base + "/restapi/1.0/webhooks"), 200, "GET webhooks with the PKCE Bearer")
oauth = OAuth2Session(cid, redirect_uri=REDIRECT, pkce="S256")
url, _ = oauth.authorization_url(AUTHORIZE)
location = common.redirected(requests.get(url, cookies=cookies, allow_redirects=False),
                             "authorize with PKCE again")
reply = form_post({"grant_type": "authorization_code", "code": common.query_of(location)["code"],
                   "client_id": cid, "client_secret": secret, "code_verifier": "x" * 50})
expect(reply, 400, "a PKCE code with the wrong code_verifier")
step("a PKCE code with a wrong code_verifier: 400")

# 5a. Another (non-admin) user may not authorize the admin user's app; the data user's own app
# works, but the webhooks resource needs the admin role.
oauth = OAuth2Session(cid, redirect_uri=REDIRECT)
url, _ = oauth.authorization_url(AUTHORIZE)
data_cookies = common.session_cookie(cfg, "data")
reply = requests.get(url, cookies=data_cookies, allow_redirects=False)
body = expect(reply, 401, "authorize by another user")
check(body.get("message") == "Invalid User.", "the other user's message", reply)
step("authorize of the admin's app by the integration user: 401 Invalid User.")
data_app = cfg["apps"]["data_oauth2"]
oauth = OAuth2Session(data_app["consumer_key"], redirect_uri=REDIRECT)
url, _ = oauth.authorization_url(AUTHORIZE)
location = common.redirected(requests.get(url, cookies=data_cookies, allow_redirects=False),
                             "authorize of the data app by its user")
token = oauth.fetch_token(TOKEN, authorization_response=location,
                          client_secret=data_app["consumer_secret"], include_client_id=True)
check_token(token, "the data app's token")
expect(oauth.get(base + "/restapi/1.0/common/version"), 200, "common/version as the data user")
expect(oauth.get(base + "/restapi/1.0/webhooks"), 403, "webhooks as the integration user")
step("the integration user's app: common/version 200, webhooks 403 (the admin role is needed)")
common.partner_round_trip(oauth, base, "oauth2 Bearer")

# 6a. Without a session: to the console's sign-in, which comes back to this very request.
oauth = OAuth2Session(cid, redirect_uri=REDIRECT)
url, _ = oauth.authorization_url(AUTHORIZE)
reply = requests.get(url, allow_redirects=False)
expect(reply, 302, "authorize without a session")
location = reply.headers.get("location", "")
back = common.query_of(location).get("next", "")
here = url[len(base):]
check(location.startswith("/console/login") and back == here,
      f"authorize without a session: to /console/login?next={here}, not {location}", reply)
step("authorize without a session: 302 to /console/login?next=<this authorize URL>")

# 6b. A redirect URI that is not registered: 400, and no redirect.
oauth = OAuth2Session(cid, redirect_uri="http://127.0.0.1:9/elsewhere")
url, _ = oauth.authorization_url(AUTHORIZE)
reply = requests.get(url, cookies=cookies, allow_redirects=False)
body = expect(reply, 400, "authorize with an unregistered redirect_uri")
check(body.get("message") == "redirect uri mismatch.", "the mismatch message", reply)
step("authorize with another redirect_uri: 400 redirect uri mismatch.")
print("oauth2_code: every step passed")
