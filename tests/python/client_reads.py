"""The generated client reads every list and object the API returns, with data present.

Makes a company, a user, API keys, OAuth apps, an outbound rule, a subscription and an inbound hook, lets them
deliver to a receiver here, and reads every list, every object and every create/patch reply of the
document through the client that openapi-python-client generated. Each reply is also checked against
openapi/weft.json itself (`conforms`): its status is documented, and its body has every required key,
no undocumented key and no `null` where the schema says otherwise; the client's models do not check
types, so this is what fails when the document and the wire part.

Usage: python client_reads.py <base-url> <api-key> <openapi.json>  (run by tests/python/run.sh)
"""

import json
import sys
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from weft_client import Client
from weft_client.api.data import post_api_create_data
from weft_client.api.deliveries import (
    get_api_v1_deliveries,
    get_api_v1_deliveries_id,
    post_api_v1_deliveries_id_retry,
    post_api_v1_deliveries_retry,
)
from weft_client.api.identities import (
    delete_api_v1_api_keys_id,
    get_api_v1_api_keys,
    get_api_v1_companies,
    get_api_v1_companies_id,
    get_api_v1_users,
    patch_api_v1_companies_id,
    patch_api_v1_users_id,
    post_api_v1_api_keys,
    post_api_v1_companies,
    post_api_v1_users,
)
from weft_client.api.inbound_hooks import (
    delete_api_v1_inbound_hooks_id,
    get_api_v1_inbound_hooks,
    get_api_v1_inbound_hooks_id,
    get_api_v1_inbound_hooks_id_signing_secret,
    patch_api_v1_inbound_hooks_id,
    post_api_v1_inbound_hooks,
    post_api_v1_inbound_hooks_id_rotate,
    post_web_hook_secret,
)
from weft_client.api.logs import get_api_v1_logs, get_api_v1_logs_id, get_api_v1_logs_id_payload
from weft_client.api.o_auth_apps import (
    delete_api_v1_oauth_apps_id,
    get_api_v1_oauth_apps,
    get_api_v1_oauth_apps_id,
    get_api_v1_oauth_apps_id_secret,
    patch_api_v1_oauth_apps_id,
    post_api_v1_oauth_apps,
    post_api_v1_oauth_apps_id_regenerate,
    post_api_v1_oauth_apps_id_revoke_tokens,
)
from weft_client.api.models import get_api_v1_models, get_api_v1_models_model
from weft_client.api.outbound_rules import (
    delete_api_v1_outbound_rules_id,
    get_api_v1_outbound_rules,
    get_api_v1_outbound_rules_id,
    get_api_v1_outbound_rules_id_secret,
    patch_api_v1_outbound_rules_id,
    post_api_v1_outbound_rules,
    post_api_v1_outbound_rules_id_rotate_secret,
)
from weft_client.api.parameters import get_api_v1_parameters, put_api_v1_parameters_key
from weft_client.api.session import post_web_session_authenticate
from weft_client.api.subscriptions import (
    delete_api_v1_subscriptions_id,
    get_api_v1_subscriptions,
    get_api_v1_subscriptions_id,
    get_api_v1_subscriptions_id_secret,
    patch_api_v1_subscriptions_id,
    post_api_v1_subscriptions,
    post_api_v1_subscriptions_id_rotate_secret,
    post_api_v1_subscriptions_id_test,
)
from weft_client.models import (
    AuthenticateParams,
    AuthenticateRequest,
    CompanyPatch,
    CreateDataParams,
    CreateDataRequest,
    CreateVals,
    CreateValsPayload,
    NewApiKey,
    NewCompany,
    NewInboundHook,
    NewOAuthApp,
    NewOutboundRule,
    NewSubscription,
    NewUser,
    OAuthAppPatch,
    ParameterValue,
    PostWebHookSecretBody,
    RetryFilter,
    UserPatch,
)
from weft_client.types import UNSET

received = []
lock = threading.Lock()


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["content-length"]))
        with lock:
            received.append((self.path, body))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


