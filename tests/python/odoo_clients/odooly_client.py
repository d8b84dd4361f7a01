"""odooly (PyPI `odooly`, pinned in requirements.txt) against the real weft binary, unchanged, in
its Web API mode (`Client("http://host:port", db, user, pwd)`) or its JSON-RPC mode
(`Client("http://host:port/jsonrpc", ...)`).

Usage: python odooly_client.py <web|jsonrpc> <base-url> <db> <login> <password>
(run by tests/python/odoo_clients.sh, once per mode)

What odooly 2.6.7 sends (read from odooly.py; `requests` is not installed, so it uses urllib with a
cookie jar) and the reply each step needs. Every JSON request is `POST` `{"jsonrpc":"2.0","method":
"call","params":{..},"id":"<hex string>"}` with `Accept: application/json`; a reply with `error`
raises `odooly.ServerError(error)`; an HTTP 401/403/404/422/500 with a body raises
`ServerError({"code": status, "data": body})`.

Web API mode:
- `Client(url)` without a database: `HEAD <url>` (redirects followed; any 2xx), base becomes
  `<url>/web`, then `POST /web/webclient/version_info` `{}` -> `{"server_version": "17.0", ..}`
  (first `\\d+.\\d*` read as a float, must be > 8). `login(user, pwd)` then `POST
  /web/database/list` `{}` -> `["weft"]` (a single database is chosen without asking).
- `Client(url, db, user, pwd)`: version_info, database/list (when the list does not hold `db`:
  "Database .. does not exist"), then `POST /web/session/authenticate` `{"db","login","password"}`
  -> `{"uid": int, "user_context": {..}, ..}` with the `session_id` cookie; a JSON error with code
  200 (AccessDenied) or `uid` false/null means a failed login (`odooly.Error` "Invalid username or
  password"); `uid: null` on 15+ would make it scrape the HTML /web/login form instead.
- every model call: `POST /web/dataset/call_kw/<model>/<method>` `{"model", "method", "args",
  "kwargs"}` with the cookie (kwargs holds `context` = the user context when that is non-empty).
JSON-RPC mode:
- `POST /jsonrpc` common.version `[]` -> `{"server_version": ..}`; common.login `[db, user, pwd]`
  -> uid | false; object.execute_kw `[db, uid, pwd, "res.users", "context_get", []]` -> dict;
  then object.execute_kw `[db, uid, pwd, model, method, args, kwargs]` for every call.
Both modes, model methods:
- first `env[model]`: `ir.model.fields_get()` -> dict (an `abstract` key only on 19), then
  `ir.model.search_read([], ["model", "transient"])` -> `[{"model", "transient"}, ..]` (on an error
  and 16+: `ir.model.get_available_models()`); models not in that list are refused client-side.
- `Model._fields`: `fields_get()` -> `{name: {"type", "relation"?, ..}}`.
- create: `create(vals)` -> id; browse + attribute: `read([id], [field])` -> `[{"id", field}]`
  (many2one as `[id, "name"]`, x2many as ids); attribute write: `write([id], {field: value})`
  (x2many as `[[6, 0, ids]]`); search: `search(domain)` -> ids; search_read: `search_read(domain,
  fields)` -> dicts; read with fields: `read([ids], fields)` -> dicts.
- env.ref("base.USD"): `ir.model.data.search_read([["module", "=", "base"], ["name", "=",
  "USD"]], ["model", "res_id"])` -> `[{"model": "res.currency", "res_id": id}]`.
- a declared method: `action_confirm([id])`; unlink: `unlink([id])` -> true.
- a refused call: `execute("res.partner", "_read", [id])` -> a JSON error `{"code": 200, "data":
  {"name": "odoo.exceptions.AccessError", "message": ..}}`, raised as ServerError.
"""

import sys
import time

import harness
from harness import check, equal, expect_error, step

import odooly
from odooly import Client, Error, ServerError

mode, url, db, login, password = harness.arguments(
    "odooly_client.py <web|jsonrpc> <base-url> <db> <login> <password>", 5)
harness.secrets.append(password)
harness.label = f"odooly {mode}"
server = url if mode == "web" else f"{url}/jsonrpc"
run = f"odooly-{mode}-{int(time.time() * 1000) % 10**9}"
state = {}


def server_error(error):
    """The Odoo error object odooly keeps in ServerError.args[0], checked for Odoo's envelope."""
    info = error.args[0]
    check(isinstance(info, dict), f"ServerError holds {info!r}")
    equal(info.get("code"), 200, "error.code")
    data = info.get("data") or {}
    check(data.get("message"), f"error.data.message is empty: {info!r}")
    check("debug" in data and not data["debug"], f"error.data.debug must be present and empty: {info!r}")
    return data


def without_database():
    client = Client(url)
    check(client.version_info >= 15.0, f"version_info {client.version_info}")
    uid = client.login(login, password)
    equal(client.env.db_name, db, "database chosen from /web/database/list")
    check(isinstance(uid, int) and uid > 0, f"uid {uid!r}")
    return f"HEAD /, version {client.server_version}, database {client.env.db_name!r}, uid {uid}"


def bad_login():
    return expect_error(lambda: Client(server, db, login, "not-the-password"), Error, lambda e: f"odooly.Error {e}")


def log_in():
    client = Client(server, db, login, password)
    env = client.env
    check(isinstance(env.uid, int) and env.uid > 0, f"uid {env.uid!r}")
    check(isinstance(env.context, dict), f"context {env.context!r}")
    state.update(client=client, env=env)
    return f"version {client.server_version}, uid {env.uid}, context {env.context}"


