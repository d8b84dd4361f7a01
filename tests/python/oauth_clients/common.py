"""What the OAuth client scripts share: the setup oauth_clients.sh wrote (setup.py), a line per
step, and on a failure the request and the reply, then exit 1."""
import json
import os
import sys
import urllib.parse

# oauthlib refuses http:// URLs unless told; the test server has no TLS.
os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"

import requests  # noqa: E402

REDIRECT = "http://127.0.0.1:9/callback"  # nothing listens there; redirects are not followed


def load():
    """The setup: base URL, admin key, database, users and apps (setup.py's JSON)."""
    with open(sys.argv[1]) as f:
        return json.load(f)


def step(text):
    print("  ok", text, flush=True)


def dump(response):
    request = response.request
    print("    request:", request.method, request.url)
    for k, v in request.headers.items():
        print(f"      {k}: {v}")
    if request.body:
        body = request.body.decode() if isinstance(request.body, bytes) else request.body
        print("      body:", body)
    print("    reply:", response.status_code)
    for k, v in response.headers.items():
        print(f"      {k}: {v}")
    print("      body:", response.text[:2000])


def fail(text, response=None):
    print("  FAILED", text, flush=True)
    if response is not None:
        dump(response)
    sys.exit(1)


def expect(response, status, text):
    """The reply has `status`; its JSON body (or None) comes back."""
    if response.status_code != status:
        fail(f"{text}: expected {status}, got {response.status_code}", response)
    try:
        return response.json()
    except ValueError:
        return None


def check(condition, text, response=None):
    if not condition:
        fail(text, response)


def admin(cfg, method, path, body=None):
    """A call of the admin API with the bootstrap key; fails on any non-2xx reply."""
    response = requests.request(method, cfg["base"] + path, json=body,
                                headers={"x-api-key": cfg["key"]})
    if response.status_code >= 300:
        fail(f"admin {method} {path}", response)
    return response.json() if response.text else None


def new_app(cfg, name, user, access_type, **fields):
    """An OAuth app for cfg's `user` ("admin" or "data"): its id, consumer key and secret."""
    body = {"name": name, "user_id": cfg["users"][user]["id"], "access_type": access_type,
            "redirect_uris": [REDIRECT], **fields}
    return admin(cfg, "POST", "/api/v1/oauth-apps", body)


def session_cookie(cfg, user):
    """`POST /web/session/authenticate` as cfg's `user`: the cookies to send to authorize."""
    u = cfg["users"][user]
    response = requests.post(cfg["base"] + "/web/session/authenticate", json={
        "jsonrpc": "2.0", "method": "call", "id": 1,
        "params": {"db": cfg["db"], "login": u["login"], "password": u["password"]}})
    body = expect(response, 200, f"session/authenticate as {u['login']}")
    if not body or "result" not in body or "session_id" not in response.cookies:
        fail(f"session/authenticate as {u['login']} gave no session", response)
    return {"session_id": response.cookies["session_id"]}


def query_of(location):
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))


def redirected(response, text, to=REDIRECT):
    """A 302 to `to`; its Location."""
    expect(response, 302, text)
    location = response.headers.get("location", "")
    if not location.startswith(to):
        fail(f"{text}: redirected to {location!r}, not {to}", response)
    return location


def auth_required(response, text):
    """401 `Authentication required`: Synconics' `{"code": 401, "message": ..}`, or the webhooks
    resource's `{"error": {"code": "unauthorized", "message": ..}}` (its own error shape)."""
    body = expect(response, 401, text) or {}
    message = body.get("message") or (body.get("error") or {}).get("message")
    check(message == "Authentication required", f"{text}: 401 Authentication required", response)


