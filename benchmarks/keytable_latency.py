"""Worst single-insert latency while a table grows to 10 million keys: the compiled
key table rehashes incrementally (no operation moves more than one bucket chain),
a dict copies its whole table at each resize. Each insert is timed alone
(perf_counter_ns around the store; the key is made before the clock starts), by wall
clock and by the thread's CPU time: on a shared machine a wall-clock outlier of one
scheduler tick (4 ms at HZ=250) with no CPU time behind it is another process running.

    .venv/bin/python benchmarks/keytable_latency.py [--keys 10000000] [--dict] [--ttl]
"""
import argparse
import gc
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keys", type=int, default=10_000_000)
    ap.add_argument("--dict", action="store_true", help="measure a dict instead")
    ap.add_argument("--ttl", action="store_true", help="give every key a deadline")
    args = ap.parse_args()
    gc.disable()
    if args.dict:
        t = {}
    else:
        from shardis.native import KeyTable
        t = KeyTable()
    clock, cpu = time.perf_counter_ns, time.thread_time_ns
    worst = []                 # (wall ns, cpu ns, index) of the 10 slowest inserts
    floor = 0
    worst_cpu = []             # (cpu ns, index) of the 10 most CPU-costly inserts
    cfloor = 0
    over_ms = over_100us = 0
    total0 = clock()
    v = b"value:0000000000"
    if args.ttl and not args.dict:
        def put(k, set_=t.set):
            set_(k, v, deadline=1_800_000_000_000)
    else:
        put = t.__setitem__
        _put = put

        def put(k):
            _put(k, v)
    for i in range(args.keys):
        k = b"key:%012d" % i
        c0 = cpu()
        t0 = clock()
        put(k)
        dt = clock() - t0
        dc = cpu() - c0
        if dc > cfloor:
            worst_cpu.append((dc, i))
            worst_cpu.sort(reverse=True)
            del worst_cpu[10:]
            cfloor = worst_cpu[-1][0] if len(worst_cpu) == 10 else 0
        if dt > floor:
            worst.append((dt, dc, i))
            worst.sort(reverse=True)
            del worst[10:]
            floor = worst[-1][0] if len(worst) == 10 else 0
        if dt > 100_000:
            over_100us += 1
            if dt > 1_000_000:
                over_ms += 1
    total = (clock() - total0) / 1e9
    name = "dict" if args.dict else "KeyTable"
    print(f"{name}: {args.keys:,} inserts in {total:.1f}s; worst wall {worst[0][0] / 1e6:.3f} ms "
          f"(at key {worst[0][2]:,}); worst CPU {worst_cpu[0][0] / 1e6:.3f} ms (at key {worst_cpu[0][1]:,}); "
          f"inserts over 100 us wall: {over_100us}, over 1 ms: {over_ms}")
    print("10 slowest by wall (wall ms / cpu ms @ key):",
          ", ".join(f"{w / 1e6:.3f}/{c / 1e6:.3f}@{i:,}" for w, c, i in worst))
    print("10 most CPU-costly (cpu ms @ key):", ", ".join(f"{c / 1e6:.3f}@{i:,}" for c, i in worst_cpu))
    if not args.dict:
        print("stats:", t.stats())


if __name__ == "__main__":
    main()
