"""Python's stdlib xmlrpc.client.ServerProxy against Weft's /xmlrpc/2, unchanged, as Odoo's
external API documentation uses it: common.version, login, object.execute_kw search_read,
create, write, read, a dateTime argument, unlink, and a Fault with faultCode 1, 2, 3 and 4.

Usage: python odoo_xmlrpc.py <base-url> <db> <login> <password-or-api-key>
   or: WEFT_URL=http://127.0.0.1:8069 WEFT_DB=weft WEFT_LOGIN=... WEFT_PASSWORD=... python odoo_xmlrpc.py
Needs a running weft (the demo schema) and an integration user with that password or API key
(tests/python/odoo_clients.sh makes one and runs this script on SQLite and PostgreSQL).
Prints a line per step; the first failure stops it with a non-zero exit.
"""

import datetime
import os
import sys
import xmlrpc.client


def step(name, value=None):
    print(f"ok {name}" + ("" if value is None else f": {value!r}"))


def expect_fault(code, call, *args):
    """The call raises xmlrpc.client.Fault with `code`; its faultString never a traceback."""
    try:
        result = call(*args)
    except xmlrpc.client.Fault as fault:
        assert fault.faultCode == code, (code, fault.faultCode, fault.faultString)
        assert "Traceback" not in fault.faultString, fault.faultString
        return fault.faultString
    raise AssertionError(f"expected Fault {code}, got {result!r}")


def main(url, db, login, password):
    common = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common")
    version = common.version()
    assert version["server_version"] == "17.0", version
    step("common.version", version["server_version"])

    uid = common.login(db, login, password)
    assert isinstance(uid, int) and uid > 0, uid
    step("common.login", uid)
    assert common.login(db, login, password + "-wrong") is False
    step("common.login with a wrong password is False")

    models = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object")

    def kw(model, method, args, kwargs=None):
        return models.execute_kw(db, uid, password, model, method, args, kwargs or {})

    acme = kw("res.partner", "create", [{"name": "XML-RPC ACME", "company_type": "company"}])
    assert isinstance(acme, int), acme
    bob, carol = kw("res.partner", "create", [[{"name": "XML-RPC Bob", "parent_id": acme}, {"name": "XML-RPC Carol"}]])
    step("create (one, then a list)", [acme, bob, carol])

    rows = kw("res.partner", "search_read", [[["name", "like", "XML-RPC"]]], {"fields": ["name", "parent_id", "email"], "order": "name"})
    assert [r["name"] for r in rows] == ["XML-RPC ACME", "XML-RPC Bob", "XML-RPC Carol"], rows
    assert rows[1]["parent_id"] == [acme, "XML-RPC ACME"], rows[1]
    assert rows[0]["email"] is False, rows[0]
    step("search_read", len(rows))

    assert kw("res.partner", "write", [[bob], {"email": "bob@example.com", "customer_rank": 3}]) is True
    [read] = kw("res.partner", "read", [[bob]], {"fields": ["email", "customer_rank", "parent_id"]})
    assert read["email"] == "bob@example.com" and read["customer_rank"] == 3, read
    step("write, then read with fields", read)

    assert kw("res.partner", "search_count", [[["parent_id", "=", acme]]]) == 1
    step("search_count")

    # A datetime is sent as dateTime.iso8601 and comes back in Odoo's server format.
    when = datetime.datetime(2024, 1, 5, 10, 11, 12)
    order = kw("sale.order", "create", [{"partner_id": acme, "date_order": when}])
    [order_row] = kw("sale.order", "read", [[order], ["date_order", "state"]])
    assert order_row["date_order"] == "2024-01-05 10:11:12", order_row
    step("a dateTime.iso8601 argument", order_row["date_order"])

    assert kw("res.partner", "unlink", [[carol]]) is True
    assert kw("res.partner", "search", [[["id", "=", carol]]]) == []
    step("unlink")

    # Faults: 2 user errors, 3 wrong credentials, 4 access errors, 1 the rest.
    step("Fault 2", expect_fault(2, kw, "no.such.model", "search", [[]]))
    step("Fault 2 (missing)", expect_fault(2, kw, "res.partner", "write", [[999999999], {"name": "x"}]))
    wrong = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object")
    step("Fault 3", expect_fault(3, wrong.execute_kw, db, uid, password + "-wrong", "res.partner", "search", [[]]))
    step("Fault 4", expect_fault(4, kw, "res.partner", "_private_method", []))
    step("Fault 1", expect_fault(1, kw, "res.partner", "no_such_method", []))
    print("xmlrpc.client: all steps passed")


if __name__ == "__main__":
    args = sys.argv[1:]
    if len(args) != 4:
        args = [os.environ.get(name, "") for name in ("WEFT_URL", "WEFT_DB", "WEFT_LOGIN", "WEFT_PASSWORD")]
        args[1] = args[1] or "weft"
    if not args[0] or not args[2] or not args[3]:
        sys.exit(__doc__)
    main(*args)
