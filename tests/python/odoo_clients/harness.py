"""What the stock-client scripts share: one line per step, and on the first failure the HTTP
exchanges of that step (request and reply, secrets masked) and a non-zero exit.

The exchanges are recorded below the clients, so no client needs to cooperate: `http.client`
(which urllib, odoorpc, odooly without `requests`, and xmlrpc.client all go through) and the
module functions `httpx.post` / `httpx.get` (odoo-client-lib's jsonrpc and json2 connectors).
"""

import http.client
import json
import sys
import time
import traceback

# Every exchange of the running step: dicts with method, url, request, status, reply.
exchanges = []
# Strings never printed (passwords, API keys): replaced by *** in everything shown.
secrets = []
# What the run is, printed before each step ("odoorpc", "odooly web", ...).
label = ""

_LIMIT = 3000  # characters of one request or reply shown for a failure


def _text(data):
    if data is None:
        return ""
    if isinstance(data, (bytes, bytearray)):
        return bytes(data).decode("utf-8", "replace")
    if isinstance(data, str):
        return data
    try:
        return json.dumps(data)
    except (TypeError, ValueError):
        return repr(data)


def mask(text):
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


# --- http.client: putrequest names the request, endheaders carries its body, read() the reply.
_putrequest = http.client.HTTPConnection.putrequest
_endheaders = http.client.HTTPConnection.endheaders
_getresponse = http.client.HTTPConnection.getresponse
_read = http.client.HTTPResponse.read


def _put(self, method, url, *args, **kwargs):
    exchanges.append({"method": method, "url": f"http://{self.host}:{self.port}{url}",
                      "request": "", "status": None, "reply": ""})
    return _putrequest(self, method, url, *args, **kwargs)


def _end(self, message_body=None, **kwargs):
    if exchanges and message_body is not None and not hasattr(message_body, "read"):
        exchanges[-1]["request"] += _text(message_body)
    return _endheaders(self, message_body, **kwargs)


def _get(self, *args, **kwargs):
    response = _getresponse(self, *args, **kwargs)
    if exchanges:
        exchanges[-1]["status"] = response.status
        response._weft_exchange = exchanges[-1]
    return response


def _tee(self, amt=None):
    data = _read(self, amt)
    exchange = getattr(self, "_weft_exchange", None)
    if exchange is not None:
        exchange["reply"] += _text(data)
    return data


http.client.HTTPConnection.putrequest = _put
http.client.HTTPConnection.endheaders = _end
http.client.HTTPConnection.getresponse = _get
http.client.HTTPResponse.read = _tee


def watch_httpx():
    """Record odoo-client-lib's httpx calls (it calls the module functions post and get)."""
    import httpx

    def wrap(verb, function):
        def call(url, *args, **kwargs):
            exchange = {"method": verb, "url": str(url), "status": None, "reply": "",
                        "request": _text(kwargs.get("json", kwargs.get("content", "")))}
            exchanges.append(exchange)
            response = function(url, *args, **kwargs)
            exchange["status"] = response.status_code
            exchange["reply"] = response.text
            return response
        return call

    if not getattr(httpx, "_weft_watched", False):
        httpx.post = wrap("POST", httpx.post)
        httpx.get = wrap("GET", httpx.get)
        httpx._weft_watched = True


class StepFailed(AssertionError):
    pass


def check(condition, message):
    """Fail the step with `message` unless `condition` holds."""
    if not condition:
        raise StepFailed(message)


def equal(actual, expected, what):
    check(actual == expected, f"{what}: expected {expected!r}, got {actual!r}")


def step(name, function):
    """Run one step: print `ok <name>: <what it returned>` or the failure and exit 1."""
    exchanges.clear()
    started = time.monotonic()
    try:
        detail = function()
    except BaseException as error:  # noqa: BLE001 - any failure ends the run with its exchanges
        if isinstance(error, (KeyboardInterrupt, SystemExit)):
            raise
        fail(name, error)
    elapsed = (time.monotonic() - started) * 1000
    shown = "" if detail is None else f": {mask(_text(detail))[:300]}"
    print(f"ok   [{label}] {name}{shown} ({elapsed:.0f} ms)", flush=True)
    return detail


def expect_error(function, error_type, describe):
    """Run `function`, which must raise `error_type`; answer what `describe(error)` says of it."""
    try:
        result = function()
    except error_type as error:
        return describe(error)
    names = [f"{t.__module__}.{t.__name__}" for t in (error_type if isinstance(error_type, tuple) else (error_type,))]
    raise StepFailed(f"expected {' or '.join(names)}, the call answered {result!r}")


def fail(name, error):
    print(f"FAIL [{label}] {name}: {mask(type(error).__module__ + '.' + type(error).__name__)}: "
          f"{mask(str(error))[:_LIMIT]}", flush=True)
    if not isinstance(error, StepFailed):
        frames = traceback.format_exception(type(error), error, error.__traceback__, limit=-3)
        print(mask("".join(frames))[-_LIMIT:], flush=True)
    if not exchanges:
        print("  (no HTTP exchange in this step)")
    for n, exchange in enumerate(exchanges[-4:], 1):
        print(f"  request {n}: {exchange['method']} {mask(exchange['url'])}")
        if exchange["request"]:
            print(f"    {mask(exchange['request'])[:_LIMIT]}")
        print(f"  reply {n}: HTTP {exchange['status']}")
        if exchange["reply"]:
            print(f"    {mask(exchange['reply'])[:_LIMIT]}")
    sys.stdout.flush()
    sys.exit(1)


def arguments(usage, count):
    if len(sys.argv) < count + 1:
        print(f"usage: {usage}", file=sys.stderr)
        sys.exit(2)
    return sys.argv[1:]
