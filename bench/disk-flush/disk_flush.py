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

With --writer-mbps, a second process meanwhile writes random 8 KiB pages into a 512 MiB file in the same directory
at that rate without fsync: what PostgreSQL's data pages are when a backend evicts them and nothing flushes them,
so the kernel writes them back in bursts (every dirty_writeback_centisecs, once older than dirty_expire_centisecs).
With --writer-flush-after KB it also asks the kernel to start writing every KB it wrote (sync_file_range, which is
what PostgreSQL's backend_flush_after / bgwriter_flush_after / checkpoint_flush_after do): the same bytes, smoothed.
Comparing the three runs says whether this disk's long flushes come from write-back bursts of buffered data.
"""
import argparse
import ctypes
import multiprocessing
import os
import random
import statistics
import tempfile
import time


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, int(round(p / 100.0 * (len(sorted_values) - 1)))))
    return sorted_values[k]


SYNC_FILE_RANGE_WRITE = 2  # linux/fs.h: start write-out of dirty pages in the range, do not wait


def sync_file_range(fd, offset, nbytes, flags):
    libc = ctypes.CDLL(None, use_errno=True)
    libc.sync_file_range.argtypes = [ctypes.c_int, ctypes.c_longlong, ctypes.c_longlong, ctypes.c_uint]
    if libc.sync_file_range(fd, offset, nbytes, flags) != 0:
        raise OSError(ctypes.get_errno(), "sync_file_range")


def background_writer(directory, mbps, flush_after_kb, stop):
    """Random 8 KiB buffered page writes at mbps MB/s, optionally pushed to the disk every flush_after_kb KiB."""
    fd, path = tempfile.mkstemp(prefix="disk-flush-writer-", dir=directory)
    try:
        size = 512 * 1024 * 1024
        os.ftruncate(fd, size)
        page = os.urandom(8192)
        pages = size // 8192
        per_tick = max(1, int(mbps * 1024 * 1024 / 8192 / 100))
        unflushed = 0
        while not stop.is_set():
            for _ in range(per_tick):
                os.pwrite(fd, page, random.randrange(pages) * 8192)
                unflushed += 8192
                if flush_after_kb and unflushed >= flush_after_kb * 1024:
                    sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE)
                    unflushed = 0
            time.sleep(0.01)
    finally:
        os.close(fd)
        os.unlink(path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", default=tempfile.gettempdir(), help="a directory on the disk to measure")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to flush")
    parser.add_argument("--bytes", type=int, default=8192, help="bytes written before each fdatasync (a WAL page is 8 KiB)")
    parser.add_argument("--thresholds", default="5,10,50,100", help="the T values in ms to report the bound for")
    parser.add_argument("--writer-mbps", type=float, default=0.0, help="meanwhile, buffered random page writes at this rate (MB/s) from another process")
    parser.add_argument("--writer-flush-after", type=int, default=0, help="the writer starts write-back every this many KiB (0: leaves it to the kernel)")
    args = parser.parse_args()

    thresholds = [float(t) for t in args.thresholds.split(",")]
    fd, path = tempfile.mkstemp(prefix="disk-flush-", dir=args.dir)
    block = os.urandom(args.bytes)
    durations = []
    stop = multiprocessing.Event()
    writer = None
    if args.writer_mbps > 0:
        writer = multiprocessing.Process(target=background_writer, args=(args.dir, args.writer_mbps, args.writer_flush_after, stop), daemon=True)
        writer.start()
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
            durations.append((t0 - started, time.perf_counter() - t0))
            offset = (offset + args.bytes) % segment
        elapsed = time.perf_counter() - started
    finally:
        stop.set()
        if writer is not None:
            writer.join(timeout=10)
        os.close(fd)
        os.unlink(path)

    ms = sorted(d * 1000.0 for _, d in durations)
    print(f"disk flush probe: {len(ms)} flushes of {args.bytes} B + fdatasync in {elapsed:.1f} s on {args.dir}"
          f" ({os.statvfs(args.dir).f_bsize} B blocks); load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if writer is not None:
        how = f"write-back started every {args.writer_flush_after} KiB" if args.writer_flush_after else "write-back left to the kernel"
        print(f"meanwhile: another process wrote random 8 KiB pages at {args.writer_mbps:g} MB/s without fsync, {how}")
    print(f"flush ms: mean {statistics.fmean(ms):.2f}, p50 {percentile(ms, 50):.2f}, p90 {percentile(ms, 90):.2f},"
          f" p99 {percentile(ms, 99):.2f}, p99.9 {percentile(ms, 99.9):.2f}, max {ms[-1]:.2f}")
    for t in thresholds:
        over = [d for d in ms if d > t]
        stalled = sum(d - t for d in over) / 1000.0
        share = 100.0 * stalled / elapsed
        verdict = "p99 < %g ms impossible for a durable service on this disk" % t if share > 1.0 else "does not rule out p99 < %g ms" % t
        print(f"T={t:g} ms: {len(over)} flushes longer (longest {max(over) if over else 0:.1f} ms); "
              f"at least {share:.2f} % of requests wait > {t:g} ms: {verdict}")
    slow = [(at, d * 1000.0) for at, d in durations if d * 1000.0 > 50]
    print("flushes over 50 ms at (s into the run: ms): " + (", ".join(f"{at:.1f}: {d:.0f}" for at, d in slow[:40]) or "none"))


if __name__ == "__main__":
    main()
