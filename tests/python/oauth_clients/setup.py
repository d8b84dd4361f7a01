"""Make, through the admin API with the bootstrap key, the users and OAuth apps the scripts use,
and write them as JSON to OUT: an `admin`-role user (the webhooks resource needs that role) and an
integration user for data, each with a password; an oauth2, an oauth1 (form and json replies) and
a basic app for each.  usage: setup.py BASE KEY DB PASSWORD OUT"""
import json
import sys

import common

base, key, db, password, out = sys.argv[1:]
cfg = {"base": base, "key": key, "db": db, "users": {}, "apps": {}}

for user, role in (("admin", "admin"), ("data", "integration")):
    login = f"oauth-{user}"
    made = common.admin(cfg, "POST", "/api/v1/users",
                        {"login": login, "name": f"OAuth {user}", "password": password, "role": role})
    cfg["users"][user] = {"id": made["id"], "login": login, "password": password}
    print("user", login, "role", role, "id", made["id"])

for user in ("admin", "data"):
    for name, access_type, extra in (("oauth2", "oauth2", {}),
                                      ("oauth1_form", "oauth1", {"oauth1_reply": "form"}),
                                      ("oauth1_json", "oauth1", {"oauth1_reply": "json"}),
                                      ("basic", "basic", {})):
        app = common.new_app(cfg, f"{user} {name}", user, access_type, **extra)
        for field in ("id", "consumer_key", "consumer_secret"):
            common.check(app.get(field), f"the app {user} {name} has its {field}: {app}")
        cfg["apps"][f"{user}_{name}"] = {k: app[k] for k in ("id", "consumer_key", "consumer_secret")}
        print("app", f"{user}_{name}", "id", app["id"])

with open(out, "w") as f:
    json.dump(cfg, f, indent=1)
