"""odoo-client-lib (PyPI `odoo-client-lib`, module `odoolib`, pinned in requirements.txt) against the
real weft binary, unchanged, with its `xmlrpc`, `jsonrpc` or `json2` protocol.

Usage: python odoolib_client.py <xmlrpc|jsonrpc|json2> <base-url> <db> <login> <password-or-key>
(run by tests/python/odoo_clients.sh once per protocol; json2 takes an API key as the password)

What odoo-client-lib 2.0.1 sends (read from odoolib/rpc.py, tools.py, json2.py) and the reply
each step needs:
- xmlrpc: `xmlrpc.client.ServerProxy("http://host:port/xmlrpc/<service>")`, the LEGACY endpoint
  (string fault codes: `"warning -- AccessError\\n\\n<msg>"` with an empty faultString, `"AccessDenied"`
  ...); jsonrpc: httpx `POST /jsonrpc` `{"jsonrpc":"2.0","method":"call","params":{"service","method",
  "args"},"id":<random int>}`, a reply with `error` raises `odoolib.tools.JsonRPCException(error)`, a
  reply without `result` counts as False.
  - check_login: common.login `[db, login, pwd]` -> uid, falsy raises AuthenticationError.
  - `get_model(m).f(*args, **kw)`: object.execute_kw `[db, uid, pwd, m, f, args, kw]`.
  - `read(id, fields)` with a single id: the reply list is re-ordered by id and one dict returned;
    `read([ids], fields)` returns the list.
  - `search_read(domain, fields)` is the client's own helper: `search(domain, 0, False, False,
    context={})` (positional offset/limit/order, False = none) then `read(ids, fields, context={})`.
  - `get_user_context()`: `res.users.context_get()` -> dict.
- json2: httpx `POST /json/2/<model>/<method>` with `Authorization: Bearer <key>`, `X-Odoo-Database:
  <db>`, the named arguments as the JSON body; 401 raises AuthenticationError, 422 and any other
  non-200 ValueError, a 200 answers the JSON body as is. Positional arguments are named from `GET
  /doc-bearer/<model>.json` (`{"methods": {name: {"parameters": {p: ..} (in order), "api":
  ["model"] for model methods}}}`): a method without `"model"` in `api` gets its first positional
  argument as `ids`. `read` answers its single row when the reply holds one. `check_login()` is
  `res.users/context_get` (False on 401).
- steps: create(vals) -> id (json2: `[id]`, Odoo 19 answers ids for a recordset); read(id, fields);
  write([id], vals) -> true; search(domain) -> ids; search_read(domain, fields) -> dicts; read with
  fields -> only `id` and those keys; x2many `write([id], {"category_id": [[6, 0, ids]]})` then
  `[[3, id]]` and `[[4, id]]`; `ir.model.data.check_object_reference("base", "USD")` ->
  `["res.currency", id]`; `sale.order.action_confirm([id])` (never None over XML-RPC);
  `unlink([id])` -> true; a refused call (`_read`, a private method) raises the protocol's error:
  xmlrpc.client.Fault (legacy string code), JsonRPCException (`error.data.name`), ValueError
  (json2, HTTP 403 with Odoo 19's JSON error body).
"""

import sys
import time
import xmlrpc.client
from urllib.parse import urlsplit

import harness
from harness import check, equal, expect_error, step

import odoolib
from odoolib.tools import AuthenticationError, JsonRPCException

protocol, url, db, login, secret = harness.arguments(
    "odoolib_client.py <xmlrpc|jsonrpc|json2> <base-url> <db> <login> <password-or-key>", 5)
if protocol not in ("xmlrpc", "jsonrpc", "json2"):
    print(f"protocol must be xmlrpc, jsonrpc or json2, not {protocol!r}", file=sys.stderr)
    sys.exit(2)
harness.secrets.append(secret)
harness.label = f"odoolib {protocol}"
harness.watch_httpx()
address = urlsplit(url)
run = f"odoolib-{protocol}-{int(time.time() * 1000) % 10**9}"
json2 = protocol == "json2"
state = {}


def connection(password):
    return odoolib.get_connection(hostname=address.hostname, port=address.port, protocol=protocol,
                                  database=db, login=login, password=password)


