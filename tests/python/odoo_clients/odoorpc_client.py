"""odoorpc (OCA, PyPI `odoorpc`, pinned in requirements.txt) against the real weft binary, unchanged.

Usage: python odoorpc_client.py <base-url> <db> <login> <password>   (run by tests/python/odoo_clients.sh)

What odoorpc 0.10.1 sends (read from its source: odoo.py, env.py, models.py, fields.py) and the
reply each step needs. Every request is `POST` `{"jsonrpc":"2.0","method":"call","params":{..},
"id":<random int>}` with `Content-Type: application/json`; any reply holding `error` raises
`odoorpc.error.RPCError(error["data"]["message"], error)`, so `error.data.message` must exist.
`execute(m, f, *a)` is `/jsonrpc` `{"service":"object","method":"execute","args":[db, uid, pwd, m,
f, *a]}`; `execute_kw(m, f, a, kw)` is the same with `"method":"execute_kw"` and `[db, uid, pwd, m,
f, a, kw]`; every model call adds `kw["context"]` = the user context.

- ODOO(host, port): `POST /web/webclient/version_info` `{}` -> `{"server_version": "17.0", ...}`
  (major parsed from the digits before the first dot; >= 10 selects the /jsonrpc login).
- login(db, login, pwd): `/jsonrpc` common.login `[db, login, pwd]` -> uid (int), `false` when wrong
  (the client raises "Wrong login ID or password"); then `execute("res.users", "context_get")` ->
  a dict (the client adds `uid`).
- `"res.partner" in env`: `execute("ir.model", "search", [["model", "=", "res.partner"]])` -> ids
  (a non-empty list means the model exists).
- `env["res.partner"]`: `execute("res.partner", "fields_get")` -> `{name: {"type": .., "string":
  .., "relation": .. for relations, "selection": [[k, label], ..] for selections, "required",
  "readonly"}}`; `type` is required for every field.
- create: `execute_kw("res.partner", "create", [vals], {context})` -> the new id (int).
- browse(id): `execute_kw(m, "read", [[id], <every non-relational field>], {context, "load":
  "_classic_write"})` -> `[{"id": id, field: value, ..}]`; an id missing from the reply is a
  client ValueError.
- attribute write (`p.phone = x`): `execute_kw(m, "write", [[id], {"phone": x}], {context})` -> true.
- a many2one / x2many attribute read: `execute_kw(m, "read", [[id], [field]], {"context": {},
  "load": "_classic_write"})` -> `[{field: id | false}]` or `[{field: [ids]}]`.
- x2many set (`p.category_id = [t1, t2]`): write `{"category_id": [[6, 0, [t1, t2]]]}`;
  `p.category_id -= tag`: write `{"category_id": [[3, tag]]}`.
- search / search_read / read: `execute_kw(m, "search", [domain], {context})` -> ids;
  `execute_kw(m, "search_read", [domain, fields], {context})` -> dicts; `execute_kw(m, "read",
  [[id], fields], {context})` -> `[{"id", *fields}]`.
- env.ref("base.USD") (version >= 15): `execute("ir.model.data", "check_object_reference", "base",
  "USD", true)` -> `["res.currency", id]`, then a browse of that record.
- a declared method (`order.action_confirm()`): `execute_kw("sale.order", "action_confirm",
  [[id]], {context})` -> any JSON value.
- unlink (`record.unlink()`): `execute_kw(m, "unlink", [[id]], {context})` -> true.
- a refused call: `execute_kw("res.partner", "_read", ..)` (odoorpc itself refuses attribute names
  starting with `_`, so the low-level call) -> the error envelope `{"code": 200, "message": "Odoo
  Server Error", "data": {"name": "odoo.exceptions.AccessError", "message": .., "arguments": [..],
  "debug": ""}}`, raised as RPCError with `.info` the error object.
"""

import sys
import time
from urllib.parse import urlsplit

import harness
from harness import check, equal, expect_error, step

import odoorpc
from odoorpc.error import RPCError

url, db, login, password = harness.arguments("odoorpc_client.py <base-url> <db> <login> <password>", 4)
harness.secrets.append(password)
harness.label = "odoorpc"
address = urlsplit(url)
run = f"odoorpc-{int(time.time() * 1000) % 10**9}"
odoo = None


def odoo_error(error):
    """The Odoo error object odoorpc keeps in RPCError.info, checked for Odoo's envelope."""
    info = error.info
    check(isinstance(info, dict), f"RPCError.info is not the error object: {info!r}")
    equal(info.get("code"), 200, "error.code")
    equal(info.get("message"), "Odoo Server Error", "error.message")
    data = info.get("data") or {}
    check(data.get("message"), f"error.data.message is empty: {info!r}")
    check("debug" in data and not data["debug"], f"error.data.debug must be present and empty: {info!r}")
    check(isinstance(data.get("arguments"), list), f"error.data.arguments is not a list: {info!r}")
    return data


def connect():
    global odoo
    odoo = odoorpc.ODOO(address.hostname, port=address.port)
    major = int(odoo.version.split(".")[0].split("~")[-1])
    check(major >= 10, f"server_version {odoo.version!r} would make odoorpc use the pre-10 login")
    return f"server_version {odoo.version}"


def bad_login():
    return expect_error(lambda: odoorpc.ODOO(address.hostname, port=address.port).login(db, login, "not-the-password"),
                        RPCError, lambda e: f"RPCError {e}")