class Document:
    """The OpenAPI document, to check each reply against the schema it documents."""

    def __init__(self, path):
        with open(path) as f:
            self.spec = json.load(f)
        self.checked = set()

    def conforms(self, method, path, response):
        """`response` (an httpx response of the generated client) is what `method path` documents."""
        operation = self.spec["paths"][path][method]
        status = str(response.status_code)
        assert status in operation["responses"], f"{method} {path}: {status} is not documented"
        self.checked.add((method, path))
        content = operation["responses"][status].get("content")
        if not content:
            assert response.content == b"", f"{method} {path}: {status} documents no body"
            return
        schema = next(v["schema"] for k, v in content.items() if k.startswith("application/json"))
        self.check(json.loads(response.content), schema, f"{method} {path} {status}")

    def check(self, value, schema, where):
        schema = self.resolve(schema)
        if "allOf" in schema:
            for part in schema["allOf"]:
                self.check(value, part, where)
            return
        kind = schema.get("type")
        if kind is None:
            return  # any JSON value
        assert value is not None, f"{where}: null where the document says {kind}"
        expected = {"string": str, "integer": int, "number": (int, float), "boolean": bool,
                    "array": list, "object": dict}[kind]
        assert isinstance(value, expected), f"{where}: {value!r} is not {kind}"
        assert not (kind in ("integer", "number") and isinstance(value, bool)), f"{where}: {value!r} is not {kind}"
        if kind == "array":
            for i, item in enumerate(value):
                self.check(item, schema.get("items", {}), f"{where}[{i}]")
        if kind == "object":
            self.check_object(value, schema, where)

    def check_object(self, value, schema, where):
        properties = schema.get("properties", {})
        for key in schema.get("required", []):
            assert key in value, f"{where}: the required key {key} is missing"
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            if key in properties:
                self.check(item, properties[key], f"{where}.{key}")
            elif isinstance(extra, dict):
                self.check(item, extra, f"{where}.{key}")
            else:
                assert not properties, f"{where}: the key {key} is not documented"

    def resolve(self, schema):
        while "$ref" in schema:
            schema = self.spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        return schema