def one_id(created):
    """create's answer: an id, or over JSON-2 the list of the one id (Odoo 19 answers `.ids`)."""
    if json2:
        check(isinstance(created, list) and len(created) == 1 and isinstance(created[0], int),
              f"JSON-2 create answered {created!r}, not [id]")
        return created[0]
    check(isinstance(created, int) and not isinstance(created, bool), f"create answered {created!r}, not an id")
    return created


def refusal(error):
    """What the protocol's own error says: the exception name/code and the message."""
    if isinstance(error, xmlrpc.client.Fault):
        return f"Fault {error.faultCode!r} {error.faultString!r}"
    if isinstance(error, JsonRPCException):
        data = error.error.get("data") or {}
        equal(error.error.get("code"), 200, "error.code")
        check(data.get("message"), f"error.data.message is empty: {error.error!r}")
        return f"{data.get('name')}: {data.get('message')}"
    return str(error)


REFUSED = (ValueError,) if json2 else (xmlrpc.client.Fault,) if protocol == "xmlrpc" else (JsonRPCException,)


def bad_credentials():
    bad = connection("weft_nokey00000_not-a-key" if json2 else "not-the-password")
    if json2:
        equal(bad.check_login(), False, "check_login() with a wrong key")
        return "check_login() False (HTTP 401)"
    return expect_error(bad.check_login, AuthenticationError, lambda e: f"AuthenticationError {e}")


def log_in():
    conn = connection(secret)
    state["conn"] = conn
    if json2:
        equal(conn.check_login(), True, "check_login()")
        return "check_login() True"
    conn.check_login()
    check(isinstance(conn.user_id, int) and conn.user_id > 0, f"uid {conn.user_id!r}")
    return f"uid {conn.user_id}"


def user_context():
    context = state["conn"].get_user_context()
    check(isinstance(context, dict) and "lang" in context, f"context_get answered {context!r}")
    return context


def create():
    Partner = state["conn"].get_model("res.partner")
    vals = {"name": f"Partner {run}", "ref": f"R-{run}", "email": f"{run}@example.com"}
    pid = one_id(Partner.create(vals))
    state.update(Partner=Partner, pid=pid, vals=vals)
    return f"id {pid}"


def read_back():
    row = state["Partner"].read(state["pid"], ["name", "ref", "email"])
    check(isinstance(row, dict), f"read(id, fields) answered {row!r}, not one record")
    for field, value in state["vals"].items():
        equal(row.get(field), value, f"read {field}")
    return row


def write():
    equal(state["Partner"].write([state["pid"]], {"phone": "+1 555 0100"}), True, "write result")
    equal(state["Partner"].read(state["pid"], ["phone"]).get("phone"), "+1 555 0100", "phone after the write")
    return "phone = +1 555 0100"


def search():
    ids = state["Partner"].search([("ref", "=", state["vals"]["ref"])])
    equal(ids, [state["pid"]], "search by ref")
    if not json2:  # the positional form odoolib's own search_read helper sends
        equal(state["Partner"].search([("ref", "=", state["vals"]["ref"])], 0, False, False),
              [state["pid"]], "search(domain, 0, False, False)")
    return ids


def search_read():
    rows = state["Partner"].search_read([("ref", "=", state["vals"]["ref"])], ["name", "phone"])
    check(isinstance(rows, list) and len(rows) == 1, f"search_read answered {rows!r}")
    equal(rows[0].get("id"), state["pid"], "search_read id")
    equal(rows[0].get("name"), state["vals"]["name"], "search_read name")
    equal(rows[0].get("phone"), "+1 555 0100", "search_read phone")
    if not json2:  # the server's own search_read, as execute_kw with keywords
        conn = state["conn"]
        rows = conn.get_service("object").execute_kw(
            db, conn.user_id, secret, "res.partner", "search_read",
            [[("ref", "=", state["vals"]["ref"])]], {"fields": ["name", "phone"], "limit": 5})
        equal([(r.get("id"), r.get("phone")) for r in rows], [(state["pid"], "+1 555 0100")],
              "execute_kw search_read with fields and limit")
    return rows


