#!/usr/bin/env python3
"""Hostile values where the OpenAPI document says nothing: headers, query parameters and JSON body fields.

Sends, on every route of a running tableorder-api (the paths of its /openapi.json plus the stream, the
board and the operations routes), hostile values in every header and query parameter the server reads
(Last-Event-ID, ?last_event_id=, Idempotency-Key, traceparent, X-Forwarded-For, Content-Length,
Content-Type, Authorization, ?status=, ?from=, ?to=, each route's documented query parameters, and an
unknown one) and in the fields of every JSON body: Unicode edge cases (combining marks, RTL marks, lone
surrogates, NUL, 4-byte scalars, overlong and invalid UTF-8), integers at the Int64 and 2^53 edges,
malformed framing, deep nesting. Requests go with a valid admin token, a valid table token, none, or a
bad one. A route gets a value's whole catalog where it reads it (Authorization and traceparent on one
route of each kind), a seeded sample elsewhere.

Each answer is checked, and any of these is a finding:
  - a 5xx other than 503; a 503 or 429 without Retry-After (whole seconds, >= 1);
  - an error body not the contract's {"error":{"code","message"}} as application/json (a bare 400 from
    the HTTP layer to a request that is not valid HTTP is only counted);
  - a body over --max-body bytes (a 200 event stream is read for a moment and closed);
  - no answer within --timeout to a well-formed request;
  - a 2xx to what the contract refuses: a caller without a valid token of the route's role, a
    Last-Event-ID/last_event_id that is not a decimal integer 0..2^53-1, an order status filter that is
    none, a date that is not YYYY-MM-DD, an Idempotency-Key that is not 1..128 visible characters, a
    Content-Type that is not application/json, a JSON field outside its schema (text limits counted in
    Unicode scalars, integers as JSON integers in range). Lenient readings the contract does not settle
    (1.0 for an integer, a UTF-16 body, 2024-02-30) are printed as observations, never failures;
  - a process that stops answering /healthz, checked after every batch and after any unanswered
    request: the request is reported with the fatal lines of the API's log (--api-log) and, given
    --restart, the API is started again (same environment) so one pass reports every finding.
If a case ends the pass's own tokens (a password reset, a revocation), it logs in again; logouts get
tokens of their own.

Deterministic (the cases come from --seed, then a seeded shuffle) and bounded (--max-seconds: a pass cut
short covers every route, and says so). Standard library only. Exits 1 on any finding, listed at the
end as: kind | route | where | answer | values (caller), with a detail line.

    hostile.py --url http://127.0.0.1:8080 --store-id S --admin-password P --table-password P
    hostile.py ... --plan                        how many cases go where, nothing sent
    hostile.py ... --only "stream | query"       only the cases whose "route | where | value" has this
"""

import argparse
import base64
import datetime
import decimal
import hashlib
import json
import os
import random
import re
import socket
import subprocess
import sys
import time
import urllib.parse

# ----------------------------------------------------------------------------------------------------
# Hostile values. Each is (label, bytes); labels are what the report shows.

COMBINING = "m" + "\u0301" * 630

INT_EDGES = [
    "9007199254740991", "9007199254740992", "9223372036854775807", "9223372036854775808", "-1",
    "-9223372036854775808", "-9223372036854775809", "18446744073709551616", "1e309", "-1e309", "0x10",
    " 1", "+1", "1 ", "0", "-0", "00000000000000000001", "1.5", "1e2", "NaN", "Infinity",
    "99999999999999999999999999999999999999999", "\u0661\u0662", "\uff11",
]


def ascii_label(raw: bytes, limit: int = 60) -> str:
    text = raw.decode("utf-8", "backslashreplace")
    out = "".join(c if 0x20 <= ord(c) < 0x7F else "\\u%04x" % ord(c) if ord(c) < 0x10000 else "\\U%08x" % ord(c)
                  for c in text)
    return out if len(out) <= limit else out[:limit] + "...(%d bytes)" % len(raw)


def v(raw, label=None):
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    return (label or ascii_label(raw), raw)


TEXT_EDGES = [
    v(COMBINING.encode(), '"m"+630xU+0301'),
    v("\u200f1", "U+200F 1"),
    v("\u202eabc\u200f", "U+202E abc U+200F"),
    v(b"\xed\xa0\x80", "lone surrogate as UTF-8 bytes ED A0 80"),
    v(b"\\ud800", "text \\ud800"),
    v("\U0001F35C", "emoji U+1F35C"),
    v("\U0010FFFF", "U+10FFFF"),
    v("\ufeff1", "BOM 1"),
    v(b"\xc0\xaf", "overlong C0 AF"),
    v(b"\xe0\x80\xaf", "overlong E0 80 AF"),
    v(b"\xff\xfe", "invalid FF FE"),
    v(b"1\xe2\x82", "truncated E2 82"),
    v(b"caf\xe9", "latin-1 E9"),
    v(b"1\x00", "NUL"),
    v(b"1\x7f", "DEL"),
    v(b"1\r2", "bare CR"),
    v(b"1\t2", "TAB inside"),
    v(b"", "empty"),
    v(b"   ", "spaces only"),
    v(b"' OR 1=1 --", "SQL quote"),
    v(b"%00%ff%", "percent escapes"),
    v(b"9" * 8192, "8 KiB of 9"),
]

BIG_VALUE = v(b"a" * 100_000, "100 KB of a")


def int_values():
    return [v(x) for x in INT_EDGES]


def header_catalog(name):
    """The values sent in one header (bytes), besides the shared integer and text edges."""
    base = int_values() + TEXT_EDGES
    extra = {
        "Last-Event-ID": ["1", "9007199254740990", "0000", "1_000", "0b1", "1,2", "-", "\u00b9"],
        "Idempotency-Key": ["k", "a" * 128, "a" * 129, "a" * 4000, " key", "key ", "\u043a\u043b\u044e\u0447",
                            "a/b?c#d", "*"],
        "traceparent": [
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-ever",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-zz",
            "00-" + "\uff41" * 32 + "-" + "\uff42" * 16 + "-01",
            "00-" + "a\u0301" * 32 + "-" + "b" * 16 + "-01",
            "-" * 4000, "00---", "0-0-0-0",
        ],
        "X-Forwarded-For": ["1.2.3.4", "999.999.999.999", "::1", "[::1]:1234", "fe80::1%25eth0",
                            "1.2.3.4, 5.6.7.8", ", , ,", "unknown", "0.0.0.0/0", "2130706433", "0x7f000001",
                            ",".join(["10.0.0.%d" % (i % 250) for i in range(1500)])],
        "Content-Type": ["application/json", "APPLICATION/JSON", " application/json ", "application/json; charset=utf-16",
                         "application/json;charset=\"\u00e9\"", "application/jsonx", "application", ";", "text/plain",
                         "application/x-www-form-urlencoded", "multipart/form-data; boundary=" + "a" * 5000,
                         "application/json, text/plain", "*/*", "application/vnd.api+json", "application/json\t",
                         "\u200fapplication/json", "application/json;" * 500],
    }.get(name, [])
    return base + [v(x) for x in extra]


def bearer(token_text):
    return b"Bearer " + token_text


