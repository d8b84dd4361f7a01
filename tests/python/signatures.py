"""Every delivery's Standard Webhooks signature checked with the `standardwebhooks` package (PyPI).

A receiver on 127.0.0.1 records what the running weft sends for a rule and two subscriptions (JSON
and XML); each signature is verified with its source's secret, after a secret rotation each of the
two signatures is verified on its own with its own secret, and a tampered body is refused.

Usage: python signatures.py <base-url> <api-key>  (run by tests/python/run.sh)
"""

import json
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

received = []
lock = threading.Lock()


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["content-length"]))
        with lock:
            received.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


def call(base, key, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("x-api-key", key)
    request.add_header("content-type", "application/json")
    with urllib.request.urlopen(request) as response:
        text = response.read()
        return json.loads(text) if text else None


def wait_for(n):
    deadline = time.time() + 15
    while time.time() < deadline:
        with lock:
            if len(received) >= n:
                return list(received)
        time.sleep(0.05)
    raise SystemExit(f"expected {n} deliveries, got {len(received)}")


def main(base, key):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    address = f"http://127.0.0.1:{server.server_address[1]}"

    secrets = {}
    rule = call(base, key, "POST", "/api/v1/outbound-rules", {
        "name": "py rule", "model": "res.partner", "trigger_domain": "[('ref', '=like', 'PY%')]",
        "endpoint_source": "static", "endpoint_url": address + "/rule",
        "payload_fields": {"ref": "{ref}", "name": "{name}"}})
    secrets["/rule"] = rule["secret"]
    for fmt in ("json", "xml"):
        sub = call(base, key, "POST", "/api/v1/subscriptions", {
            "name": "py " + fmt, "model": "res.partner", "kind": "on_create", "format": fmt,
            "address": f"{address}/{fmt}", "fields": ["name", "ref"]})
        secrets["/" + fmt] = sub["secret"]

    for i in range(3):
        vals = {"payload": {"name": f"Signed {i} é", "ref": f"PY{i}"}}
        call(base, key, "POST", "/api/create_data",
             {"jsonrpc": "2.0", "method": "call", "params": {"model": "res.partner", "vals": vals}})
    deliveries = wait_for(9)
    for path, headers, body in deliveries:
        Webhook(secrets[path]).verify(body, headers, json_parse=path != "/xml")
        try:
            Webhook(secrets[path]).verify(body + b" ", headers, json_parse=False)
        except WebhookVerificationError:
            pass
        else:
            raise SystemExit("a tampered body was accepted")
    print(f"standardwebhooks verified {len(deliveries)} deliveries")

    sub_id = call(base, key, "GET", "/api/v1/subscriptions")["items"][0]["id"]
    rotated = call(base, key, "POST", f"/api/v1/subscriptions/{sub_id}/rotate-secret")
    new, old = rotated["secret"], rotated["previous_secret"]
    call(base, key, "POST", "/api/create_data", {"jsonrpc": "2.0", "method": "call", "params": {
        "model": "res.partner", "vals": {"payload": {"name": "After rotation", "ref": "PY9"}}}})
    deliveries = wait_for(12)
    path, headers, body = next(d for d in deliveries[9:] if d[0] == "/json")
    signatures = headers["webhook-signature"].split(" ")
    if len(signatures) != 2:
        raise SystemExit(f"expected two signatures during the rotation, got {signatures}")
    for secret, signature in zip((new, old), signatures):
        Webhook(secret).verify(body, dict(headers, **{"webhook-signature": signature}))
    print("standardwebhooks verified both signatures of a rotated secret")


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/"), sys.argv[2])
