#!/usr/bin/env python3
"""Stream N documents from a sandbox server to rdbsh and to the official Python driver.

The server runs in its own process (`rdbsh sandbox`, TLS + SCRAM with a password), both
clients read the same table to the end as NDJSON into /dev/null, and the script prints for
each: wall time, client CPU time, the server's CPU time during the run, and the client's
peak RSS. It also times start-up: `rdbsh -e 'r.expr(1)'` against `python -c` doing the same.

    cargo build --release
    python3 benches/stream_vs_python.py [--docs 1000000] [--runs 5]

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
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PASSWORD = "bench-password"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_cert(tmp):
    cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
         "-keyout", key, "-out", cert],
        check=True, capture_output=True)
    return cert, key


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


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=5, help="start-up runs per client")
    ap.add_argument("--rdbsh", default=os.path.join(ROOT, "target", "release", "rdbsh"))
    args = ap.parse_args()
    if not os.path.exists(args.rdbsh):
        sys.exit(f"{args.rdbsh} not found: run `cargo build --release` first")

    tmp = tempfile.mkdtemp(prefix="rdbsh-bench-")
    cert, key = make_cert(tmp)
    port = free_port()
    env = dict(os.environ, RDBSH_BENCH_PW=PASSWORD, NO_COLOR="1")
    env.pop("RDBSH_CONFIG", None)
    server = subprocess.Popen(
        [args.rdbsh, "sandbox", "--listen", f"127.0.0.1:{port}", "--tls-cert", cert,
         "--tls-key", key, "--password-env", "RDBSH_BENCH_PW", "--no-demo"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        conn_flags = ["--host", "localhost", "--port", str(port), "--ca-cert", cert,
                      "--password-env", "RDBSH_BENCH_PW"]
        rdbsh = [args.rdbsh] + conn_flags
        print(f"seeding {args.docs:,} documents ...", file=sys.stderr)
        chunk = 100_000
        seed = ["r.db('test').tableCreate('docs')"]
        for lo in range(0, args.docs, chunk):
            hi = min(args.docs, lo + chunk)
            seed.append(
                f"r.db('test').table('docs').insert(r.range({lo}, {hi}).map(function (i) {{"
                " return {id: i, name: r.expr('user-').add(i.coerceTo('string')),"
                " score: i.mod(100), tags: ['a', 'b'], nested: {x: i, y: 'some text'}}; }))")
        subprocess.run(rdbsh + ["--format", "json"], input="\n".join(seed).encode(),
                       env=env, check=True, stdout=subprocess.DEVNULL)

        py_stream = (
            "import sys, json\n"
            "from rethinkdb import r\n"
            f"c = r.connect(host='localhost', port={port}, user='admin', password={PASSWORD!r},"
            f" ssl={{'ca_certs': {cert!r}}})\n"
            "w = sys.stdout.write\n"
            "for row in r.db('test').table('docs').run(c):\n"
            "    w(json.dumps(row) + '\\n')\n")
        py_one = (
            "from rethinkdb import r\n"
            f"c = r.connect(host='localhost', port={port}, user='admin', password={PASSWORD!r},"
            f" ssl={{'ca_certs': {cert!r}}})\n"
            "print(r.expr(1).run(c))\n")

        results = {}
        results["rdbsh"] = measure(rdbsh + ["--format", "ndjson", "-e", "r.db('test').table('docs')"],
                                   env, server.pid)
        results["python"] = measure([sys.executable, "-c", py_stream], env, server.pid)

        def startup(cmd):
            walls = [measure(cmd, env, server.pid)[0] for _ in range(args.runs)]
            return statistics.median(walls)

        start_rdbsh = startup(rdbsh + ["-e", "r.expr(1)"])
        start_py = startup([sys.executable, "-c", py_one])
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(tmp, ignore_errors=True)

    print(f"\nstream of {args.docs:,} documents over TLS + SCRAM, NDJSON to /dev/null")
    print(f"{'client':<8} {'wall s':>8} {'client cpu s':>13} {'server cpu s':>13} {'peak rss MiB':>13}")
    for name, (wall, cpu, srv, rss) in results.items():
        print(f"{name:<8} {wall:>8.2f} {cpu:>13.2f} {srv:>13.2f} {rss:>13.1f}")
    rw, rc, rs, rr = results["rdbsh"]
    pw = results["python"][0]
    print(f"\nrdbsh wall / python wall = {rw / pw:.2f}   rdbsh cpu / server cpu = {rc / rs:.2%}")
    print(f"start-up (median of {args.runs}): rdbsh {start_rdbsh * 1000:.0f} ms, python {start_py * 1000:.0f} ms"
          f" ({start_rdbsh / start_py:.2f}x)")
    print(json.dumps({"docs": args.docs, "rdbsh": results["rdbsh"], "python": results["python"],
                      "startup_rdbsh_s": start_rdbsh, "startup_python_s": start_py}))


if __name__ == "__main__":
    main()