def b64url(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def forged(header: dict, payload, signature=b"c2lnbmF0dXJl") -> bytes:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return b64url(json.dumps(header).encode()) + b"." + b64url(body) + b"." + signature


EDGE_NUMBERS = ["9223372036854775808", "-9223372036854775809", "1e309", "9007199254740993", "-1"]


def authorization_catalog():
    """Authorization values: functions of the current tokens (they change when the API restarts)."""
    rs = {"alg": "RS256", "typ": "JWT"}
    claims = {"iss": "tableorder", "sub": "x", "user_id": "x", "store_id": "s", "role": "admin",
              "iat": 1, "exp": 4102444800}
    out = [
        ("valid admin token", lambda t: bearer(t["admin"])),
        ("valid table token", lambda t: bearer(t["table"])),
        ("(no Authorization)", None),
        ("empty", lambda t: b""),
        ("Bearer", lambda t: b"Bearer"),
        ("Bearer + spaces", lambda t: b"Bearer    "),
        ("lower-case scheme, admin token", lambda t: b"bearer " + t["admin"]),
        ("tab before admin token", lambda t: b"Bearer\t" + t["admin"]),
        ("admin token + junk", lambda t: b"Bearer " + t["admin"] + b" junk"),
        ("admin token, signature cut", lambda t: b"Bearer " + t["admin"][:-6]),
        ("admin token, signature altered", lambda t: b"Bearer " + t["admin"][:-2] + (b"AA" if t["admin"][-2:] != b"AA" else b"BB")),
        ("admin token + NUL", lambda t: b"Bearer " + t["admin"] + b"\x00"),
        ("admin token + FF byte", lambda t: b"Bearer " + t["admin"] + b"\xff"),
        ("admin token with U+200F", lambda t: b"Bearer \xe2\x80\x8f" + t["admin"]),
        ("Basic", lambda t: b"Basic YWRtaW46YWRtaW5wdw=="),
        ("a.b.c", lambda t: b"Bearer a.b.c"),
        ("..", lambda t: b"Bearer .."),
        ("four segments", lambda t: b"Bearer " + t["admin"] + b".x"),
        ("invalid base64", lambda t: b"Bearer @@@.###.$$$"),
        ("100 KB token", lambda t: b"Bearer " + b"A" * 100_000),
        ("alg none", lambda t: b"Bearer " + forged({"alg": "none", "typ": "JWT"}, claims, b"")),
        ("alg HS256", lambda t: b"Bearer " + forged({"alg": "HS256", "typ": "JWT"}, claims)),
        ("kid path", lambda t: b"Bearer " + forged({"alg": "RS256", "kid": "../../../../dev/zero"}, claims)),
        ("header not JSON", lambda t: b"Bearer " + b64url(b"{{{") + b"." + b64url(b"{}") + b".AA"),
        ("payload lone surrogate", lambda t: b"Bearer " + forged(rs, b'{"sub":"\\ud800","exp":1e309}')),
        ("payload deep nesting", lambda t: b"Bearer " + forged(rs, b"[" * 3000 + b"]" * 3000)),
        ("header 10k alg", lambda t: b"Bearer " + forged({"alg": "R" * 10000}, claims)),
    ]
    for key in ("exp", "iat"):
        for number in EDGE_NUMBERS:
            payload = json.dumps(claims).replace('"%s": %s' % (key, claims[key]), '"%s": %s' % (key, number)).encode()
            out.append(("forged %s=%s" % (key, number), lambda t, p=payload: b"Bearer " + forged(rs, p)))
    for label, raw in int_values()[:12] + TEXT_EDGES:
        out.append(("Bearer " + label, lambda t, r=raw: b"Bearer " + r))
    return out


def query_values(name, schema=None):
    """?name=<value>: percent-encoded (well-formed), a few raw ones (malformed), odd query strings."""
    schema = schema or {}
    base = int_values() + TEXT_EDGES + [v(str(x)) for x in schema.get("enum", [])] + [v(x) for x in {
        "status": ["pending", "PENDING", "preparing", "cancelled", "rejected", "all", "pending,preparing"],
        "from": ["2024-01-01", "2024-02-30", "0000-01-01", "9999-12-31", "99999-01-01", "2024-1-1", "-2024-01-01",
                 "2024-01-01T00:00:00Z", "2024-01-01\u200f"],
        "to": ["2024-12-31", "1970-01-01", "2024-13-01", "+2024-01-01", "2024-01-01 "],
        "last_event_id": ["1", "9007199254740990"],
    }.get(name, [])]
    out = []
    for label, raw in base:
        encoded = urllib.parse.quote_from_bytes(raw, safe="").encode()
        out.append((label, name.encode() + b"=" + encoded, False, raw))
    odd = [b"%s" % name.encode(), b"%s=" % name.encode(), b"%s=%%" % name.encode(), b"%s=%%zz" % name.encode(),
           b"%s=%%ff%%fe" % name.encode(), b"%s=%%C0%%AF" % name.encode(), b"%s=%%ED%%A0%%80" % name.encode(),
           b"%s=%%00" % name.encode(), b"%s=1&%s=x" % (name.encode(), name.encode()),
           b"%s[]=1" % name.encode(), b"=1&&&;%s=1" % name.encode(), b"%s=+1" % name.encode(),
           b"%s=" % name.encode() + b"9" * 8000]
    out += [(ascii_label(q), q, False, None) for q in odd]
    # Raw bytes a client should have escaped: not valid HTTP, but must not hurt the server.
    out += [("raw " + ascii_label(q), q, True, None) for q in
            [name.encode() + b"=" + COMBINING.encode(), name.encode() + b"=\xff\xfe", name.encode() + b"=a b"]]
    return out


# JSON fragments for body fields (raw bytes put where the field's value goes).
JSON_NUMBERS = [v(x) for x in [
    "9007199254740991", "9007199254740992", "9223372036854775807", "9223372036854775808", "-1",
    "-9223372036854775808", "-9223372036854775809", "18446744073709551616", "1e309", "-1e309", "1E400",
    "4.9e-324", "1.0", "1e2", "-0", "0", "1" * 400, "0x10", "+1", "NaN", "Infinity", "01",
    '"0x10"', '" 1"', '"+1"', '"1"', "true", "null", "[]", "{}", "[1]",
]]
JSON_STRINGS = [
    v(b'"' + COMBINING.encode() + b'"', '"m"+630xU+0301'),
    v(b'"m' + b"\\u0301" * 630 + b'"', '"m"+630x\\u0301 escaped'),
    v('"\u200f\u202eabc"', "U+200F U+202E abc"),
    v(b'"\\ud800"', '"\\ud800"'),
    v(b'"\\udc00x"', '"\\udc00x"'),
    v(b'"\\ud800\\ud800"', '"\\ud800\\ud800"'),
    v(b'"\\ud83c\\udf5c"', "escaped pair U+1F35C"),
    v('"' + "\U0001F35C" * 101 + '"', "101 emoji"),
    v('"' + "\U0010FFFF" + '"', "U+10FFFF"),
    v(b'"a\\u0000b"', '"a\\u0000b"'),
    v(b'"a\x00b"', "raw NUL in string"),
    v(b'"a\x1fb"', "raw U+001F in string"),
    v(b'"\xc0\xaf"', "overlong C0 AF in string"),
    v(b'"\xed\xa0\x80"', "ED A0 80 in string"),
    v(b'"\xff\xfe"', "FF FE in string"),
    v(b'"\xe2\x82"', "truncated E2 82 in string"),
    v('"\ufeff"', "BOM"),
    v('"\u2028\u2029"', "U+2028 U+2029"),
    v('"a' * 1 + "a" * 100 + '"', "101 a"),
    v(b'"' + b"a" * 60_000 + b'"', "60 KB string"),
    v(b'""', "empty string"),
    v(b'" "', "one space"),
    v(b'"\\\\"', "backslash"),
    v(b"\"' OR 1=1 --\"", "SQL quote"),
    v(b'"\\u202e"', '"\\u202e"'),
]
JSON_STRUCTURES = [
    v(b"[" * 5000 + b"]" * 5000, "5000 nested arrays"),
    v(b'{"a":' * 3000 + b"1" + b"}" * 3000, "3000 nested objects"),
    v(b"[" + b"1," * 20000 + b"1]", "20001-element array"),
]


def body_values(schema_type):
    if schema_type == "integer":
        return JSON_NUMBERS + JSON_STRINGS[:6] + JSON_STRUCTURES[:1]
    if schema_type == "string":
        return JSON_STRINGS + JSON_NUMBERS[:6] + JSON_NUMBERS[-5:] + JSON_STRUCTURES[:1]
    return JSON_STRINGS[:8] + JSON_NUMBERS[:10] + JSON_STRUCTURES


# Routes that get the whole Authorization catalog (an admin read, a table write, a read either role may
# make, the stream, which is served on a connection taken off the HTTP server) and the whole traceparent
# catalog (a read, a write whose command carries the trace to the worker, the stream, an operations route).
FULL_AUTHORIZATION = {"GET /api/admin/orders", "POST /api/orders", "GET /api/orders/{order_id}",
                      "GET /api/admin/orders/stream"}
FULL_TRACEPARENT = {"GET /api/admin/orders", "POST /api/orders", "GET /api/admin/orders/stream", "GET /healthz"}

# Routes that hash a password once the body is valid.
HASHES_PASSWORD = {"POST /api/auth/admin/login", "POST /api/auth/table/login", "POST /api/admin/tables"}

# Writes that get the whole Idempotency-Key and Content-Type catalogs (one function reads each for all).
FULL_WRITES = {"POST /api/orders", "POST /api/admin/menus"}

CORE_AUTHORIZATION = {"valid admin token", "valid table token", "(no Authorization)", "admin token, signature altered"}

# ----------------------------------------------------------------------------------------------------
# What a 2xx would mean. ("refuse", why): the contract refuses the value, a 2xx is a finding.
# ("observe", why): a lenient reading the contract does not settle (1.0 for an integer, a UTF-16 body);
# a 2xx is printed, never a failure. None: nothing to say.

UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
MAX_EVENT_ID = 9007199254740991
ORDER_STATUSES = {"pending", "preparing", "completed", "cancelled", "rejected"}


def _no_constant(name):
    raise ValueError("not JSON: " + name)


def field_expectation(name, prop, required, fragment: bytes):
    kind = prop.get("type", "string")

    def refuse(why):
        return ("refuse", "%s: %s" % (name, why))

    try:
        value = json.loads(fragment.decode("utf-8"), parse_float=decimal.Decimal, parse_constant=_no_constant)
    except UnicodeDecodeError:
        return ("observe", "%s: invalid UTF-8 in a string" % name)
    except (ValueError, RecursionError):
        return refuse("not JSON, or nested too deep")
    if value is None:
        return refuse("null for a required field") if required else None
    if kind == "integer":
        if isinstance(value, bool) or not isinstance(value, (int, decimal.Decimal)):
            return refuse("not an integer")
        lenient = isinstance(value, decimal.Decimal)
        if lenient and value != value.to_integral_value():
            return refuse("not an integer")
        number = int(value)
        low, high = prop.get("minimum", -(1 << 63)), prop.get("maximum", (1 << 63) - 1)
        if not low <= number <= high:
            return refuse("%s outside %d..%d" % (ascii_label(fragment, 30), low, high))
        return ("observe", "%s: %s taken as the integer %d" % (name, ascii_label(fragment), number)) if lenient else None
    if kind == "string":
        if not isinstance(value, str):
            return refuse("not a string")
        if any(0xD800 <= ord(c) <= 0xDFFF for c in value):
            return None  # a lone surrogate: the contract says nothing
        count = len(value)  # Unicode scalar values, as the contract counts
        if count > prop.get("maxLength", 1 << 30):
            return refuse("%d code points, more than %d" % (count, prop["maxLength"]))
        if count < prop.get("minLength", 0):
            return refuse("%d code points, fewer than %d" % (count, prop["minLength"]))
        if "pattern" in prop and not re.fullmatch(prop["pattern"].lstrip("^").rstrip("$"), value):
            return refuse("does not match %s" % prop["pattern"])
        if prop.get("format") == "uuid" and not UUID.fullmatch(value):
            return refuse("not a UUID")
        if "enum" in prop and value not in prop["enum"]:
            return refuse("not one of %s" % ", ".join(prop["enum"]))
        return None
    if kind == "boolean":
        return None if isinstance(value, bool) else refuse("not a boolean")
    if kind == "array":
        if not isinstance(value, list):
            return refuse("not an array")
        if not prop.get("minItems", 0) <= len(value) <= prop.get("maxItems", 1 << 30):
            return refuse("%d items" % len(value))
        if any(not isinstance(item, dict) for item in value):
            return refuse("items are not objects")
    return None


def header_value(raw: bytes) -> bytes:
    return raw.strip(b" \t")  # what an HTTP parser hands on


def event_id_expectation(value: bytes):
    if value == b"":
        return None  # absent
    if re.fullmatch(rb"[0-9]{1,400}", value) and int(value) <= MAX_EVENT_ID:
        return None
    return ("refuse", "Last-Event-ID/last_event_id: not a decimal integer 0..%d" % MAX_EVENT_ID)


def status_expectation(value: bytes):
    if value == b"" or value.decode("utf-8", "replace") in ORDER_STATUSES:
        return None
    return ("refuse", "status: not an order status")


def day_expectation(name, value: bytes):
    if value == b"":
        return None
    if not re.fullmatch(rb"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        return ("refuse", "%s: not YYYY-MM-DD" % name)
    try:
        text = value.decode()
        datetime.date.fromisoformat(("2000" + text[4:]) if text.startswith("0000") else text)  # ISO year 0 leaps
    except ValueError:
        return ("observe", "%s: %s is no calendar date" % (name, value.decode()))
    return None


def idempotency_expectation(value: bytes):
    if re.fullmatch(rb"[\x21-\x7e]{1,128}", value) or any(b >= 0x80 for b in value):
        return None  # non-ASCII: "visible characters" does not settle it
    return ("refuse", "Idempotency-Key: not 1..128 visible characters")


def content_type_expectation(value: bytes):
    media = value.split(b";")[0].strip(b" \t").lower()
    return None if media == b"application/json" else ("refuse", "Content-Type is not application/json (415)")


def caller_expectation(role, caller):
    """Why a 2xx would be wrong for this caller on a route for `role`, or None."""
    if role == "none" or caller in ("custom",):
        return None
    if caller == "none":
        return ("refuse", "no token on a route for %s" % role)
    if caller == "bad":
        return ("refuse", "an invalid token")
    if role == "admin" and caller == "table":
        return ("refuse", "a table token on an admin route")
    if role == "table" and caller == "admin":
        return ("refuse", "an admin token on a table route")
    return None


AUTHORIZATION_CALLER = {"valid admin token": "admin", "lower-case scheme, admin token": "admin",
                        "valid table token": "table", "(no Authorization)": "none"}

# ----------------------------------------------------------------------------------------------------
# HTTP over raw sockets (invalid bytes and bad framing need them).

class Reply:
    def __init__(self):
        self.status = None
        self.headers = {}
        self.body = b""
        self.error = None
        self.too_large = False
        self.elapsed = 0.0
        self.stream = False

    def header(self, name):
        return self.headers.get(name.lower())


def exchange(host, port, data: bytes, timeout: float, max_body: int, shut_write=False) -> Reply:
    reply = Reply()
    start = time.monotonic()
    deadline = start + timeout
    sock = None
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            sock.sendall(data)
            if shut_write:
                sock.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer (413) and close before reading everything: read what it said
        buffer = b""
        while b"\r\n\r\n" not in buffer:
            chunk = recv(sock, deadline)
            if chunk is None:
                reply.error = "timeout" if not buffer else "timeout in the head"
                return reply
            if not chunk:
                reply.error = "closed without an answer" if not buffer else "closed in the head"
                return reply
            buffer += chunk
            if len(buffer) > 256 * 1024:
                reply.error = "head over 256 KiB"
                return reply
        head, rest = buffer.split(b"\r\n\r\n", 1)
        lines = head.split(b"\r\n")
        parts = lines[0].split(b" ", 2)
        try:
            reply.status = int(parts[1])
        except (IndexError, ValueError):
            reply.error = "bad status line %r" % lines[0][:80]
            return reply
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            reply.headers[name.strip().lower().decode("latin-1")] = value.strip().decode("latin-1")
        if reply.status == 200 and (reply.header("content-type") or "").startswith("text/event-stream"):
            # A live stream: read its first block (the retry line) or what comes within 0.1 s, hang up.
            reply.stream = True
            reply.body = rest if b"\n\n" in rest else rest + drain(sock, min(deadline, time.monotonic() + 0.1), 4096)
            return reply
        if data.startswith(b"HEAD ") or reply.status in (204, 304) or 100 <= reply.status < 200:
            return reply
        if "chunked" in (reply.header("transfer-encoding") or "").lower():
            reply.body, reply.error, reply.too_large = read_chunked(sock, rest, deadline, max_body)
        elif reply.header("content-length") is not None:
            try:
                length = int(reply.header("content-length"))
            except ValueError:
                reply.error = "bad Content-Length in the answer"
                return reply
            if length > max_body:
                reply.too_large = True
                reply.body = rest[:max_body]
                return reply
            body = rest
            while len(body) < length:
                chunk = recv(sock, deadline)
                if not chunk:
                    reply.error = "body cut short" if chunk is not None else "timeout in the body"
                    break
                body += chunk
            reply.body = body[:length]
        else:
            body = rest
            while len(body) <= max_body:
                chunk = recv(sock, deadline)
                if not chunk:
                    if chunk is None:
                        reply.error = "timeout in a body without length"
                    break
                body += chunk
            reply.too_large = len(body) > max_body
            reply.body = body[:max_body]
        return reply
    except ConnectionRefusedError:
        reply.error = "connection refused"
        return reply
    except ConnectionResetError:
        reply.error = "connection reset" if reply.status is None else None
        return reply
    except socket.timeout:
        reply.error = "timeout"
        return reply
    except OSError as error:
        reply.error = "socket error: %s" % error
        return reply
    finally:
        reply.elapsed = time.monotonic() - start
        if sock is not None:
            sock.close()


def recv(sock, deadline):
    """Bytes, b"" at the end, None on timeout."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        return None
    sock.settimeout(remaining)
    try:
        return sock.recv(65536)
    except socket.timeout:
        return None


def drain(sock, deadline, limit):
    """What arrives before the deadline, up to the first blank line or `limit` bytes."""
    out = b""
    while len(out) < limit and b"\n\n" not in out:
        try:
            chunk = recv(sock, deadline)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    return out[:limit]


def read_chunked(sock, data, deadline, max_body):
    body = b""
    while True:
        while b"\r\n" not in data:
            chunk = recv(sock, deadline)
            if not chunk:
                return body, "chunked body cut short", False
            data += chunk
        size_line, data = data.split(b"\r\n", 1)
        try:
            size = int(size_line.split(b";")[0], 16)
        except ValueError:
            return body, "bad chunk size in the answer", False
        if size == 0:
            return body, None, False
        while len(data) < size + 2:
            chunk = recv(sock, deadline)
            if not chunk:
                return body, "chunked body cut short", False
            data += chunk
        body += data[:size]
        data = data[size + 2:]
        if len(body) > max_body:
            return body[:max_body], None, True


# ----------------------------------------------------------------------------------------------------
# The pass.

class Case:
    __slots__ = ("method", "path", "route", "where", "label", "identity", "query", "headers", "body", "framing",
                 "malformed", "shut_write", "expect")

    def __init__(self, method, path, route, where, label, identity="none", query=None, headers=None, body=None,
                 framing=None, malformed=False, shut_write=False, expect=None):
        self.method, self.path, self.route, self.where, self.label = method, path, route, where, label
        self.identity = identity      # "admin", "table", "none", "bad": the Authorization sent, unless headers set it
        self.query = query            # bytes after "?", or None
        self.headers = headers or []  # [(name bytes, value bytes or function of tokens)]
        self.body = body              # bytes or None
        self.framing = framing        # [(name, value)] replacing Content-Length, or None
        self.malformed = malformed    # not valid HTTP: a bare 400 or a closed connection is a fair answer
        self.shut_write = shut_write
        self.expect = expect          # ("refuse" | "observe", why): what a 2xx to this case means


class Pass:
    def __init__(self, args):
        self.args = args
        url = urllib.parse.urlsplit(args.url)
        self.host, self.port = url.hostname, url.port or 80
        self.rng = random.Random(args.seed)
        self.tokens = {}
        self.ids = {}
        self.findings = []
        self.notes = {}
        self.sent = 0
        self.restarts = 0
        self.started = []
        self.api_log = args.api_log
        self.dead = False
        self.timing = {}
        self.victims = None
        self.observations = {}
        self.log_offset = os.path.getsize(args.api_log) if args.api_log and os.path.exists(args.api_log) else 0

    # -- plumbing

    def request(self, method, path, token=None, body=None, timeout=10.0, key=None):
        head = [b"%s %s HTTP/1.1" % (method.encode(), path.encode()), b"Host: %s:%d" % (self.host.encode(), self.port),
                b"Connection: close"]
        if key:
            head.append(b"Idempotency-Key: " + key.encode())
        if token:
            head.append(b"Authorization: Bearer " + token)
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            head += [b"Content-Type: application/json", b"Content-Length: %d" % len(data)]
        raw = b"\r\n".join(head) + b"\r\n\r\n" + (data or b"")
        reply = exchange(self.host, self.port, raw, timeout, self.args.max_body)
        try:
            payload = json.loads(reply.body) if reply.body else None
        except ValueError:
            payload = None
        return reply, payload

    def healthy(self, timeout=2.0):
        reply, _ = self.request("GET", "/healthz", timeout=timeout)
        return reply.status == 200

    def wait_healthy(self, seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.healthy(1.0):
                return True
            time.sleep(0.2)
        return False

    def login(self, refresh_victims=False):
        a = self.args
        for _ in range(20):
            reply, admin = self.request("POST", "/api/auth/admin/login", body={
                "store_id": a.store_id, "username": a.admin_username, "password": a.admin_password})
            reply2, table = self.request("POST", "/api/auth/table/login", body={
                "store_id": a.store_id, "table_number": a.table_number, "password": a.table_password})
            if admin and table and "access_token" in admin and "access_token" in table:
                self.tokens = {"admin": admin["access_token"].encode(), "table": table["access_token"].encode()}
                if self.victims is None or refresh_victims:
                    # A logout ends the token it carries: logouts get tokens of their own.
                    _, admin = self.request("POST", "/api/auth/admin/login", body={
                        "store_id": a.store_id, "username": a.admin_username, "password": a.admin_password})
                    _, table = self.request("POST", "/api/auth/table/login", body={
                        "store_id": a.store_id, "table_number": a.table_number, "password": a.table_password})
                    self.victims = {"admin": (admin or {}).get("access_token", "x.y.z").encode(),
                                    "table": (table or {}).get("access_token", "x.y.z").encode()}
                return
            time.sleep(0.5)
        raise SystemExit("hostile: cannot log in (admin %s, table %s)" % (reply.status, reply2.status))

    def setup(self):
        """Ids for the path parameters: a menu, a category, orders, tables (created where needed)."""
        a = self.args
        _, menus = self.request("GET", "/api/stores/%s/menus" % a.store_id)
        if not menus or not menus.get("menus"):
            raise SystemExit("hostile: the store %s has no menu (seed it with --demo-menu)" % a.store_id)
        available = sorted((m for m in menus["menus"] if m.get("is_available", True)), key=lambda m: m["id"])
        menu = (available or menus["menus"])[0]
        self.ids["menu"] = menu["id"]
        self.ids["category"] = menu["category_id"]
        # Keyed, so runs against the same database reuse them rather than pile up more.
        _, made = self.request("POST", "/api/admin/menus", self.tokens["admin"], body={
            "category_id": menu["category_id"], "name": "hostile-sacrifice", "price": 100}, key="hostile-setup-menu")
        self.ids["victim_menu"] = (made or {}).get("id", menu["id"])
        _, made = self.request("POST", "/api/admin/menus", self.tokens["admin"], body={
            "category_id": menu["category_id"], "name": "hostile-edited", "price": 100}, key="hostile-setup-menu-2")
        self.ids["edit_menu"] = (made or {}).get("id", menu["id"])
        order_ids = []
        for n in range(2):
            _, order = self.request("POST", "/api/orders", self.tokens["table"], body={
                "items": [{"menu_id": menu["id"], "quantity": 1}], "note": "hostile"},
                key="hostile-setup-order-%d-%s" % (n, menu["id"]))
            order_ids.append((order or {}).get("order_id", "00000000-0000-0000-0000-000000000000"))
        self.ids["order"], self.ids["victim_order"] = order_ids
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # the worker stores orders asynchronously
            reply, stored = self.request("GET", "/api/orders/%s" % order_ids[0], self.tokens["admin"])
            if reply.status == 200:
                items = (stored or {}).get("items") or [{}]
                self.ids["item"] = items[0].get("item_id", "00000000-0000-0000-0000-000000000000")
                break
            time.sleep(0.2)
        _, tables = self.request("GET", "/api/admin/tables", self.tokens["admin"])
        by_number = {t["table_number"]: t["table_id"] for t in (tables or {}).get("tables", [])}
        self.ids["table"] = by_number.get(a.table_number, "00000000-0000-0000-0000-000000000000")
        self.ids["other_table"] = next((tid for n, tid in sorted(by_number.items()) if n != a.table_number),
                                       self.ids["table"])

    def keep_tokens(self):
        """Logs in again if a case ended the pass's tokens (a password reset, a revocation): the rest of the
        pass would otherwise meet 401s only, and judge nothing behind them."""
        admin, _ = self.request("GET", "/api/admin/tables", self.tokens["admin"], timeout=5)
        table, _ = self.request("GET", "/api/table/orders", self.tokens["table"], timeout=5)
        if admin.status == 401 or table.status == 401:
            self.note("tokens of the pass ended (logged in again)")
            self.login(refresh_victims=True)

    def restart(self):
        """Starts the API again (the crashed one may still be writing its backtrace and hold the port)."""
        if not self.args.restart:
            return False
        self.restarts += 1
        log_path = "%s.restart-%d" % (self.args.api_log or "/tmp/tableorder-hostile-api.log", self.restarts)
        deadline = time.monotonic() + 90
        open(log_path, "wb").close()
        self.log_offset = 0
        while time.monotonic() < deadline:
            with open(log_path, "ab") as log:
                process = subprocess.Popen([self.args.restart], stdout=log, stderr=subprocess.STDOUT,
                                           stdin=subprocess.DEVNULL)
            self.started.append(process)
            while process.poll() is None and time.monotonic() < deadline:
                if self.healthy(1.0):
                    self.api_log = log_path
                    self.login()
                    return True
                time.sleep(0.2)
            time.sleep(0.5)  # it exited (the port still taken): try again
        return False

    def fatal_lines(self, wait=20.0):
        """The crash as the API's log tells it: the fatal message and the crashed thread's first frames."""
        if not self.api_log or not os.path.exists(self.api_log):
            return ""
        deadline = time.monotonic() + wait
        while True:  # the backtracer may still be writing
            with open(self.api_log, "rb") as handle:
                handle.seek(max(self.log_offset, os.path.getsize(self.api_log) - (4 << 20)))
                lines = handle.read().decode("utf-8", "replace").splitlines()
            crash = [i for i, line in enumerate(lines) if re.search(
                r"Fatal error|runtime failure|Program crashed|Signal \d+:|Illegal instruction|Segmentation fault|"
                r"Precondition failed|Assertion failed|Aborted", line)]
            frames = []
            if crash:
                crashed = next((i for i in range(crash[0], len(lines)) if "crashed:" in lines[i]), crash[-1])
                after = [line.strip() for line in lines[crashed:] if re.match(r"\s*\d+\s", line)]
                frames = [f for f in after if " at /" in f and "/checkouts/" not in f][:2] or after[:2]
            finished = bool(crash) and any("Backtrace took" in line for line in lines[crash[0]:])
            if not (frames or finished) and time.monotonic() < deadline:
                time.sleep(0.5)
                continue
            keep = [lines[i].strip().strip("*").strip() for i in crash[:2]] + frames
            return " | ".join(re.sub(r"\s+", " ", k) for k in keep)[:700]

    # -- cases

    def routes(self):
        _, spec = self.request("GET", "/openapi.json")
        if not spec or "paths" not in spec:
            raise SystemExit("hostile: no /openapi.json")
        self.spec = spec
        found = []
        for path, item in spec["paths"].items():
            for method, operation in item.items():
                if method in ("get", "post", "put", "patch", "delete"):
                    found.append((method.upper(), path, operation))
        for path in ("/api/admin/orders/stream", "/admin", "/healthz", "/readyz", "/metrics"):
            if not any(m == "GET" and p == path for m, p, _ in found):
                found.append(("GET", path, {}))
        return found

    def concrete(self, method, path):
        ids = {"store_id": self.args.store_id, "menu_id": self.ids["edit_menu"], "category_id": self.ids["category"],
               "order_id": self.ids["order"], "table_id": self.ids["table"], "item_id": self.ids.get("item", "x")}
        # The menu orders are placed from is never changed: edits go to one menu of the pass's own, deletes to
        # another, so orders keep passing validation all along.
        if method == "DELETE":
            ids["menu_id"], ids["order_id"] = self.ids["victim_menu"], self.ids["victim_order"]
        if path.endswith("/complete"):
            ids["table_id"] = self.ids["other_table"]
        return re.sub(r"\{(\w+)\}", lambda m: ids.get(m.group(1), "x"), path)

    @staticmethod
    def identity(method, path, operation):
        role = operation.get("x-role") or ("admin" if path.startswith("/api/admin") else "none")
        if path == "/api/orders" and method == "POST":
            role = "table"
        return {"admin": "admin", "table": "table", "table or admin": "either"}.get(role, "none")

    def resolve(self, schema):
        while isinstance(schema, dict) and "$ref" in schema:
            node = self.spec
            for part in schema["$ref"].lstrip("#/").split("/"):
                node = node[part]
            schema = node
        if isinstance(schema, dict) and "allOf" in schema:
            merged = {"type": "object", "properties": {}, "required": []}
            for piece in schema["allOf"]:
                piece = self.resolve(piece)
                merged["properties"].update(piece.get("properties", {}))
                merged["required"] += piece.get("required", [])
            return merged
        return schema

    def valid_body(self, method, path, schema):
        """A body the route accepts, so a hostile field is judged by the code behind the validation."""
        a = self.args
        known = {"store_id": a.store_id, "username": a.admin_username, "password": a.admin_password,
                 "table_number": a.table_number, "category_id": self.ids["category"], "name": "hostile",
                 "price": 1000, "description": "d", "image_url": "https://example.invalid/x.png",
                 "is_available": True, "sort_order": 1, "note": "n", "status": "preparing", "stock": None,
                 "quantity": 1, "timezone": "Asia/Seoul", "option_groups": [], "options": [],
                 "items": [{"menu_id": self.ids["menu"], "quantity": 1}],
                 # Never the admin's real password: a valid change would end every admin token of the pass.
                 "current_password": "not-" + a.admin_password, "new_password": "hostile-new-password"}
        if path == "/api/auth/table/login":
            known["password"] = a.table_password
        if path == "/api/admin/tables":
            known["table_number"], known["password"] = a.spare_table, a.table_password
        schema = self.resolve(schema)
        out = {}
        for name, prop in schema.get("properties", {}).items():
            prop = self.resolve(prop)
            if name in known:
                out[name] = known[name]
            elif prop.get("enum"):
                out[name] = prop["enum"][0]
            elif prop.get("type") == "integer":
                out[name] = max(1, prop.get("minimum", 1))
            elif prop.get("format") == "uuid":
                out[name] = "00000000-0000-0000-0000-000000000000"
            else:
                out[name] = {"string": "x", "boolean": True, "array": [], "object": {}}.get(prop.get("type"), "x")
        return out

    def fields(self, schema, body):
        """(path, schema, required) of every field, nested ones of the first array element too."""
        schema = self.resolve(schema)
        out = []
        for name, prop in schema.get("properties", {}).items():
            prop = self.resolve(prop)
            out.append(([name], prop, name in schema.get("required", [])))
            if prop.get("type") == "array" and isinstance(body.get(name), list) and body[name]:
                inner = self.resolve(prop.get("items", {}))
                for sub, subprop in inner.get("properties", {}).items():
                    out.append(([name, 0, sub], self.resolve(subprop), sub in inner.get("required", [])))
        return out

    @staticmethod
    def with_field(body, path, fragment: bytes) -> bytes:
        marker = "@@HOSTILE@@"
        copy = json.loads(json.dumps(body))
        node = copy
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = marker
        return json.dumps(copy, ensure_ascii=False).encode().replace(b'"' + marker.encode() + b'"', fragment)

    def cases(self):
        rng = self.rng
        k = self.args.sample  # values per header/parameter a route does not read
        extra_identity = self.args.other_identity
        out = []
        storage = self.args.scope == "storage"
        auth = authorization_catalog()
        headers = {name: header_catalog(name) for name in
                   ("Last-Event-ID", "Idempotency-Key", "traceparent", "X-Forwarded-For", "Content-Type")}
        queries = {name: query_values(name) for name in ("last_event_id", "status", "from", "to", "x")}
        for method, template, operation in self.routes():
            path = self.concrete(method, template)
            route = "%s %s" % (method, template)
            ident = self.identity(method, template, operation)
            params = {p.get("name") for p in operation.get("parameters", []) if isinstance(p, dict)}
            body_schema = (operation.get("requestBody", {}).get("content", {}).get("application/json", {})
                           .get("schema"))
            body = json.dumps(self.valid_body(method, template, body_schema)).encode() if body_schema else None
            login = template.startswith("/api/auth/")
            # A request that passes validation here costs a slow password hash (a third of a second in a
            # debug build): where only middleware reads the value, it goes without a password (400 at once).
            light = body
            if route in HASHES_PASSWORD:
                light = json.dumps({k: x for k, x in self.valid_body(method, template, body_schema).items()
                                    if k != "password"}).encode()
            # Middleware reads Authorization and traceparent the same way on every route: the whole catalog
            # goes to one route of each kind, a sample to the others (the board's files get samples only).
            asset = template.startswith("/admin/")

            def right():
                return rng.choice(["admin", "table"]) if ident == "either" else ident

            def others():
                if rng.random() >= extra_identity:
                    return []
                return [rng.choice(["none", "bad", "table" if ident == "admin" else "admin"])]

            def pick(values, full):
                if full:
                    return list(values)
                return rng.sample(values, min(k, len(values)))

            # Authorization: who may call the route (valid tokens of both roles, none, a bad signature) on
            # every route; the rest of the catalog where the route stands for its kind.
            core = [a for a in auth if a[0] in CORE_AUTHORIZATION]
            chosen = auth if route in FULL_AUTHORIZATION else core + pick([a for a in auth if a not in core], False)
            if storage:
                chosen = core
            for label, make in chosen:
                hdrs = [] if make is None else [(b"Authorization", make)]
                sample = b"" if make is None else make({"admin": b"a.b.c", "table": b"a.b.c"})
                out.append(Case(method, path, route, "header Authorization", label, "custom", headers=hdrs,
                                body=light, malformed=not_a_field_value(sample),
                                expect=caller_expectation(ident, AUTHORIZATION_CALLER.get(label, "bad"))))
            # The other headers.
            reads = {
                "Last-Event-ID": template.endswith("/stream"),
                "Idempotency-Key": "Idempotency-Key" in params and route in FULL_WRITES,
                "traceparent": route in FULL_TRACEPARENT,
                "X-Forwarded-For": False,
                "Content-Type": body is not None and (route in FULL_WRITES or login),
            }
            for name, values in headers.items():
                if asset:
                    reads[name] = False
                if storage and not (reads[name] and name in ("Last-Event-ID", "Idempotency-Key")):
                    continue
                chosen = pick(values + ([BIG_VALUE] if reads[name] else []), reads[name])
                for label, raw in chosen:
                    malformed = not_a_field_value(raw)
                    value_expect = None
                    if malformed:
                        pass
                    elif name == "Last-Event-ID" and template.endswith("/stream"):
                        value_expect = event_id_expectation(header_value(raw))
                    elif name == "Idempotency-Key" and route == "POST /api/orders":
                        value_expect = idempotency_expectation(header_value(raw))
                    elif name == "Content-Type" and body is not None:
                        value_expect = content_type_expectation(header_value(raw))
                    for who in [right()] + others():
                        if name == "Content-Type":
                            hdrs = [(b"Content-Type", raw)]
                            payload = body if body is not None else b"{}"
                        else:
                            hdrs = [(name.encode(), raw)]
                            payload = body if name == "X-Forwarded-For" else light
                        out.append(Case(method, path, route, "header " + name, label, who, headers=hdrs, body=payload,
                                        malformed=malformed,
                                        expect=caller_expectation(ident, who) or value_expect))
            # Query parameters: the route's own (from the document; the stream's last_event_id in any case)
            # get the whole catalog, the others a sample.
            declared = {p["name"]: p.get("schema", {}) for p in operation.get("parameters", [])
                        if isinstance(p, dict) and p.get("in") == "query" and "name" in p}
            if template.endswith("/stream"):
                declared.setdefault("last_event_id", {})
            route_queries = dict(queries)
            for name, schema in declared.items():
                route_queries[name] = query_values(name, schema)
            for name, values in route_queries.items():
                reads_it = name in declared
                if storage and not reads_it:
                    continue
                for label, query, raw_bytes, decoded in pick(values, reads_it):
                    value_expect = None
                    if decoded is not None and reads_it:
                        if name == "last_event_id":
                            value_expect = event_id_expectation(decoded)
                        elif name == "status" and route == "GET /api/admin/orders":
                            value_expect = status_expectation(decoded)
                        elif declared[name].get("format") == "date":
                            value_expect = day_expectation(name, decoded)
                    for who in [right()] + others():
                        out.append(Case(method, path, route, "query " + name, label, who, query=query, body=light,
                                        malformed=raw_bytes, expect=caller_expectation(ident, who) or value_expect))
            # Both the header and the query (the header wins), and a duplicated header.
            if template.endswith("/stream"):
                for label, raw in [v("9223372036854775807"), v("9007199254740991"), v("x")]:
                    out.append(Case(method, path, route, "header Last-Event-ID + query", label + " / 1", right(),
                                    query=b"last_event_id=1", headers=[(b"Last-Event-ID", raw)],
                                    expect=event_id_expectation(raw)))
                    out.append(Case(method, path, route, "query last_event_id + header", "1 / " + label, right(),
                                    query=b"last_event_id=" + raw, headers=[(b"Last-Event-ID", b"1")]))
                out.append(Case(method, path, route, "header Last-Event-ID twice", "1 and 9223372036854775807", right(),
                                headers=[(b"Last-Event-ID", b"1"), (b"Last-Event-ID", b"9223372036854775807")]))
            # Framing: Content-Length and Transfer-Encoding.
            payload = body if body is not None else b"{}"
            framing = [
                ("-1", [(b"Content-Length", b"-1")], payload, False),
                ("9223372036854775807", [(b"Content-Length", b"9223372036854775807")], payload, True),
                ("9223372036854775808", [(b"Content-Length", b"9223372036854775808")], payload, True),
                ("18446744073709551616", [(b"Content-Length", b"18446744073709551616")], payload, True),
                ("1e309", [(b"Content-Length", b"1e309")], payload, True),
                ("0x10", [(b"Content-Length", b"0x10")], payload, True),
                ("' 1' (leading space)", [(b"Content-Length", b" %d" % len(payload))], payload, False),
                ("+N", [(b"Content-Length", b"+%d" % len(payload))], payload, False),
                ("N, N", [(b"Content-Length", b"%d, %d" % (len(payload), len(payload)))], payload, False),
                ("two different", [(b"Content-Length", b"%d" % len(payload)), (b"Content-Length", b"1")], payload,
                 False),
                ("larger than the body", [(b"Content-Length", b"%d" % (len(payload) + 100))], payload, True),
                ("smaller than the body", [(b"Content-Length", b"1")], payload, False),
                ("0 with a body", [(b"Content-Length", b"0")], payload, False),
                ("65536 (the limit)", [(b"Content-Length", b"65536")], payload + b" " * (65536 - len(payload)), False),
                ("65537 (over)", [(b"Content-Length", b"65537")], payload + b" " * (65537 - len(payload)), False),
                ("9007199254740993", [(b"Content-Length", b"9007199254740993")], payload, True),
                ("with chunked", [(b"Content-Length", b"%d" % len(payload)), (b"Transfer-Encoding", b"chunked")],
                 b"%x\r\n" % len(payload) + payload + b"\r\n0\r\n\r\n", False),
                ("chunked, size ffffffffffffffff", [(b"Transfer-Encoding", b"chunked")],
                 b"ffffffffffffffff\r\n" + payload + b"\r\n0\r\n\r\n", True),
                ("chunked, size -1", [(b"Transfer-Encoding", b"chunked")], b"-1\r\n" + payload + b"\r\n0\r\n\r\n",
                 False),
                ("chunked, 70000 bytes", [(b"Transfer-Encoding", b"chunked")],
                 b"%x\r\n" % 70000 + b" " * 70000 + b"\r\n0\r\n\r\n", False),
                ("Transfer-Encoding gzip", [(b"Transfer-Encoding", b"gzip")], payload, False),
            ]
            legit = {"65536 (the limit)", "65537 (over)", "chunked, 70000 bytes"}
            for label, hdrs, data, shut in framing:
                if storage:
                    break
                if not reads["Content-Type"] and rng.random() > 0.35 and label not in ("-1", "9223372036854775808"):
                    continue  # routes without a body: a sample
                ok_framing = label in legit
                out.append(Case(method, path, route, "header Content-Length", label, right(),
                                headers=[(b"Content-Type", b"application/json")], body=data, framing=hdrs,
                                malformed=not ok_framing, shut_write=shut))
            # JSON body fields, and whole bodies.
            if body_schema is not None:
                valid = self.valid_body(method, template, body_schema)
                for field, prop, required in self.fields(body_schema, valid):
                    where = "body " + ".".join("[%d]" % p if isinstance(p, int) else p for p in field)
                    where = where.replace(".[", "[")
                    values = body_values(prop.get("type", "string"))
                    if route in HASHES_PASSWORD:  # each valid one costs a password hash
                        values = rng.sample(values, min(len(values), 3 if storage else 8))
                    for label, fragment in values:
                        data = self.with_field(valid, field, fragment)
                        out.append(Case(method, path, route, where, label, right(), body=data,
                                        expect=field_expectation(where[5:], prop, required, fragment)))
                wholes = [v(b""), v(b"null"), v(b"[]"), v(b'"x"'), v(b"1"), v(b"{"), v(b"{}"),
                          v(b"\xef\xbb\xbf" + json.dumps(valid).encode(), "BOM + valid body"),
                          v(json.dumps(valid).encode("utf-16"), "valid body in UTF-16"),
                          v(json.dumps(valid).encode() + b"xyz", "valid body + garbage"),
                          v(json.dumps(valid).encode()[:-1] + b',"' + b"\xff" + b'":1}', "key FF"),
                          v(json.dumps(valid).encode()[:-1] + b',"\\ud800":"\\udfff"}', "key \\ud800"),
                          v(b"[" * 60000, "60000 open arrays"),
                          v(b'{"a":' * 12000 + b"1" + b"}" * 12000, "12000 nested objects"),
                          v(b"{" + b",".join(b'"k%d":%d' % (i, i) for i in range(6000)) + b"}", "6000 keys"),
                          v(json.dumps(valid).encode()[:-1] + b"," + b",".join(
                              b'"%s":1' % next(iter(valid)).encode() for _ in range(2000)) + b"}", "2000 duplicate keys")]
                required = self.resolve(body_schema).get("required", [])
                lenient = {"BOM + valid body": "a body with a byte order mark",
                           "valid body in UTF-16": "a UTF-16 body (the contract says UTF-8)",
                           "key FF": "invalid UTF-8 in a key"}
                for label, data in wholes:
                    if label in lenient:
                        expect = ("observe", lenient[label])
                    elif label in ("{}", "6000 keys") and not required:
                        expect = None
                    elif label in ("key \\ud800", "2000 duplicate keys"):
                        expect = None
                    else:
                        expect = ("refuse", "not a valid body")
                    out.append(Case(method, path, route, "body", label, right(), body=data, expect=expect))
        return out

    def render(self, case):
        tokens = self.victims if "logout" in case.route else self.tokens
        target = case.path.encode() + (b"?" + case.query if case.query is not None else b"")
        lines = [b"%s %s HTTP/1.1" % (case.method.encode(), target), b"Host: %s:%d" % (self.host.encode(), self.port),
                 b"Connection: close"]
        has_auth = any(name.lower() == b"authorization" for name, _ in case.headers)
        if case.identity in ("admin", "table") and not has_auth:
            lines.append(b"Authorization: Bearer " + tokens[case.identity])
        elif case.identity == "bad" and not has_auth:
            token = tokens["admin"]
            lines.append(b"Authorization: Bearer " + token[:-2] + (b"AA" if token[-2:] != b"AA" else b"BB"))
        if case.method != "GET" and not any(name.lower() == b"idempotency-key" for name, _ in case.headers):
            # The same body, the same key: repeated cases make one order or menu, not thousands (which
            # would slow every snapshot and listing down as the run goes on).
            key = hashlib.sha256(case.route.encode() + b"\0" + (case.body or b"")).hexdigest()[:24]
            lines.append(b"Idempotency-Key: hostile-" + key.encode())
        has_type = any(name.lower() == b"content-type" for name, _ in case.headers)
        if case.body is not None and not has_type:
            lines.append(b"Content-Type: application/json")
        for name, value in case.headers:
            value = value(tokens) if callable(value) else value
            lines.append(name + b": " + value)
        if case.framing is not None:
            lines += [name + b": " + value for name, value in case.framing]
        elif case.body is not None:
            lines.append(b"Content-Length: %d" % len(case.body))
        return b"\r\n".join(lines) + b"\r\n\r\n" + (case.body or b"")

    # -- checks

    def finding(self, kind, case, reply, detail=""):
        what = ("%d" % reply.status) if reply is not None and reply.status is not None else \
            (reply.error if reply is not None else "")
        self.findings.append({"kind": kind, "route": case.route, "where": case.where, "value": case.label,
                              "identity": case.identity, "answer": what, "detail": detail})

    def note(self, key):
        self.notes[key] = self.notes.get(key, 0) + 1

    def check(self, case, reply):
        if reply.status is None:
            if case.malformed:
                self.note("malformed request, connection closed without an answer")
                return True
            return False  # the caller asks /healthz whether the process is still there
        status = reply.status
        if status >= 500 and status != 503:
            self.finding("5xx", case, reply, ascii_label(reply.body, 200))
        if status in (503, 429):
            retry = reply.header("retry-after")
            if not retry or not retry.isdigit() or int(retry) < 1:
                self.finding("%d without Retry-After" % status, case, reply, "Retry-After: %r" % retry)
        if reply.too_large:
            self.finding("body over %d bytes" % self.args.max_body, case, reply)
        if 200 <= status < 300 and case.expect:
            how, why = case.expect
            if how == "refuse":
                self.finding("accepted what the contract refuses", case, reply, why)
            else:
                self.observations.setdefault((case.route, why), status)
        if status >= 400:
            if case.malformed and not reply.body and status in (400, 413, 414, 431):
                self.note("malformed request, bare %d from the HTTP layer" % status)
            else:
                problem = error_shape_problem(reply)
                if problem:
                    self.finding("error not in the contract's shape", case, reply, problem)
        if reply.error and status is not None and not reply.stream:
            self.finding("broken answer", case, reply, reply.error)
        return True

    # -- run

    def run(self):
        args = self.args
        began = time.monotonic()
        if not self.wait_healthy(30):
            raise SystemExit("hostile: %s does not answer /healthz" % args.url)
        self.login()
        self.setup()
        cases = self.cases()
        # A seeded shuffle: the order is fixed, and a run cut short by --max-seconds still covers every route.
        self.rng.shuffle(cases)
        if args.only:
            cases = [c for c in cases if args.only in "%s | %s | %s" % (c.route, c.where, c.label)]
        if args.max_requests and len(cases) > args.max_requests:
            keep = sorted(self.rng.sample(range(len(cases)), args.max_requests))
            cases = [cases[i] for i in keep]
        total = len(cases)
        if args.plan:
            counts = {}
            for c in cases:
                counts[(c.route, c.where.split(" ")[0] + " " + c.where.split(" ")[1] if " " in c.where else c.where)] = \
                    counts.get((c.route, c.where.split(" ")[0] + " " + c.where.split(" ")[1] if " " in c.where
                                else c.where), 0) + 1
            for (route, where), count in sorted(counts.items()):
                print("%5d  %s  %s" % (count, route, where))
            print("%5d  in all" % total)
            raise SystemExit(0)
        print("hostile: %s: %d requests over %d routes (seed %d)" % (
            args.label, total, len({c.route for c in cases}), args.seed), flush=True)
        batch = []
        stopped = None
        for index, case in enumerate(cases):
            if time.monotonic() - began > args.max_seconds:
                stopped = "time budget of %ds spent after %d of %d requests" % (args.max_seconds, index, total)
                break
            if args.progress and index and index % args.progress == 0:
                print("hostile: %s: %d of %d sent, %.1fs" % (args.label, index, total, time.monotonic() - began),
                      flush=True)
            raw = self.render(case)
            reply = exchange(self.host, self.port, raw, args.timeout, args.max_body, case.shut_write)
            self.sent += 1
            if args.progress:
                key = (case.route, case.where)
                self.timing[key] = self.timing.get(key, 0.0) + reply.elapsed
            batch.append((case, reply))
            answered = self.check(case, reply)
            if not answered or len(batch) >= args.batch:
                if not self.healthy(3.0):
                    culprit = next(((c, r) for c, r in batch
                                    if r.status is None and r.error != "connection refused"), (case, reply))
                    t0 = time.monotonic()
                    self.finding("process stopped answering /healthz", culprit[0], culprit[1],
                                 self.fatal_lines() or "(no fatal line in the API log)")
                    t1 = time.monotonic()
                    restarted = self.restart()
                    if args.progress:
                        print("hostile: %s: crash read in %.1fs, restarted in %.1fs" % (
                            args.label, t1 - t0, time.monotonic() - t1), flush=True)
                    if not restarted:
                        stopped = "the API is down and cannot be restarted (--restart)"
                        self.dead = True
                        break
                else:
                    if not answered:
                        self.finding("no answer to a well-formed request", case, reply, reply.error or "")
                    self.keep_tokens()
                batch = []
        if args.progress:
            slowest = sorted(self.timing.items(), key=lambda item: -item[1])[:12]
            print("hostile: %s: where the time went: %s" % (args.label, "; ".join(
                "%s %s %.1fs" % (route, where, seconds) for (route, where), seconds in slowest)), flush=True)
        if not self.dead and batch and not self.healthy(5.0):
            self.finding("process stopped answering /healthz", batch[-1][0], batch[-1][1], self.fatal_lines())
        return stopped, time.monotonic() - began

    def report(self, stopped, elapsed):
        groups = {}
        for f in self.findings:
            key = (f["kind"], f["route"], f["where"], f["answer"])
            groups.setdefault(key, []).append(f)
        if self.findings:
            print("hostile: %s: findings (kind | route | where | answer | values (identity)):" % self.args.label)
            for (kind, route, where, answer), items in sorted(groups.items()):
                values = ["%s (%s)" % (f["value"], f["identity"]) for f in items[:6]]
                more = " ...and %d more" % (len(items) - 6) if len(items) > 6 else ""
                print("  FINDING %s | %s | %s | %s | %s%s" % (kind, route, where, answer, "; ".join(values), more))
                details = sorted({f["detail"] for f in items if f["detail"]})
                for detail in details[:2]:
                    print("      %s" % detail[:400])
        observed = {}
        for (route, why), status in sorted(self.observations.items()):
            field = re.match(r"^([\w\[\]\.]+): ", why)
            what = why[field.end():] if field else why
            observed.setdefault(what, []).append(
                "%s%s -> %d" % (route, " " + field.group(1) if field else "", status))
        for why, where in sorted(observed.items()):
            print("  observed, not a failure: %s: %s" % (why, "; ".join(where)))
        for key, count in sorted(self.notes.items()):
            print("  note: %s: %d" % (key, count))
        if stopped:
            print("  note: %s" % stopped)
        if self.args.findings_file:
            with open(self.args.findings_file, "a") as out:
                for f in self.findings:
                    out.write(json.dumps(dict(f, mode=self.args.label)) + "\n")
        print("hostile: %s: %d requests in %.1fs, %d findings in %d groups, %d restarts: %s" % (
            self.args.label, self.sent, elapsed, len(self.findings), len(groups), self.restarts,
            "FAILED" if self.findings or self.dead else "passed"), flush=True)
        return 1 if self.findings or self.dead else 0

    def close(self):
        for process in self.started:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()


def not_a_field_value(raw: bytes) -> bool:
    """Bytes HTTP does not allow in a field value (controls but TAB, DEL), or more than a server need take."""
    return len(raw) > 60_000 or any(b < 0x20 and b != 0x09 or b == 0x7F for b in raw)


def error_shape_problem(reply):
    content_type = (reply.header("content-type") or "").split(";")[0].strip().lower()
    if content_type != "application/json":
        return "Content-Type %r, body %s" % (reply.header("content-type"), ascii_label(reply.body, 120))
    try:
        body = json.loads(reply.body)
    except ValueError:
        return "body not JSON: %s" % ascii_label(reply.body, 120)
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict) or not isinstance(error.get("code"), str) or \
            not isinstance(error.get("message"), str):
        return "body %s" % ascii_label(reply.body, 160)
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--label", default="api")
    parser.add_argument("--store-id", required=True)
    parser.add_argument("--admin-username", default="admin")
    parser.add_argument("--admin-password")
    parser.add_argument("--table-password")
    parser.add_argument("--credentials", help="development mode's <sqlite>.credentials.json for the passwords")
    parser.add_argument("--table-number", type=int, default=1)
    parser.add_argument("--spare-table", type=int, default=3, help="the table POST /api/admin/tables resets")
    parser.add_argument("--seed", type=int, default=20261130)
    parser.add_argument("--sample", type=int, default=4, help="values per header or parameter a route does not read")
    parser.add_argument("--other-identity", type=float, default=0.1,
                        help="share of cases sent again without a token, with a bad one or the other role's")
    parser.add_argument("--max-requests", type=int, default=0, help="0: all cases")
    parser.add_argument("--max-seconds", type=float, default=100)
    parser.add_argument("--timeout", type=float, default=3.0)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--max-body", type=int, default=1 << 20)
    parser.add_argument("--restart", help="the tableorder-api executable, started again (same environment) after a crash")
    parser.add_argument("--api-log", help="the running API's log, for the fatal line of a crash")
    parser.add_argument("--scope", choices=("all", "storage"), default="all",
                        help="storage: only what reaches the storage and event code (JSON fields, the query "
                             "parameters routes read, Last-Event-ID, Idempotency-Key), callers' core tokens")
    parser.add_argument("--plan", action="store_true", help="print how many cases go where, send none")
    parser.add_argument("--only", help='only the cases whose "route | where | value" contains this text')
    parser.add_argument("--progress", type=int, default=0, help="print a line every N requests")
    parser.add_argument("--findings-file", help="append every finding to this file as JSON lines")
    args = parser.parse_args()
    if args.credentials:
        with open(args.credentials) as handle:
            saved = json.load(handle)
        args.admin_password = args.admin_password or saved["admin_password"]
        args.table_password = args.table_password or saved["table_password"]
    if not args.admin_password or not args.table_password:
        parser.error("--admin-password and --table-password (or --credentials) are required")
    run = Pass(args)
    try:
        stopped, elapsed = run.run()
        return run.report(stopped, elapsed)
    finally:
        run.close()


if __name__ == "__main__":
    sys.exit(main())