def log_in():
    odoo.login(db, login, password)
    check(isinstance(odoo.env.uid, int) and odoo.env.uid > 0, f"uid {odoo.env.uid!r}")
    equal(odoo.env.context.get("uid"), odoo.env.uid, "context uid")
    return f"uid {odoo.env.uid}, context {odoo.env.context}"


def current_user():
    user = odoo.env.user
    equal(user.login, login, "env.user.login")
    return f"env.user {user.id} {user.name!r}"


def model_exists():
    check("res.partner" in odoo.env, "'res.partner' in env answered False")
    check("no.such.model" not in odoo.env, "'no.such.model' in env answered True")
    return "res.partner yes, no.such.model no"


state = {}


def partner_model():
    Partner = odoo.env["res.partner"]
    columns = Partner._columns
    for name in ("name", "ref", "email", "phone", "category_id", "parent_id"):
        check(name in columns, f"fields_get has no {name}")
    equal(columns["category_id"].relation, "res.partner.category", "category_id relation")
    equal(columns["category_id"].type, "many2many", "category_id type")
    state["Partner"] = Partner
    return f"{len(columns)} fields"


def create():
    vals = {"name": f"Partner {run}", "ref": f"R-{run}", "email": f"{run}@example.com"}
    pid = state["Partner"].create(vals)
    check(isinstance(pid, int) and pid > 0, f"create answered {pid!r}, not an id")
    state.update(pid=pid, vals=vals)
    return f"id {pid}"


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
    ids = state["Partner"].search([("ref", "=", state["vals"]["ref"])])
    equal(ids, [state["pid"]], "search by ref")
    return ids


def search_read():
    rows = state["Partner"].search_read([("ref", "=", state["vals"]["ref"])], ["name", "phone"])
    equal(len(rows), 1, "search_read rows")
    equal(rows[0].get("id"), state["pid"], "search_read id")
    equal(rows[0].get("name"), state["vals"]["name"], "search_read name")
    equal(rows[0].get("phone"), "+1 555 0100", "search_read phone")
    return rows


def read_fields():
    rows = state["Partner"].read([state["pid"]], ["name", "email"])
    equal(len(rows), 1, "read rows")
    equal(set(rows[0]), {"id", "name", "email"}, "read keys")
    equal(rows[0]["email"], state["vals"]["email"], "read email")
    return rows


def x2many_set():
    Tag = odoo.env["res.partner.category"]
    tags = [Tag.create({"name": f"Tag {n} {run}"}) for n in (1, 2)]
    partner = state["Partner"].browse(state["pid"])
    partner.category_id = tags
    equal(sorted(state["Partner"].browse(state["pid"]).category_id.ids), sorted(tags), "category_id after [(6, 0, ids)]")
    rows = state["Partner"].read([state["pid"]], ["category_id"])
    equal(sorted(rows[0]["category_id"]), sorted(tags), "read category_id")
    partner = state["Partner"].browse(state["pid"])
    partner.category_id -= Tag.browse(tags[0])
    equal(state["Partner"].browse(state["pid"]).category_id.ids, [tags[1]], "category_id after [(3, id)]")
    return f"tags {tags}, then [{tags[1]}]"


def env_ref():
    usd = odoo.env.ref("base.USD")
    equal(usd._name, "res.currency", "env.ref('base.USD') model")
    equal(usd.name, "USD", "env.ref('base.USD').name")
    company = odoo.env.ref("base.main_company")
    equal(company._name, "res.company", "env.ref('base.main_company') model")
    check(company.id > 0, f"base.main_company id {company.id}")
    return f"base.USD = res.currency {usd.id}, base.main_company = res.company {company.id}"


def declared_method():
    Order = odoo.env["sale.order"]
    oid = Order.create({"partner_id": state["pid"]})
    order = Order.browse(oid)
    equal(order.state, "draft", "new order state")
    check(str(order.name).startswith("SO"), f"order name {order.name!r} is not from the SO sequence")
    equal(order.partner_id.id, state["pid"], "order.partner_id")
    order.action_confirm()
    equal(Order.browse(oid).state, "sale", "state after action_confirm")
    return f"{order.name} draft -> sale"


def unlink():
    Partner = state["Partner"]
    pid = Partner.create({"name": f"Throwaway {run}"})
    equal(Partner.browse(pid).unlink(), True, "unlink result")
    equal(Partner.search([("id", "=", pid)]), [], "search after unlink")
    return expect_error(lambda: Partner.browse(pid), (ValueError, RPCError), lambda e: f"browse({pid}) then: {e}")


def refused_private():
    error = expect_error(lambda: odoo.execute_kw("res.partner", "_read", [[state["pid"]]]), RPCError, odoo_error)
    equal(error["name"], "odoo.exceptions.AccessError", "private method error name")
    return f"{error['name']}: {error['message']}"


def refused_write_changes_nothing():
    Partner = state["Partner"]
    data = expect_error(lambda: Partner.write([state["pid"]], {"phone": "+1 555 0199", "no_such_field": 1}),
                        RPCError, odoo_error)
    equal(Partner.read([state["pid"]], ["phone"])[0]["phone"], "+1 555 0100", "phone after the refused write")
    return f"{data['name']}: {data['message']}"


step("version_info", connect)
step("login with a wrong password", bad_login)
step("login", log_in)
step("env.user", current_user)
step("'model' in env", model_exists)
step("env['res.partner'] (fields_get)", partner_model)
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
step("refused: private method (RPCError, AccessError)", refused_private)
step("refused: write of an unknown field leaves the record as it was", refused_write_changes_nothing)
print(f"odoorpc {odoorpc.__version__}: every step passed")
sys.exit(0)
