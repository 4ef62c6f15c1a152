#!/usr/bin/env python3
"""The disk's own floor under any durable commit: how long an 8 KiB write + fdatasync takes on this disk.

A signature (or a slot duty) that must be durable before it leaves waits for at least one WAL flush that starts
after the request arrives. PostgreSQL with wal_sync_method=fdatasync flushes the WAL the same way this probe does:
write the WAL page(s), then fdatasync. This probe flushes back to back for a while and records every flush, then
derives an optimistic lower bound for a durable service on this disk:

    a request arriving while a flush is in progress waits at least for that flush to end, and then for its own
    flush (counted here as taking no time at all);

so the share of requests that must wait longer than T is at least the share of wall time during which the current
flush still has more than T to go: sum(max(0, d - T)) / elapsed over flushes of duration d. If that share is above
1 %, no durable design on this disk can have p99 under T, whatever the software does.

Run it on the disk PostgreSQL writes to (a file in the data directory's filesystem), on a quiet machine:

    python3 bench/disk-flush/disk_flush.py --dir /var/lib/postgresql --seconds 60
"""
import argparse
import os
import statistics
import tempfile
import time


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, int(round(p / 100.0 * (len(sorted_values) - 1)))))
    return sorted_values[k]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", default=tempfile.gettempdir(), help="a directory on the disk to measure")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to flush")
    parser.add_argument("--bytes", type=int, default=8192, help="bytes written before each fdatasync (a WAL page is 8 KiB)")
    parser.add_argument("--thresholds", default="5,10,50,100", help="the T values in ms to report the bound for")
    args = parser.parse_args()

    thresholds = [float(t) for t in args.thresholds.split(",")]
    fd, path = tempfile.mkstemp(prefix="disk-flush-", dir=args.dir)
    block = os.urandom(args.bytes)
    durations = []
    try:
        # Preallocate like a WAL segment (16 MiB), so the probe measures flushes, not file growth.
        segment = 16 * 1024 * 1024
        os.posix_fallocate(fd, 0, segment)
        os.fsync(fd)
        offset = 0
        started = time.perf_counter()
        deadline = started + args.seconds
        while True:
            t0 = time.perf_counter()
            if t0 >= deadline:
                break
            os.pwrite(fd, block, offset)
            os.fdatasync(fd)
            durations.append(time.perf_counter() - t0)
            offset = (offset + args.bytes) % segment
        elapsed = time.perf_counter() - started
    finally:
        os.close(fd)
        os.unlink(path)

    ms = sorted(d * 1000.0 for d in durations)
    print(f"disk flush probe: {len(ms)} flushes of {args.bytes} B + fdatasync in {elapsed:.1f} s on {args.dir}"
          f" ({os.statvfs(args.dir).f_bsize} B blocks); load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"flush ms: mean {statistics.fmean(ms):.2f}, p50 {percentile(ms, 50):.2f}, p90 {percentile(ms, 90):.2f},"
          f" p99 {percentile(ms, 99):.2f}, p99.9 {percentile(ms, 99.9):.2f}, max {ms[-1]:.2f}")
    for t in thresholds:
        over = [d for d in ms if d > t]
        stalled = sum(d - t for d in over) / 1000.0
        share = 100.0 * stalled / elapsed
        verdict = "p99 < %g ms impossible for a durable service on this disk" % t if share > 1.0 else "does not rule out p99 < %g ms" % t
        print(f"T={t:g} ms: {len(over)} flushes longer (longest {max(over) if over else 0:.1f} ms); "
              f"at least {share:.2f} % of requests wait > {t:g} ms: {verdict}")


if __name__ == "__main__":
    main()