def webhook_round_trip(session, base, text):
    """Create, rename and delete a webhook through /restapi/1.0/webhooks with `session` (an
    OAuth-signed or Bearer requests session): the Python-literal `vals` carry spaces, quotes,
    braces, colons and slashes, which an OAuth 1.0a signature must encode right."""
    url = base + "/restapi/1.0/webhooks"
    vals = ("{'name': 'Partner (%s) creation', 'model': 'res.partner', 'kind': 'on_create', "
            "'address': 'http://127.0.0.1:9/hook?a=1&b=2', 'format': 'json'}" % text)
    reply = session.post(url, params={"vals": vals})
    body = expect(reply, 200, f"{text}: POST webhooks?vals=")
    hook = (body or {}).get("webhook") or body
    check(isinstance(hook, dict) and hook.get("id"), f"{text}: the new webhook: {body}", reply)
    hook_id = hook["id"]
    reply = session.put(f"{url}/{hook_id}", params={"vals": "{'name': 'Renamed: ünïcode & more'}"})
    expect(reply, 200, f"{text}: PUT webhooks/{hook_id}?vals=")
    # `vals` in a form body, which an OAuth 1.0a signature covers too.
    reply = session.put(f"{url}/{hook_id}", data={"vals": "{'format': 'xml'}"})
    body = expect(reply, 200, f"{text}: PUT webhooks/{hook_id} with vals in a form body")
    check("xml" in reply.text, f"{text}: the form's vals were stored: {body}", reply)
    reply = session.get(f"{url}/{hook_id}", params={"fields": "['name']"})
    body = expect(reply, 200, f"{text}: GET webhooks/{hook_id}")
    check("Renamed: ünïcode & more" in reply.text, f"{text}: the new name in {body}", reply)
    expect(session.delete(f"{url}/{hook_id}"), 200, f"{text}: DELETE webhooks/{hook_id}")
    expect(session.get(f"{url}/{hook_id}"), 404, f"{text}: GET the deleted webhook")
    step(f"{text}: POST ?vals= (200), PUT ?vals= with non-ASCII and a form body (200), GET, DELETE (200), then 404")


def partner_round_trip(session, base, text, form=True):
    """Synconics' object resource with `session`: create a partner (201), search_read with
    `fields` and `limit`, read it, write it (`vals` in a form body when `form`: an OAuth 1.0a
    signature covers the form's parameters), delete it."""
    url = base + "/restapi/1.0/object/res.partner"
    vals = "{'name': 'OAuth partner (%s)', 'email': 'oauth@example.com'}" % text
    reply = session.post(url, params={"vals": vals})
    body = expect(reply, 201, f"{text}: POST object/res.partner?vals=")
    partner = (body or {}).get("res.partner")
    check(isinstance(partner, dict) and partner.get("id")
          and partner.get("name") == f"OAuth partner ({text})",
          f"{text}: the create reply is {{'res.partner': {{..}}}}", reply)
    pid = partner["id"]
    reply = session.get(url, params={"fields": "['name']", "limit": "5"})
    body = expect(reply, 200, f"{text}: GET object/res.partner?fields=['name']&limit=5")
    found = (body or {}).get("res.partner")
    found = [found] if isinstance(found, dict) else found
    check(isinstance(found, list) and 1 <= len(found) <= 5 and all("name" in p for p in found),
          f"{text}: up to 5 partners with their name under 'res.partner'", reply)
    reply = session.get(f"{url}/{pid}", params={"fields": "['name','email']"})
    body = expect(reply, 200, f"{text}: GET object/res.partner/{pid}")
    check((body or {}).get("res.partner", {}).get("email") == "oauth@example.com",
          f"{text}: the partner read back", reply)
    new_name = f"Renamed: ünïcode & more ({text})"
    vals = {"vals": "{'name': %r}" % new_name}
    reply = session.put(f"{url}/{pid}", data=vals) if form else session.put(f"{url}/{pid}", params=vals)
    body = expect(reply, 200, f"{text}: PUT object/res.partner/{pid} ({'form' if form else 'query'} vals)")
    check(new_name in reply.text, f"{text}: the written name in the reply", reply)
    reply = session.delete(f"{url}/{pid}")
    body = expect(reply, 200, f"{text}: DELETE object/res.partner/{pid}")
    check(body == {"id": pid}, f"{text}: DELETE answers {{'id': {pid}}}", reply)
    expect(session.get(f"{url}/{pid}"), 404, f"{text}: GET the deleted partner")
    step(f"{text}: object/res.partner create 201, search_read, read, write "
         f"({'form' if form else 'query'} vals), delete {{'id': N}}, then 404")