def read_fields():
    rows = state["Partner"].read([state["pid"]], ["name", "email"])
    row = rows if json2 else (rows[0] if isinstance(rows, list) and len(rows) == 1 else None)
    check(isinstance(row, dict), f"read([id], fields) answered {rows!r}")
    equal(set(row), {"id", "name", "email"}, "read keys")
    equal(row["email"], state["vals"]["email"], "read email")
    return rows


def x2many_set():
    Tag = state["conn"].get_model("res.partner.category")
    tags = [one_id(Tag.create({"name": f"Tag {n} {run}"})) for n in (1, 2)]
    Partner, pid = state["Partner"], state["pid"]

    def tags_now():
        return sorted(Partner.read(pid, ["category_id"])["category_id"])

    Partner.write([pid], {"category_id": [(6, 0, tags)]})
    equal(tags_now(), sorted(tags), "category_id after [(6, 0, ids)]")
    Partner.write([pid], {"category_id": [(3, tags[0])]})
    equal(tags_now(), [tags[1]], "category_id after [(3, id)]")
    Partner.write([pid], {"category_id": [(4, tags[0])]})
    equal(tags_now(), sorted(tags), "category_id after [(4, id)]")
    return f"tags {tags}"


def xml_id():
    reference = state["conn"].get_model("ir.model.data").check_object_reference("base", "USD")
    check(isinstance(reference, list) and len(reference) == 2 and reference[0] == "res.currency",
          f"check_object_reference('base', 'USD') answered {reference!r}")
    usd = state["conn"].get_model("res.currency").read(reference[1], ["name"])
    equal(usd.get("name"), "USD", "base.USD name")
    return reference


def declared_method():
    Order = state["conn"].get_model("sale.order")
    oid = one_id(Order.create({"partner_id": state["pid"]}))
    order = Order.read(oid, ["name", "state", "partner_id"])
    equal(order.get("state"), "draft", "new order state")
    check(str(order.get("name")).startswith("SO"), f"order name {order.get('name')!r} is not from the SO sequence")
    check(order.get("partner_id") and order["partner_id"][0] == state["pid"], f"order partner_id {order.get('partner_id')!r}")
    answer = Order.action_confirm([oid])
    equal(Order.read(oid, ["state"]).get("state"), "sale", "state after action_confirm")
    return f"{order['name']} draft -> sale (action_confirm answered {answer!r})"


def unlink():
    Partner = state["Partner"]
    pid = one_id(Partner.create({"name": f"Throwaway {run}"}))
    equal(Partner.unlink([pid]), True, "unlink result")
    equal(Partner.search([("id", "=", pid)]), [], "search after unlink")
    return f"{pid} gone"


def refused_private():
    said = expect_error(lambda: state["Partner"]._read([state["pid"]]), REFUSED, refusal)
    if protocol == "xmlrpc":
        check(said.startswith("Fault 'warning -- AccessError\\n\\n"), f"legacy faultCode: {said}")
    elif protocol == "jsonrpc":
        check(said.startswith("odoo.exceptions.AccessError: "), f"error name: {said}")
    else:
        check("403" in said, f"JSON-2 refusal is not a 403: {said}")
    return said


def refused_write_changes_nothing():
    Partner = state["Partner"]
    said = expect_error(lambda: Partner.write([state["pid"]], {"phone": "+1 555 0199", "no_such_field": 1}),
                        REFUSED, refusal)
    equal(Partner.read(state["pid"], ["phone"]).get("phone"), "+1 555 0100", "phone after the refused write")
    return said


step("bad credentials", bad_credentials)
step("login (check_login)", log_in)
step("get_user_context (res.users.context_get)", user_context)
step("get_model('res.partner').create", create)
step("read back", read_back)
step("write", write)
step("search", search)
step("search_read", search_read)
step("read with fields", read_fields)
step("x2many set, remove, add", x2many_set)
step("ir.model.data.check_object_reference", xml_id)
step("declared method sale.order.action_confirm", declared_method)
step("unlink", unlink)
step("refused: private method", refused_private)
step("refused: write of an unknown field leaves the record as it was", refused_write_changes_nothing)
print(f"odoo-client-lib ({protocol}): every step passed")
