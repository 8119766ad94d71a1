"""The official Python driver judges the sandbox: a fixed script, every answer checked.

Usage: python3 tests/judges/judge.py PORT CAFILE PASSWORD
Connects to localhost:PORT over TLS (CAFILE) as admin; exits non-zero at the first mismatch,
saying which step failed, what was expected and what came back.
"""

import sys

from rethinkdb import r
from rethinkdb.errors import (
    ReqlAuthError,
    ReqlNonExistenceError,
    ReqlOpIndeterminateError,
    ReqlOpFailedError,
    ReqlQueryLogicError,
    ReqlUserError,
)

PORT, CA, PASSWORD = int(sys.argv[1]), sys.argv[2], sys.argv[3]
STEP = ["start"]


def fail(message):
    print("judge.py: step %r: %s" % (STEP[0], message), file=sys.stderr)
    sys.exit(1)


def step(name):
    STEP[0] = name
    print("judge.py: " + name)


def check(what, got, want):
    if got != want:
        fail("%s: expected %r, got %r" % (what, want, got))


def connect(password=PASSWORD):
    return r.connect(
        host="localhost",
        port=PORT,
        user="admin",
        password=password,
        ssl={"ca_certs": CA},
    )


def expect_error(what, query, cls, prefix):
    try:
        got = query.run(conn)
    except cls as e:
        if not e.message.startswith(prefix):
            fail("%s: expected a message starting %r, got %r" % (what, prefix, e.message))
        return e
    except Exception as e:  # noqa: BLE001 - any other class is the mismatch to report
        fail("%s: expected %s, got %s: %s" % (what, cls.__name__, type(e).__name__, e))
    fail("%s: expected %s, got the answer %r" % (what, cls.__name__, got))


step("connect over TLS with SCRAM")
conn = connect()
info = conn.server()
check("server() name", info.get("name"), "rdbsh_sandbox")
check("server() proxy", info.get("proxy"), False)
try:
    connect("not-the-password")
    fail("a wrong password was accepted")
except ReqlAuthError as e:
    if "Wrong password" not in str(e):
        fail("wrong password: unexpected message %r" % str(e))

step("create db and table")
check("db_create", r.db_create("judge").run(conn)["dbs_created"], 1)
check("table_create", r.db("judge").table_create("people").run(conn)["tables_created"], 1)
check("table_list", r.db("judge").table_list().run(conn), ["people"])
people = r.db("judge").table("people")

step("insert")
docs = [
    {"id": 1, "name": "ada", "team": "red", "age": 36},
    {"id": 2, "name": "bob", "team": "blue", "age": 25},
    {"id": 3, "name": "cy", "team": "blue", "age": 41},
    {"id": 4, "name": "dee", "team": "red", "age": 19},
    {"id": 5, "name": "eve", "team": "blue", "age": 30},
]
res = people.insert(docs).run(conn)
check("insert inserted", res["inserted"], 5)
check("insert errors", res["errors"], 0)
res = people.insert({"name": "nokey", "team": "green", "age": 50}).run(conn)
check("insert generated_keys count", len(res["generated_keys"]), 1)
generated = res["generated_keys"][0]
res = people.insert({"id": 1, "name": "dup"}).run(conn)
check("duplicate insert errors", res["errors"], 1)
if not res["first_error"].startswith("Duplicate primary key `id`"):
    fail("duplicate insert first_error: %r" % res["first_error"])

step("get")
check("get(1)", people.get(1).run(conn), docs[0])
check("get(99)", people.get(99).run(conn), None)
check("get(generated)['name']", people.get(generated)["name"].run(conn), "nokey")

step("filter")
got = sorted(d["id"] for d in people.filter({"team": "red"}).run(conn))
check("filter object", got, [1, 4])
got = sorted(d["id"] for d in people.filter(r.row["age"] > 30).run(conn) if d["id"] != generated)
check("filter r.row", got, [1, 3])
got = sorted(d["name"] for d in people.filter(lambda p: p["team"].eq("blue")).run(conn))
check("filter lambda", got, ["bob", "cy", "eve"])

step("orderBy with index")
check("index_create", people.index_create("age").run(conn), {"created": 1})
waited = people.index_wait("age").run(conn)
check("index_wait ready", [(w["index"], w["ready"]) for w in waited], [("age", True)])
check("index_list", people.index_list().run(conn), ["age"])
got = [d["name"] for d in people.order_by(index="age").run(conn)]
check("order_by(index=age)", got, ["dee", "bob", "eve", "ada", "cy", "nokey"])
got = [d["name"] for d in people.order_by(index=r.desc("age")).run(conn)]
check("order_by(index=desc(age))", got, ["nokey", "cy", "ada", "eve", "bob", "dee"])
got = people.order_by("name").pluck("name").run(conn)
check("order_by(name).pluck", [d["name"] for d in got], ["ada", "bob", "cy", "dee", "eve", "nokey"])

step("limit")
got = [d["id"] for d in people.order_by(index="age").limit(2).run(conn)]
check("order_by.limit(2)", got, [4, 2])
check("limit(3).count()", people.limit(3).count().run(conn), 3)

step("count")
check("count()", people.count().run(conn), 6)
check("count(filter)", people.count(lambda p: p["age"] > 30).run(conn), 3)
check("filter.count()", people.filter({"team": "blue"}).count().run(conn), 3)