def main(base_url, api_key, document_path):
    doc = Document(document_path)
    client = Client(base_url=base_url, headers={"x-api-key": api_key}, raise_on_unexpected_status=True)

    def call(module, method, path, expected=HTTPStatus.OK, **kwargs):
        response = module.sync_detailed(client=client, **kwargs)
        doc.conforms(method, path, response)
        assert response.status_code == expected, f"{method} {path}: {response.status_code} {response.content!r}"
        return response.parsed

    receiver = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    target = f"http://127.0.0.1:{receiver.server_address[1]}"

    # Parameters: a small preview limit, so the calls below keep their whole payload.
    parameters = call(get_api_v1_parameters, "get", "/api/v1/parameters")
    limit = next(p for p in parameters.items if p.key == "webhook.preview_limit")
    assert limit.default == "2000" and limit.description, limit.to_dict()
    assert parameters.next_cursor is UNSET
    changed = call(put_api_v1_parameters_key, "put", "/api/v1/parameters/{key}",
                   key="webhook.preview_limit", body=ParameterValue(value="40"))
    assert changed.value == "40", changed.to_dict()

    # Models and their fields.
    models = call(get_api_v1_models, "get", "/api/v1/models")
    assert "res.partner" in [m.model for m in models.items]
    for summary in models.items:
        call(get_api_v1_models_model, "get", "/api/v1/models/{model}", model=summary.model)
    order = call(get_api_v1_models_model, "get", "/api/v1/models/{model}", model="sale.order")
    fields = order.fields.additional_properties
    assert fields["partner_id"].relation == "res.partner", fields["partner_id"].to_dict()
    assert fields["name"].relation is UNSET, fields["name"].to_dict()
    assert "action_confirm" in [m.name for m in order.methods]

    # Companies, users, keys.
    company = call(post_api_v1_companies, "post", "/api/v1/companies", HTTPStatus.CREATED,
                   body=NewCompany(name="Client Co", email="co@example.com"))
    assert company.phone is UNSET and company.email == "co@example.com", company.to_dict()
    patched = call(patch_api_v1_companies_id, "patch", "/api/v1/companies/{id}", id=company.id,
                   body=CompanyPatch(phone="+66 1"))
    assert patched.phone == "+66 1" and patched.name == "Client Co", patched.to_dict()
    assert call(get_api_v1_companies_id, "get", "/api/v1/companies/{id}", id=company.id).phone == "+66 1"
    companies = call(get_api_v1_companies, "get", "/api/v1/companies")
    assert company.id in [c.id for c in companies.items]

    user = call(post_api_v1_users, "post", "/api/v1/users", HTTPStatus.CREATED,
                body=NewUser(login="py-jane", name="Jane", password="correct horse battery",
                             role="integration", company_id=company.id))
    assert user.company_ids == [company.id], user.to_dict()
    user = call(patch_api_v1_users_id, "patch", "/api/v1/users/{id}", id=user.id, body=UserPatch(name="Jane Roe"))
    assert user.name == "Jane Roe" and user.role == "integration", user.to_dict()
    assert "py-jane" in [u.login for u in call(get_api_v1_users, "get", "/api/v1/users").items]

    key = call(post_api_v1_api_keys, "post", "/api/v1/api-keys", HTTPStatus.CREATED,
               body=NewApiKey(user_id=user.id, name="py", allowed_models=["res.partner"]))
    assert key.key.startswith("weft_") and key.expires_at is UNSET, key.to_dict()
    keys = call(get_api_v1_api_keys, "get", "/api/v1/api-keys")
    listed = next(k for k in keys.items if k.id == key.id)
    assert listed.allowed_models == ["res.partner"] and listed.key is UNSET, listed.to_dict()
    call(delete_api_v1_api_keys_id, "delete", "/api/v1/api-keys/{id}", HTTPStatus.NO_CONTENT, id=key.id)

    # OAuth apps: the secret in the reply that makes or regenerates one; an OAuth 1.0a app's on request.
    app = call(post_api_v1_oauth_apps, "post", "/api/v1/oauth-apps", HTTPStatus.CREATED,
               body=NewOAuthApp(name="py app", user_id=user.id, redirect_uris=["https://erp.example/cb"]))
    assert app.access_type == "oauth2" and len(app.consumer_secret) == 32, app.to_dict()
    assert app.allowed_models is UNSET and app.description is UNSET, app.to_dict()
    listed = next(a for a in call(get_api_v1_oauth_apps, "get", "/api/v1/oauth-apps").items if a.id == app.id)
    assert listed.consumer_secret is UNSET, listed.to_dict()
    one = call(get_api_v1_oauth_apps_id, "get", "/api/v1/oauth-apps/{id}", id=app.id)
    assert one.redirect_uris == ["https://erp.example/cb"], one.to_dict()
    call(get_api_v1_oauth_apps_id_secret, "get", "/api/v1/oauth-apps/{id}/secret", HTTPStatus.CONFLICT, id=app.id)
    patched = call(patch_api_v1_oauth_apps_id, "patch", "/api/v1/oauth-apps/{id}", id=app.id,
                   body=OAuthAppPatch.from_dict({"description": "ERP", "allowed_models": ["res.partner"]}))
    assert patched.description == "ERP" and patched.allowed_models == ["res.partner"], patched.to_dict()
    regenerated = call(post_api_v1_oauth_apps_id_regenerate, "post", "/api/v1/oauth-apps/{id}/regenerate", id=app.id)
    assert regenerated.consumer_key != app.consumer_key and regenerated.consumer_secret, regenerated.to_dict()
    revoked = call(post_api_v1_oauth_apps_id_revoke_tokens, "post", "/api/v1/oauth-apps/{id}/revoke-tokens", id=app.id)
    assert revoked.revoked == 0, revoked.to_dict()
    legacy = call(post_api_v1_oauth_apps, "post", "/api/v1/oauth-apps", HTTPStatus.CREATED,
                  body=NewOAuthApp(name="py oauth1", user_id=user.id, access_type="oauth1", oauth1_reply="form"))
    shown = call(get_api_v1_oauth_apps_id_secret, "get", "/api/v1/oauth-apps/{id}/secret", id=legacy.id)
    assert shown.consumer_secret == legacy.consumer_secret, shown.to_dict()
    for made in (app, legacy):
        call(delete_api_v1_oauth_apps_id, "delete", "/api/v1/oauth-apps/{id}", HTTPStatus.NO_CONTENT, id=made.id)

    session = call(post_web_session_authenticate, "post", "/web/session/authenticate",
                   body=AuthenticateRequest(params=AuthenticateParams(login="py-jane", password="correct horse battery")))
    assert session.result["uid"] == user.id, session.to_dict()

    # Outbound: a rule and a subscription on new contacts, to the receiver here.
    rule = call(post_api_v1_outbound_rules, "post", "/api/v1/outbound-rules", HTTPStatus.CREATED,
                body=NewOutboundRule.from_dict({
                    "name": "Contacts", "model": "res.partner", "trigger_domain": "[('ref', '!=', False)]",
                    "endpoint_source": "static", "endpoint_url": f"{target}/rule",
                    "payload_fields": {"code": "{ref}"}}))
    assert rule.secret.startswith("whsec_") and rule.endpoint_url == f"{target}/rule", rule.to_dict()
    rule = call(patch_api_v1_outbound_rules_id, "patch", "/api/v1/outbound-rules/{id}", id=rule.id,
                body=NewOutboundRule(note="from the client"))
    assert rule.note == "from the client" and rule.secret is UNSET, rule.to_dict()
    call(get_api_v1_outbound_rules_id, "get", "/api/v1/outbound-rules/{id}", id=rule.id)
    call(post_api_v1_outbound_rules_id_rotate_secret, "post", "/api/v1/outbound-rules/{id}/rotate-secret", id=rule.id)
    rule_secret = call(get_api_v1_outbound_rules_id_secret, "get", "/api/v1/outbound-rules/{id}/secret", id=rule.id)
    assert rule_secret.previous_secret.startswith("whsec_"), rule_secret.to_dict()
    assert rule.id in [r.id for r in call(get_api_v1_outbound_rules, "get", "/api/v1/outbound-rules").items]

    subscription = call(post_api_v1_subscriptions, "post", "/api/v1/subscriptions", HTTPStatus.CREATED,
                        body=NewSubscription(name="New contacts", model="res.partner", kind="on_create",
                                             address=f"{target}/subscription", fields=["name", "ref"]))
    assert subscription.condition is UNSET and subscription.format_ == "json", subscription.to_dict()
    subscription = call(patch_api_v1_subscriptions_id, "patch", "/api/v1/subscriptions/{id}",
                        id=subscription.id, body=NewSubscription(max_retries=2))
    assert subscription.max_retries == 2, subscription.to_dict()
    call(get_api_v1_subscriptions_id, "get", "/api/v1/subscriptions/{id}", id=subscription.id)
    call(post_api_v1_subscriptions_id_rotate_secret, "post", "/api/v1/subscriptions/{id}/rotate-secret",
         id=subscription.id)
    call(get_api_v1_subscriptions_id_secret, "get", "/api/v1/subscriptions/{id}/secret", id=subscription.id)
    listed = call(get_api_v1_subscriptions, "get", "/api/v1/subscriptions")
    assert subscription.id in [s.id for s in listed.items]

    # An inbound hook that creates contacts.
    hook = call(post_api_v1_inbound_hooks, "post", "/api/v1/inbound-hooks", HTTPStatus.CREATED,
                body=NewInboundHook.from_dict({
                    "name": "Contacts in", "model": "res.partner", "target": {"by": "none"}, "log_calls": True,
                    "actions": [{"type": "create", "values": {"name": {"$payload": "name"}, "ref": {"$payload": "ref"}}}]}))
    assert hook.url.startswith(base_url + "/web/hook/") and hook.signing_secret.startswith("whsec_"), hook.to_dict()
    hook = call(patch_api_v1_inbound_hooks_id, "patch", "/api/v1/inbound-hooks/{id}", id=hook.id,
                body=NewInboundHook(name="Contacts from the shop"))
    call(get_api_v1_inbound_hooks_id, "get", "/api/v1/inbound-hooks/{id}", id=hook.id)
    call(get_api_v1_inbound_hooks_id_signing_secret, "get", "/api/v1/inbound-hooks/{id}/signing-secret", id=hook.id)
    hook = call(post_api_v1_inbound_hooks_id_rotate, "post", "/api/v1/inbound-hooks/{id}/rotate", id=hook.id)
    assert hook.name == "Contacts from the shop"
    assert hook.id in [h.id for h in call(get_api_v1_inbound_hooks, "get", "/api/v1/inbound-hooks").items]
    secret = hook.url.rsplit("/", 1)[1]
    reply = call(post_web_hook_secret, "post", "/web/hook/{secret}", secret=secret,
                 body=PostWebHookSecretBody.from_dict({"name": "Hooked Ltd", "ref": "PY-HOOK"}))
    assert reply.status == "ok", reply.to_dict()

    # A contact made through a data route: the rule and the subscription deliver it.
    created = post_api_create_data.sync(client=client, body=CreateDataRequest(params=CreateDataParams(
        model="res.partner", vals=CreateVals(payload=CreateValsPayload.from_dict({"name": "Read Back", "ref": "PY-READ"})))))
    assert created.result.is_success, created.to_dict()
    deliveries = wait_for_done(call, 4)  # the hook's contact and this one, each to the rule and the subscription
    one = call(get_api_v1_deliveries_id, "get", "/api/v1/deliveries/{id}", id=deliveries[0].id)
    assert one.attempts[0].status == 200 and one.finished_at, one.to_dict()
    assert one.next_attempt_at is UNSET and one.last_error is UNSET, one.to_dict()
    requeued = call(post_api_v1_deliveries_retry, "post", "/api/v1/deliveries/retry", HTTPStatus.ACCEPTED,
                    body=RetryFilter(source=f"rule:{rule.id}"))
    assert requeued.requeued == 0, requeued.to_dict()  # only dead deliveries are sent again
    again = call(post_api_v1_deliveries_id_retry, "post", "/api/v1/deliveries/{id}/retry", HTTPStatus.ACCEPTED,
                 id=one.id)
    assert again.requeued == 1, again.to_dict()  # a done delivery is sent again when asked by id
    queued = call(post_api_v1_subscriptions_id_test, "post", "/api/v1/subscriptions/{id}/test",
                  HTTPStatus.ACCEPTED, id=subscription.id)
    assert queued.delivery_id > 0

    # Logs: the receive logs of the calls above (the small preview keeps the whole payload).
    logs = call(get_api_v1_logs, "get", "/api/v1/logs", limit=2)
    assert len(logs.items) == 2 and logs.next_cursor, logs.to_dict()
    page = call(get_api_v1_logs, "get", "/api/v1/logs", log_type="receive", route="/api/create_data")
    log = page.items[0]
    assert log.res_model == "res.partner" and log.has_payload, log.to_dict()
    assert call(get_api_v1_logs_id, "get", "/api/v1/logs/{id}", id=log.id).id == log.id
    payload = call(get_api_v1_logs_id_payload, "get", "/api/v1/logs/{id}/payload", id=log.id)
    assert "Read Back" in json.dumps(payload), payload

    call(delete_api_v1_outbound_rules_id, "delete", "/api/v1/outbound-rules/{id}", HTTPStatus.NO_CONTENT, id=rule.id)
    call(delete_api_v1_subscriptions_id, "delete", "/api/v1/subscriptions/{id}", HTTPStatus.NO_CONTENT,
         id=subscription.id)
    call(delete_api_v1_inbound_hooks_id, "delete", "/api/v1/inbound-hooks/{id}", HTTPStatus.NO_CONTENT, id=hook.id)

    unread = {(m, p) for p, item in doc.spec["paths"].items() if p.startswith("/api/v1") for m in item} - doc.checked
    assert not unread, f"operations the client did not read: {sorted(unread)}"
    print(f"python client: read {len(doc.checked)} operations, every reply as documented")


def wait_for_done(call, n):
    """The first `n` deliveries once every one of them is done."""
    deadline = time.time() + 20
    while time.time() < deadline:
        listed = call(get_api_v1_deliveries, "get", "/api/v1/deliveries").items
        if len(listed) >= n and all(d.state == "done" for d in listed):
            return listed
        time.sleep(0.1)
    raise SystemExit(f"expected {n} done deliveries, got {[d.to_dict() for d in listed]}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3])