def partner_model():
    env = state["env"]
    Partner = env["res.partner"]
    check("res.partner" in env, "'res.partner' in env answered False")
    check("no.such.model" not in env, "'no.such.model' in env answered True")
    fields = Partner.fields()
    equal(fields["category_id"].get("relation"), "res.partner.category", "category_id relation")
    equal(fields["category_id"].get("type"), "many2many", "category_id type")
    state["Partner"] = Partner
    return f"{len(fields)} fields, {len(env.models())} models"


def create():
    vals = {"name": f"Partner {run}", "ref": f"R-{run}", "email": f"{run}@example.com"}
    partner = state["Partner"].create(vals)
    check(isinstance(partner.id, int) and partner.id > 0, f"create gave {partner!r}")
    state.update(pid=partner.id, vals=vals)
    return f"id {partner.id}"


def browse():
    partner = state["Partner"].browse(state["pid"])
    for field, value in state["vals"].items():
        equal(getattr(partner, field), value, f"browse().{field}")
    return f"{partner.name!r} {partner.ref!r} {partner.email!r}"


def write_attribute():
    partner = state["Partner"].browse(state["pid"])
    partner.phone = "+1 555 0100"
    equal(state["Partner"].browse(state["pid"]).phone, "+1 555 0100", "phone read back after the write")
    return "phone = +1 555 0100"


def search():
    ids = state["Partner"].search([("ref", "=", state["vals"]["ref"])]).ids
    equal(list(ids), [state["pid"]], "search by ref")
    parsed = state["Partner"].search([f"ref = {state['vals']['ref']}"]).ids
    equal(list(parsed), [state["pid"]], "search with odooly's string term")
    return list(ids)


def search_read():
    rows = state["Partner"].search_read([("ref", "=", state["vals"]["ref"])], ["name", "phone"])
    equal(len(rows), 1, "search_read rows")
    equal(rows[0].get("id"), state["pid"], "search_read id")
    equal(rows[0].get("name"), state["vals"]["name"], "search_read name")
    equal(rows[0].get("phone"), "+1 555 0100", "search_read phone")
    return rows


def read_fields():
    rows = state["Partner"].read([state["pid"]], "name email")
    equal(len(rows), 1, "read rows")
    equal(set(rows[0]), {"id", "name", "email"}, "read keys")
    equal(rows[0]["email"], state["vals"]["email"], "read email")
    return rows


def x2many_set():
    Tag = state["env"]["res.partner.category"]
    tags = [Tag.create({"name": f"Tag {n} {run}"}).id for n in (1, 2)]
    partner = state["Partner"].browse(state["pid"])
    partner.category_id = tags
    equal(sorted(state["Partner"].browse(state["pid"]).category_id.ids), sorted(tags),
          "category_id after [(6, 0, ids)]")
    partner.write({"category_id": [(3, tags[0])]})
    equal(list(state["Partner"].browse(state["pid"]).category_id.ids), [tags[1]], "category_id after [(3, id)]")
    return f"tags {tags}, then [{tags[1]}]"


def env_ref():
    usd = state["env"].ref("base.USD")
    check(usd is not None, "env.ref('base.USD') found nothing")
    equal(usd._name, "res.currency", "env.ref('base.USD') model")
    equal(usd.name, "USD", "env.ref('base.USD').name")
    return f"base.USD = res.currency {usd.id}"


def declared_method():
    Order = state["env"]["sale.order"]
    order = Order.create({"partner_id": state["pid"]})
    equal(order.state, "draft", "new order state")
    check(str(order.name).startswith("SO"), f"order name {order.name!r} is not from the SO sequence")
    equal(order.partner_id.id, state["pid"], "order.partner_id")
    order.action_confirm()
    equal(Order.browse(order.id).state, "sale", "state after action_confirm")
    return f"{order.name} draft -> sale"


def unlink():
    Partner = state["Partner"]
    partner = Partner.create({"name": f"Throwaway {run}"})
    equal(partner.unlink(), True, "unlink result")
    equal(list(Partner.search([("id", "=", partner.id)]).ids), [], "search after unlink")
    return f"{partner.id} gone"


def refused_private():
    data = expect_error(lambda: state["env"].execute("res.partner", "_read", [state["pid"]]), ServerError, server_error)
    equal(data.get("name"), "odoo.exceptions.AccessError", "private method error name")
    return f"{data['name']}: {data['message']}"


def refused_write_changes_nothing():
    partner = state["Partner"].browse(state["pid"])
    data = expect_error(lambda: state["env"].execute("res.partner", "write", [state["pid"]],
                                                     {"phone": "+1 555 0199", "no_such_field": 1}),
                        ServerError, server_error)
    equal(state["Partner"].browse(partner.id).phone, "+1 555 0100", "phone after the refused write")
    return f"{data['name']}: {data['message']}"


if mode == "web":
    step("Client(url) without a database: HEAD /, /web/database/list, login", without_database)
elif mode != "jsonrpc":
    print(f"mode must be web or jsonrpc, not {mode!r}", file=sys.stderr)
    sys.exit(2)
step("login with a wrong password", bad_login)
step("login", log_in)
step("env['res.partner'] (ir.model, fields_get)", partner_model)
step("create", create)
step("browse", browse)
step("write by attribute", write_attribute)
step("search", search)
step("search_read", search_read)
step("read with fields", read_fields)
step("x2many set and remove", x2many_set)
step("env.ref", env_ref)
step("declared method sale.order.action_confirm", declared_method)
step("unlink", unlink)
step("refused: private method (ServerError, AccessError)", refused_private)
step("refused: write of an unknown field leaves the record as it was", refused_write_changes_nothing)
print(f"odooly {odooly.__version__} ({mode}): every step passed")