step("group")
check(
    "group(team).count()",
    people.group("team").count().run(conn),
    {"red": 2, "blue": 3, "green": 1},
)
check(
    "group(team).max(age)['name']",
    people.group("team").max("age")["name"].run(conn),
    {"red": "ada", "blue": "cy", "green": "nokey"},
)
check(
    "group.count.ungroup",
    people.group("team").count().ungroup().order_by("group").run(conn),
    [
        {"group": "blue", "reduction": 3},
        {"group": "green", "reduction": 1},
        {"group": "red", "reduction": 2},
    ],
)

step("update")
res = people.get(1).update({"age": 37}).run(conn)
check("update replaced", (res["replaced"], res["unchanged"]), (1, 0))
check("get(1).age", people.get(1)["age"].run(conn), 37)
res = people.get(1).update({"age": 37}).run(conn)
check("update unchanged", (res["replaced"], res["unchanged"]), (0, 1))
res = people.filter({"team": "blue"}).update({"senior": r.row["age"] > 28}).run(conn)
check("update on a selection", res["replaced"], 3)
check("updated field", people.get(2)["senior"].run(conn), False)
res = people.get(2).update({"age": 26}, return_changes=True).run(conn)
check("return_changes old age", res["changes"][0]["old_val"]["age"], 25)
check("return_changes new age", res["changes"][0]["new_val"]["age"], 26)

step("delete")
res = people.get(generated).delete().run(conn)
check("delete deleted", res["deleted"], 1)
res = people.filter(lambda p: p["age"] < 20).delete().run(conn)
check("delete selection", res["deleted"], 1)
check("count after delete", people.count().run(conn), 4)
res = people.get(12345).delete().run(conn)
check("delete missing skipped", res["skipped"], 1)

step("10,000-document cursor")
check("table_create big", r.db("judge").table_create("big").run(conn)["tables_created"], 1)
big = r.db("judge").table("big")
batch = [{"id": i, "square": i * i, "label": "row %d" % i} for i in range(10000)]
check("insert 10000", big.insert(batch).run(conn)["inserted"], 10000)
seen = set()
cursor = big.run(conn)
for doc in cursor:
    if doc["square"] != doc["id"] * doc["id"]:
        fail("corrupt document %r" % doc)
    seen.add(doc["id"])
check("cursor rows", len(seen), 10000)
check("cursor ids", seen, set(range(10000)))
ids = [d["id"] for d in big.order_by(index="id").run(conn, max_batch_rows=700)]
check("order_by(index=id) in batches of 700", ids, list(range(10000)))
check("count big", big.count().run(conn), 10000)

step("changefeed")
conn2 = connect()
feed = people.changes().run(conn)
people.insert({"id": 10, "name": "fay", "team": "red", "age": 28}).run(conn2)
change = feed.next(wait=30)
check("feed insert", change, {"old_val": None, "new_val": {"id": 10, "name": "fay", "team": "red", "age": 28}})
people.get(10).update({"age": 29}).run(conn2)
change = feed.next(wait=30)
check("feed update old", change["old_val"]["age"], 28)
check("feed update new", change["new_val"]["age"], 29)
feed.close()
point = people.get(3).changes(include_initial=True).run(conn)
check("point feed initial", point.next(wait=30)["new_val"]["name"], "cy")
people.get(3).update({"name": "cyd"}).run(conn2)
change = point.next(wait=30)
check("point feed change", (change["old_val"]["name"], change["new_val"]["name"]), ("cy", "cyd"))
point.close()
check("connection usable after closing feeds", r.expr(1).run(conn), 1)
conn2.close()

step("runtime errors with their type")
e = expect_error("missing field", r.expr({"a": 1})["b"], ReqlNonExistenceError, "No attribute `b` in object")
expect_error("number plus string", r.expr(1) + "a", ReqlQueryLogicError, "Expected type NUMBER but found STRING")
expect_error("missing database", r.db("nope").table("x"), ReqlOpFailedError, "Database `nope` does not exist")
expect_error("r.error", r.error("boom"), ReqlUserError, "boom")
expect_error("missing table", r.db("judge").table("nope"), ReqlOpFailedError, "Table `judge.nope` does not exist")
check("connection usable after errors", r.expr("ok").run(conn), "ok")

step("noreply and noreply_wait")
for i in range(20):
    r.db("judge").table("big").get(i).update({"touched": True}).run(conn, noreply=True)
conn.noreply_wait()
check("noreply writes applied", big.filter({"touched": True}).count().run(conn), 20)

step("rethinkdb.jobs")
conn2 = connect()
feed = people.changes().run(conn)
jobs = r.db("rethinkdb").table("jobs")
listed = [j for j in jobs.run(conn2) if j["info"]["query"] == 'r.db("judge").table("people").changes()']
check("feed listed in jobs", len(listed), 1)
check("job type", listed[0]["type"], "query")
check("job id kind", listed[0]["id"][0], "query")
check("job user", listed[0]["info"]["user"], "admin")
check("kill", jobs.get(listed[0]["id"]).delete().run(conn2)["deleted"], 1)
try:
    got = feed.next(wait=30)
    fail("the killed feed delivered %r" % (got,))
except ReqlOpIndeterminateError as e:
    check("killed feed message", e.message, "Query terminated by the `rethinkdb.jobs` table.")
unknown = ["query", "00000000-0000-4000-8000-000000000000"]
check("kill unknown job", jobs.get(unknown).delete().run(conn2)["deleted"], 0)
check("connection usable after the kill", r.expr(2).run(conn), 2)
conn2.close()

step("clean up")
check("db_drop", r.db_drop("judge").run(conn)["dbs_dropped"], 1)
conn.close()
print("judge.py: all checks passed")
