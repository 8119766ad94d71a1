#!/usr/bin/env python3
"""rdbsh export/import/dump/restore against RethinkDB's own tools, on the real server.

Starts RethinkDB 2.4.4 (../shared/rethinkdb, or --server) with TLS on the driver port and an
admin password, writes N documents of ~200 bytes as a JSON file and the same rows as a CSV,
then times, for rdbsh and for `python3 -m rethinkdb ...`: import (JSON and CSV), export,
dump and restore. Each line gives documents/s, wall time, client CPU (the tool and the
processes it waited for) and peak RSS (its largest process); the read steps (stream, export,
dump), which take seconds, give the median of --repeat runs. Two references are measured in
the same run: the server's own ingest rate (`r.range(N).map(...)` inserted server-side into
a fresh table, soft durability as both tools use) and the time `rdbsh -e "r.table(...)"
--format ndjson > /dev/null` takes to stream the table.

    cargo build --release
    python3 benches/transfer_vs_python.py [--docs 1000000] [--csv-mb 200] [--repeat 3]

Needs: python3 with the official driver (`pip install rethinkdb`), openssl.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

from bench_common import PASSWORD, ROOT, free_port, make_cert


def timed(cmd, env):
    # Each measurement runs in a fresh interpreter so that ru_maxrss is this command's own.
    probe = (
        "import resource, subprocess, sys, time, json\n"
        "t = time.perf_counter()\n"
        "p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n"
        "w = time.perf_counter() - t\n"
        "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "print(json.dumps([p.returncode, w, u.ru_utime + u.ru_stime, u.ru_maxrss / 1024,"
        " p.stderr.decode(errors='replace')[-2000:]]))\n")
    out = subprocess.run([sys.executable, "-c", probe] + cmd, env=env, capture_output=True, check=True)
    code, wall, cpu, rss, err = json.loads(out.stdout)
    if code != 0:
        sys.exit(f"command failed ({code}): {' '.join(cmd)}\n{err}")
    return wall, cpu, rss


def doc_of(i):
    return {"id": i, "name": f"user-{i:07d}", "email": f"user{i}@example.com",
            "city": ["Paris", "Lima", "Oslo", "Pune"][i % 4], "age": 18 + i % 60,
            "score": round(i * 0.37 % 100, 2), "active": i % 3 == 0,
            "bio": "lorem ipsum dolor sit amet consectetur adipiscing elit sed do"}


def csv_line(i, doc):
    return (f"{i},user-{i:07d},user{i}@example.com,{doc['city']},{doc['age']},"
            f"{doc['score']},{doc['active']},{doc['bio']}\n")


def write_inputs(tmp, n, csv_mb):
    """docs.json (one array, RethinkDB export layout) and docs.csv with the same rows, the
    CSV continued past n rows until it holds csv_mb megabytes (when given); returns the paths
    and the CSV's row count."""
    path_json, path_csv = os.path.join(tmp, "docs.json"), os.path.join(tmp, "docs.csv")
    with open(path_json, "w") as j, open(path_csv, "w") as c:
        j.write("[")
        c.write("id,name,email,city,age,score,active,bio\n")
        csv_rows, csv_bytes = 0, 0
        for i in range(n):
            doc = doc_of(i)
            j.write(("\n" if i == 0 else ",\n") + json.dumps(doc))
            line = csv_line(i, doc)
            c.write(line)
            csv_rows, csv_bytes = csv_rows + 1, csv_bytes + len(line)
        while csv_mb and csv_bytes < csv_mb * 1e6:
            line = csv_line(csv_rows, doc_of(csv_rows))
            c.write(line)
            csv_rows, csv_bytes = csv_rows + 1, csv_bytes + len(line)
        j.write("\n]\n")
    return path_json, path_csv, csv_rows


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=1_000_000)
    ap.add_argument("--csv-mb", type=float, default=200,
                    help="the CSV goes on past --docs rows until it is this large (0: same rows)")
    ap.add_argument("--repeat", type=int, default=3,
                    help="runs of each read step (stream, export, dump), the median reported")
    ap.add_argument("--rdbsh", default=os.path.join(ROOT, "target", "release", "rdbsh"))
    ap.add_argument("--server", default=os.path.join(ROOT, "..", "shared", "rethinkdb", "rethinkdb"))
    args = ap.parse_args()
    for path, hint in [(args.rdbsh, "run `cargo build --release` first"), (args.server, "pass --server")]:
        if not os.path.exists(path):
            sys.exit(f"{path} not found: {hint}")

    tmp = tempfile.mkdtemp(prefix="rdbsh-xfer-bench-")
    cert, key = make_cert(tmp)
    pwfile = os.path.join(tmp, "pw")
    with open(pwfile, "w") as f:
        f.write(PASSWORD)
    port = free_port()
    env = dict(os.environ, RDBSH_BENCH_PW=PASSWORD, NO_COLOR="1")
    env.pop("RDBSH_CONFIG", None)
    server = subprocess.Popen(
        [args.server, "--directory", os.path.join(tmp, "data"), "--bind", "127.0.0.1",
         "--cluster-port", "0", "--driver-port", str(port), "--no-http-admin", "--no-update-check",
         "--driver-tls-cert", cert, "--driver-tls-key", key, "--initial-password", PASSWORD],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    for line in server.stdout:
        if line.startswith(b"Server ready"):
            break
    try:
        run(args, tmp, cert, pwfile, port, env)
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(tmp, ignore_errors=True)


def run(args, tmp, cert, pwfile, port, env):
    from rethinkdb import r
    conn = r.connect(host="127.0.0.1", port=port, password=PASSWORD, ssl={"ca_certs": cert})
    n = args.docs
    print(f"writing {n:,} documents as JSON and CSV ...", file=sys.stderr)
    path_json, path_csv, csv_rows = write_inputs(tmp, n, args.csv_mb)
    size = os.path.getsize(path_json) / n
    mb_csv = os.path.getsize(path_csv) / 1e6

    ours = [args.rdbsh, "--host", "127.0.0.1", "--port", str(port), "--ca-cert", cert,
            "--password-env", "RDBSH_BENCH_PW"]
    theirs = ["-c", f"127.0.0.1:{port}", "--tls-cert", cert, "--password-file", pwfile]
    py = [sys.executable, "-m", "rethinkdb"]
    results = []

    def fresh(db):
        if db in r.db_list().run(conn):
            r.db_drop(db).run(conn)
        r.db_create(db).run(conn)

    def table(db, name):
        # The official `import -f` needs the table made with its key beforehand (and --force).
        r.db(db).table_create(name, primary_key="id").run(conn)
        r.db(db).table(name).wait().run(conn)

    # The ceiling: the server inserts the same number of documents it generates itself.
    fresh("ceiling")
    table("ceiling", "t")
    t0 = time.perf_counter()
    # In queries of 100,000 (the server's array limit), one after another.
    for lo in range(0, n, 100_000):
        hi = min(n, lo + 100_000)
        r.db("ceiling").table("t").insert(r.range(lo, hi).map(lambda i: {
            "id": i, "name": r.expr("user-").add(i.coerce_to("string")),
            "email": r.expr("user").add(i.coerce_to("string")).add("@example.com"),
            "city": r.expr(["Paris", "Lima", "Oslo", "Pune"]).nth(i.mod(4)), "age": i.mod(60).add(18),
            "score": i.mod(100).mul(0.37), "active": i.mod(3).eq(0),
            "bio": "lorem ipsum dolor sit amet consectetur adipiscing elit sed do"}),
            durability="soft").run(conn)
    results.append(("server-side insert (ceiling)", n, time.perf_counter() - t0, 0.0, 0.0))
    r.db_drop("ceiling").run(conn)

    def step(label, cmd, docs=n, runs=1, clean=None):
        # A read step takes seconds and the server's pace varies from run to run: the median
        # of several runs (by wall time) stands for it.
        print(f"  {label} ...", file=sys.stderr)
        measured = []
        for _ in range(runs):
            if clean:
                shutil.rmtree(clean, ignore_errors=True)
                if os.path.exists(clean + ".tar.gz"):
                    os.remove(clean + ".tar.gz")
            measured.append(timed(cmd, env))
        wall, cpu, rss = sorted(measured)[len(measured) // 2]
        results.append((label, docs, wall, cpu, rss))

    fresh("ours")
    table("ours", "json")
    table("ours", "csv")
    fresh("theirs")
    table("theirs", "json")
    table("theirs", "csv")
    step("rdbsh import json", ours + ["import", "-f", path_json, "--table", "ours.json", "--pkey", "id", "--force", "-q"])
    step("official import json", py + ["import"] + theirs + ["-f", path_json, "--table", "theirs.json", "--pkey", "id", "--force", "-q"])
    step(f"rdbsh import csv ({mb_csv:.0f} MB)", ours + ["import", "-f", path_csv, "--table", "ours.csv", "--pkey", "id", "--force", "-q"], csv_rows)
    step(f"official import csv ({mb_csv:.0f} MB)", py + ["import"] + theirs + ["-f", path_csv, "--table", "theirs.csv", "--pkey", "id", "--force", "-q"], csv_rows)
    k = args.repeat
    out = lambda name: os.path.join(tmp, name)
    step("rdbsh stream ndjson > /dev/null (reference)", ours + ["--format", "ndjson", "-e", "r.db('ours').table('json')"], runs=k)
    step("rdbsh stream in primary key order (reference)", ours + ["--format", "ndjson", "-e", "r.db('ours').table('json').orderBy({index: 'id'})"], runs=k)
    step("rdbsh export json", ours + ["export", "-e", "ours.json", "-d", out("ex-ours"), "-q"], runs=k, clean=out("ex-ours"))
    step("official export json", py + ["export"] + theirs + ["-e", "ours.json", "-d", out("ex-theirs"), "-q"], runs=k, clean=out("ex-theirs"))
    step("rdbsh dump", ours + ["dump", "-e", "ours.json", "-f", out("ours.tar.gz"), "-q"], runs=k, clean=out("ours"))
    step("official dump", py + ["dump"] + theirs + ["-e", "ours.json", "-f", out("theirs.tar.gz"), "-q"], runs=k, clean=out("theirs"))
    r.db_drop("ours").run(conn)
    step("rdbsh restore", ours + ["restore", os.path.join(tmp, "ours.tar.gz"), "-q"])
    r.db_drop("ours").run(conn)
    step("official restore", py + ["restore"] + theirs + [os.path.join(tmp, "theirs.tar.gz"), "-q"])

    print(f"\n{n:,} documents of ~{size:.0f} bytes, RethinkDB 2.4.4 over TLS + SCRAM, soft durability")
    print(f"{'step':<46} {'docs/s':>10} {'wall s':>8} {'cpu s':>7} {'rss MiB':>8}")
    for label, docs, wall, cpu, rss in results:
        print(f"{label:<46} {docs / wall:>10,.0f} {wall:>8.2f} {cpu:>7.2f} {rss:>8.1f}")
    print(json.dumps({"docs": n, "results": results}))


if __name__ == "__main__":
    main()
