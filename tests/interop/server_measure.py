#!/usr/bin/env python3
"""Measures the client-facing server: binds per second and memory per idle bound session.

Usage: python3 tests/interop/server_measure.py [--binary target/release/smppd] [--sessions 10000]
           [--concurrency 200]

Starts `smppd run` on an ephemeral port with a generated config (one account, an argon2
password hash, limits opened up for a load test), raises the fd limit, binds N transceiver
sessions from asyncio and keeps them idle, then reports:
  * binds/s: N binds (connect + bind_transceiver + bind_resp) over the wall time, with
    `concurrency` binds in flight;
  * bytes per idle bound session: (server RSS with N idle bound sessions − RSS before) / N.
Not a test (timings vary with the machine); the numbers go in the closing report.
"""
import argparse
import asyncio
import os
import resource
import struct
import subprocess
import sys
import tempfile
import time


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def cpu_seconds(pid):
    """utime + stime of the process, in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bind_pdu(seq, system_id, password):
    body = system_id.encode() + b"\0" + password.encode() + b"\0" + b"\0" + bytes([0x34, 0, 0]) + b"\0"
    return struct.pack(">IIII", 16 + len(body), 0x09, 0, seq) + body


async def bind_one(port, password, sem, results):
    async with sem:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(bind_pdu(1, "load", password))
        await writer.drain()
        head = await reader.readexactly(16)
        length, cid, status, seq = struct.unpack(">IIII", head)
        await reader.readexactly(length - 16)
        results.append(status)
        return reader, writer


async def main_async(args, port, password):
    sem = asyncio.Semaphore(args.concurrency)
    results = []
    start = time.perf_counter()
    conns = await asyncio.gather(*(bind_one(port, password, sem, results) for _ in range(args.sessions)))
    elapsed = time.perf_counter() - start
    return conns, results, elapsed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default="target/release/smppd")
    ap.add_argument("--sessions", type=int, default=10000)
    ap.add_argument("--concurrency", type=int, default=200)
    args = ap.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, args.sessions * 2 + 1000)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, want), hard))

    password = "loadpw1"
    phc = subprocess.run([args.binary, "hash-password"], input=password + "\n", capture_output=True,
                         text=True, check=True).stdout.strip()
    cfg = f"""
[server]
listen = ["127.0.0.1:0"]
max_connections = {args.sessions + 100}
enquire_link_interval = "10m"
inactivity_timeout = "20m"
session_init_timeout = "60s"
[server.auth]
binds_per_second = 1000000.0
bind_burst = 1000000
[[accounts]]
system_id = "load"
password_hash = "{phc}"
allowed_ips = ["127.0.0.1"]
max_binds = {args.sessions + 10}
"""
    with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as f:
        f.write(cfg)
        path = f.name
    env = dict(os.environ, RUST_LOG="warn")
    proc = subprocess.Popen([args.binary, "run", "--config", path], stdout=subprocess.PIPE, env=env,
                            text=True)
    try:
        line = proc.stdout.readline()
        port = int(line.strip().rsplit(":", 1)[1])
        time.sleep(0.5)
        before = rss_kib(proc.pid)
        cpu_before = cpu_seconds(proc.pid)
        loop = asyncio.new_event_loop()
        conns, results, elapsed = loop.run_until_complete(main_async(args, port, password))
        ok = sum(1 for s in results if s == 0)
        cpu = cpu_seconds(proc.pid) - cpu_before
        time.sleep(2.0)  # let the server settle with every session idle
        after = rss_kib(proc.pid)
        per = (after - before) * 1024 / max(ok, 1)
        print(f"sessions bound: {ok}/{args.sessions} (statuses other than 0: "
              f"{sorted(set(s for s in results if s != 0))})")
        print(f"binds/s: {ok / elapsed:.0f} ({ok} binds in {elapsed:.2f} s, concurrency {args.concurrency})")
        print(f"server CPU: {cpu:.2f} s for {ok} binds → {ok / max(cpu, 1e-9):.0f} binds per server CPU-second "
              f"(the wall-clock rate above is bounded by this single-threaded python client)")
        print(f"server RSS: {before} KiB idle → {after} KiB with {ok} bound sessions")
        print(f"memory per idle bound session: {per:.0f} bytes")
        for _, w in conns:
            w.close()
        loop.run_until_complete(asyncio.sleep(1.0))
        loop.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        os.unlink(path)


if __name__ == "__main__":
    main()
