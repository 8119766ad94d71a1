#!/usr/bin/env python3
"""Stream N documents from a server to rdbsh and to the official Python driver.

Two servers, each in its own process with TLS + SCRAM and a password: the real RethinkDB
2.4.4 from ../shared/rethinkdb (the figures users will compare) and `rdbsh sandbox`. Both
clients read the same table to the end as NDJSON into /dev/null, and the script prints for
each: wall time, client CPU time, the server's CPU time during the run, and the client's
peak RSS. It also times start-up: `rdbsh -e 'r.expr(1)'` against `python -c` doing the same.

    cargo build --release
    python3 benches/stream_vs_python.py [--docs 1000000] [--runs 5] [--server real|sandbox|both]

Needs: python3, openssl, and the official driver (`pip install rethinkdb`).
"""

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from bench_common import PASSWORD, ROOT, free_port, make_cert


def proc_cpu(pid):
    """User + system CPU seconds of a running process, from /proc."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def measure(cmd, env, server_pid, stdin=None):
    """Run cmd with stdout to /dev/null; return wall, client cpu, server cpu, peak rss (MiB)."""
    server_before = proc_cpu(server_pid)
    start = time.perf_counter()
    with open(os.devnull, "wb") as devnull:
        proc = subprocess.Popen(cmd, env=env, stdout=devnull, stdin=subprocess.PIPE if stdin else None)
        if stdin:
            proc.stdin.write(stdin.encode())
            proc.stdin.close()
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    server = proc_cpu(server_pid) - server_before
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"command failed ({status}): {' '.join(cmd)}")
    return wall, usage.ru_utime + usage.ru_stime, server, usage.ru_maxrss / 1024


REAL_SERVER = os.environ.get(
    "RDBSH_RETHINKDB", os.path.join(ROOT, "..", "shared", "rethinkdb", "rethinkdb"))


def start_sandbox(rdbsh, cert, key, env, tmp):
    """`rdbsh sandbox` on a free port; returns (process, port)."""
    port = free_port()
    server = subprocess.Popen(
        [rdbsh, "sandbox", "--listen", f"127.0.0.1:{port}", "--tls-cert", cert,
         "--tls-key", key, "--password-env", "RDBSH_BENCH_PW", "--no-demo"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        except OSError:
            time.sleep(0.05)
    return server, port


def start_real(rdbsh, cert, key, env, tmp):
    """RethinkDB 2.4.4 in a fresh directory; returns (process, port) once it is ready."""
    server = subprocess.Popen(
        [REAL_SERVER, "--directory", os.path.join(tmp, "data"), "--bind", "127.0.0.1",
         "--driver-port", "0", "--cluster-port", "0", "--no-http-admin", "--no-update-check",
         "--initial-password", PASSWORD, "--driver-tls-cert", cert, "--driver-tls-key", key],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    port = None
    for line in server.stdout:
        if line.startswith("Listening for client driver connections on port "):
            port = int(line.rsplit(" ", 1)[1])
        if line.startswith("Server ready"):
            break
    if port is None:
        sys.exit("the real server did not start")
    # Keep reading its output so it never blocks on a full pipe.
    threading.Thread(target=lambda: [None for _ in server.stdout], daemon=True).start()
    return server, port


def seed(rdbsh, env, docs):
    print(f"seeding {docs:,} documents ...", file=sys.stderr)
    chunk = 100_000
    statements = ["r.db('test').tableCreate('docs')"]
    for lo in range(0, docs, chunk):
        hi = min(docs, lo + chunk)
        statements.append(
            f"r.db('test').table('docs').insert(r.range({lo}, {hi}).map(function (i) {{"
            " return {id: i, name: r.expr('user-').add(i.coerceTo('string')),"
            " score: i.mod(100), tags: ['a', 'b'], nested: {x: i, y: 'some text'}}; }))")
    subprocess.run(rdbsh + ["--format", "json"], input="\n".join(statements).encode(),
                   env=env, check=True, stdout=subprocess.DEVNULL)


def bench(kind, args):
    """Seeds one server and measures both clients on it."""
    tmp = tempfile.mkdtemp(prefix="rdbsh-bench-")
    cert, key = make_cert(tmp)
    env = dict(os.environ, RDBSH_BENCH_PW=PASSWORD, NO_COLOR="1")
    env.pop("RDBSH_CONFIG", None)
    start = start_real if kind == "real" else start_sandbox
    server, port = start(args.rdbsh, cert, key, env, tmp)
    try:
        conn_flags = ["--host", "localhost", "--port", str(port), "--ca-cert", cert,
                      "--password-env", "RDBSH_BENCH_PW"]
        rdbsh = [args.rdbsh] + conn_flags
        seed(rdbsh, env, args.docs)
        connect = (f"c = r.connect(host='localhost', port={port}, user='admin',"
                   f" password={PASSWORD!r}, ssl={{'ca_certs': {cert!r}}})\n")
        py_stream = (
            "import sys, json\n"
            "from rethinkdb import r\n" + connect +
            "w = sys.stdout.write\n"
            "for row in r.db('test').table('docs').run(c):\n"
            "    w(json.dumps(row) + '\\n')\n")
        py_one = "from rethinkdb import r\n" + connect + "print(r.expr(1).run(c))\n"

        results = {}
        results["rdbsh"] = measure(rdbsh + ["--format", "ndjson", "-e", "r.db('test').table('docs')"],
                                   env, server.pid)
        results["python"] = measure([sys.executable, "-c", py_stream], env, server.pid)

        def startup(cmd):
            walls = [measure(cmd, env, server.pid)[0] for _ in range(args.runs)]
            return statistics.median(walls)

        results["startup"] = (startup(rdbsh + ["-e", "r.expr(1)"]),
                              startup([sys.executable, "-c", py_one]))
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    return results


def report(kind, docs, runs, results):
    name = "RethinkDB 2.4.4" if kind == "real" else "rdbsh sandbox"
    print(f"\n{name}: stream of {docs:,} documents over TLS + SCRAM, NDJSON to /dev/null")
    print(f"{'client':<8} {'wall s':>8} {'client cpu s':>13} {'server cpu s':>13} {'peak rss MiB':>13}")
    for client in ("rdbsh", "python"):
        wall, cpu, srv, rss = results[client]
        print(f"{client:<8} {wall:>8.2f} {cpu:>13.2f} {srv:>13.2f} {rss:>13.1f}")
    rw, rc, rs, _ = results["rdbsh"]
    pw = results["python"][0]
    start_rdbsh, start_py = results["startup"]
    print(f"rdbsh wall / python wall = {rw / pw:.2f}   rdbsh cpu / server cpu = {rc / rs:.2%}")
    print(f"start-up (median of {runs}): rdbsh {start_rdbsh * 1000:.0f} ms, python {start_py * 1000:.0f} ms"
          f" ({start_rdbsh / start_py:.2f}x)")
    print(json.dumps({"server": kind, "docs": docs, "rdbsh": results["rdbsh"],
                      "python": results["python"], "startup_rdbsh_s": start_rdbsh,
                      "startup_python_s": start_py}))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=5, help="start-up runs per client")
    ap.add_argument("--server", choices=["real", "sandbox", "both"], default="both")
    ap.add_argument("--rdbsh", default=os.path.join(ROOT, "target", "release", "rdbsh"))
    args = ap.parse_args()
    if not os.path.exists(args.rdbsh):
        sys.exit(f"{args.rdbsh} not found: run `cargo build --release` first")
    kinds = ["real", "sandbox"] if args.server == "both" else [args.server]
    if "real" in kinds and not os.path.exists(REAL_SERVER):
        sys.exit(f"no RethinkDB at {REAL_SERVER}: set RDBSH_RETHINKDB or use --server sandbox")
    for kind in kinds:
        report(kind, args.docs, args.runs, bench(kind, args))


if __name__ == "__main__":
    main()
