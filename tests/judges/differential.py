"""Differential test: the same queries on the real RethinkDB server and on the sandbox.

Usage: python3 tests/judges/differential.py REAL_PORT SANDBOX_PORT PASSWORD [--only WORD]

Both peers listen on 127.0.0.1 with the admin password PASSWORD. Every query (a Python-driver
expression, in differential_queries.py beside this file) runs on the real server first, then on
the sandbox, and the two outcomes are compared (`--only WORD` runs the queries holding WORD or
of the section WORD; the database is made by the first ones, so run them all by default): the value (after sorting where the order is unspecified and
after normalising what legitimately differs: generated uuids, server names, timings), or the
error's class, message and backtrace (the response's `b`). An answer is

- identical: the same outcome;
- unsupported: the sandbox refused with a ReqlQueryLogicError saying it does not support the
  term (not a wrong answer, counted apart);
- wrong: anything else.

Prints every wrong answer in detail and ends with the summary line
`differential: N queries, I identical, U unsupported, W wrong`; exits 0 (the caller judges the
counts), or 2 when a peer cannot be reached.
"""

import json
import os
import re
import signal
import sys
import time

from rethinkdb import RethinkDB
from rethinkdb.errors import ReqlError, ReqlTimeoutError
from rethinkdb.net import Cursor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import differential_queries  # noqa: E402  (the queries, as data)

r = RethinkDB()
RAW = {"time_format": "raw", "group_format": "raw", "binary_format": "raw"}
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
UNSUPPORTED = "the sandbox does not support"
QUERY_SECONDS = 10
# The writes are acknowledged before the feed is read, so their changes are due at once; the
# last wait only proves that no further change comes.
FEED_WAIT = 2
FEED_SETTLE = 0.15


class Hung(Exception):
    pass


def on_alarm(_signum, _frame):
    raise Hung("no answer within %d s" % QUERY_SECONDS)


def normalise(v, keep_uuids):
    """Generated uuids become `<uuid>` (unless the query keeps them); keys are data."""
    if isinstance(v, dict):
        return {k: normalise(x, keep_uuids) for k, x in v.items()}
    if isinstance(v, list):
        return [normalise(x, keep_uuids) for x in v]
    if isinstance(v, str) and not keep_uuids:
        return UUID.sub("<uuid>", v)
    return v


def canon(v):
    """A comparable text: key order is not data, but number types (1 vs 1.0) are."""
    return json.dumps(v, sort_keys=True, ensure_ascii=False)


def fetch(result):
    if isinstance(result, Cursor):
        return list(result)
    return result


def run_query(conn, q):
    """The outcome of one query: ('ok', value) or ('error', class, message, backtrace)."""
    signal.alarm(QUERY_SECONDS)
    try:
        term = differential_queries.build(q["src"])
        opts = dict(RAW)
        opts.update(q.get("run", {}))
        if q.get("feed"):
            value = run_feed(conn, term, q, opts)
        else:
            value = fetch(term.run(conn, **opts))
        value = normalise(value, q.get("keep_uuids", False))
        if q.get("norm"):
            value = q["norm"](value)
        if q.get("unordered") and isinstance(value, list):
            value = sorted(value, key=canon)
        return ("ok", value)
    except Hung as e:
        return ("error", "Hung", str(e), None)
    except ReqlError as e:
        return ("error", type(e).__name__, UUID.sub("<uuid>", e.message), e.frames)
    except (ValueError, TypeError) as e:
        # The driver refused to send the query: the same on both peers.
        return ("driver", type(e).__name__, str(e))
    finally:
        signal.alarm(0)


def run_feed(conn, term, q, opts):
    """Opens the feed, runs the writes on a second connection, reads `take` changes."""
    try:
        cursor = term.run(conn, **opts)
    finally:
        # The writes happen also when the feed fails, so both peers keep the same data.
        for w in q.get("writes", []):
            differential_queries.build(w).run(conn.peer_conn, **RAW)
    out = []
    try:
        for i in range(q["take"]):
            out.append(cursor.next(wait=FEED_WAIT if i < q["take"] - 1 else FEED_SETTLE))
    except ReqlTimeoutError:
        out.append("<no more changes>")
    finally:
        cursor.close()
    return out


def connect(port, password):
    conn = r.connect(host="127.0.0.1", port=port, user="admin", password=password)
    conn.peer_conn = r.connect(host="127.0.0.1", port=port, user="admin", password=password)
    return conn


def main():
    real_port, sandbox_port, password = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    only = sys.argv[5] if len(sys.argv) > 5 and sys.argv[4] == "--only" else None
    signal.signal(signal.SIGALRM, on_alarm)
    try:
        real = connect(real_port, password)
        sandbox = connect(sandbox_port, password)
    except Exception as e:  # noqa: BLE001 - any failure to connect ends the run
        print("differential: cannot connect: %s" % e)
        return 2
    for conn in (real, sandbox):
        # A fresh database on both, also when a peer is reused by hand.
        r.branch(r.db_list().contains("diff"), r.db_drop("diff"), None).run(conn)
    counts = {"identical": 0, "unsupported": 0, "wrong": 0}
    unsupported = {}
    queries = differential_queries.QUERIES
    for i, q in enumerate(queries):
        if only and only not in q["src"] and only != q["section"]:
            continue
        started = time.time()
        want = run_query(real, q)
        middle = time.time()
        got = run_query(sandbox, q)
        if os.environ.get("DIFF_SLOW") and time.time() - started > 0.2:
            print("slow %.2f/%.2f s: %s" % (middle - started, time.time() - middle, q["src"]))
        if canon(want) == canon(got):
            counts["identical"] += 1
        elif UNSUPPORTED in canon(got) and UNSUPPORTED not in canon(want):
            # Refused with the sandbox's message (also inside a write's `first_error`).
            counts["unsupported"] += 1
            what = re.search(r"does not support `(.*?)`; run", canon(got))
            what = what.group(1) if what else canon(got)[:200]
            unsupported[what] = unsupported.get(what, 0) + 1
        else:
            counts["wrong"] += 1
            print("WRONG #%d [%s] %s" % (i, q["section"], q["src"]))
            print("  real:    %s" % canon(want)[:1500])
            print("  sandbox: %s" % canon(got)[:1500])
    for message, n in sorted(unsupported.items()):
        print("unsupported x%d: %s" % (n, message))
    total = sum(counts.values())
    print(
        "differential: %d queries, %d identical, %d unsupported, %d wrong"
        % (total, counts["identical"], counts["unsupported"], counts["wrong"])
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
