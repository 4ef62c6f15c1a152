using System.Diagnostics;
using System.Globalization;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Telemetry;
using Hosting.L1.Crypto;
using Hosting.Signing;
using Hosting.Signing.Keystore;
using Npgsql;

// dotnet run -c Release --project bench/SigningLoad -- [gate|keystore|all] [seconds per gate run] [gate variants, comma-separated] [key counts, comma-separated] [loads: closed and/or rates per second, comma-separated]
// (defaults: 10 s, gate, 1,16,256, closed,1000,2000; fewer key counts and loads serve a profiler, e.g. `gate 20 gate 16 2000`).
// Needs HOSTING_TEST_POSTGRES (a server where databases may be created) for the gate runs and python3 for the native scrypt baseline.
// Gate variants (A/B in one run, each key count runs every variant back to back; default "gate"):
//   gate     the gate as configured by default (with the fast path, infra/postgres/080, since 2026-11-26 19:30)
//   full     the default gate without the fast path: every batch goes to the full rule signing_gate_decide
//   pooled   connections from the pool per batch, batches started through Task.Run (the gate before 2026-11-25 23:00)
//   held     pooled, but connections held between batches with prepared statements
//   inline   held, and batches started inline (no thread-pool hop) = the default
//   depth2   inline, and a key's next batch sent while the current one commits (MaxBatchesPerKey = 2)
//   conc1, conc2, conc4  the gate with MaxConcurrentBatches = 1, 2 or 4 (default 2 since 2026-11-26, 4 before)
//   flush256 the default gate on connections with backend_flush_after = 256kB: the data pages its backends write
//            are pushed to the disk every 256 KiB instead of left to the kernel's write-back bursts
var what = args.Length > 0 ? args[0] : "all";
var seconds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10;
var variants = args.Length > 2 ? args[2].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : ["gate"];
var keyCounts = args.Length > 3 ? args[3].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(k => int.Parse(k, CultureInfo.InvariantCulture)).ToArray() : [1, 16, 256];
var loads = args.Length > 4 ? args[4].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : ["closed", "1000", "2000"];
Console.WriteLine($"# {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}, secp256k1: {Secp256k1.Default.Name}, scrypt: {Scrypt.Implementation}");
if (what is "gate" or "all")
{
    await GateBench.RunAsync(seconds, variants, keyCounts, loads);
}
if (what is "keystore" or "all")
{
    await KeystoreBench.RunAsync();
}

internal static class GateBench
{
    public static SigningGateOptions Variant(string variant) => variant switch
    {
        "gate" => new SigningGateOptions(),
        "full" => new SigningGateOptions { FastPath = false },
        "pooled" => new SigningGateOptions { HoldConnections = false, StartInline = false, MaxBatchesPerKey = 1 },
        "held" => new SigningGateOptions { HoldConnections = true, StartInline = false, MaxBatchesPerKey = 1 },
        "inline" => new SigningGateOptions { HoldConnections = true, StartInline = true, MaxBatchesPerKey = 1 },
        "depth2" => new SigningGateOptions { HoldConnections = true, StartInline = true, MaxBatchesPerKey = 2 },
        "flush256" => new SigningGateOptions(),
        "conc1" => new SigningGateOptions { MaxConcurrentBatches = 1 },
        "conc2" => new SigningGateOptions { MaxConcurrentBatches = 2 },
        "conc4" => new SigningGateOptions { MaxConcurrentBatches = 4 },
        _ => throw new ArgumentException($"unknown gate variant '{variant}'; expected gate, full, pooled, held, inline, depth2, flush256, conc1, conc2 or conc4"),
    };

    public static async Task RunAsync(int seconds, string[] variants, int[] keyCounts, string[] loads)
    {
        foreach (var variant in variants)
        {
            Variant(variant);
        }
        var admin = new NpgsqlConnectionStringBuilder(Environment.GetEnvironmentVariable("HOSTING_TEST_POSTGRES") ?? throw new InvalidOperationException("set HOSTING_TEST_POSTGRES"));
        admin.Database ??= "postgres";
        var name = $"signing_bench_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(admin.ConnectionString))
        {
            await connection.OpenAsync();
            await using var settings = new NpgsqlCommand("select current_setting('fsync') || ' fsync, synchronous_commit ' || current_setting('synchronous_commit') || ', shared_buffers ' || current_setting('shared_buffers') || ', ' || version()", connection);
            Console.WriteLine($"PostgreSQL: {await settings.ExecuteScalarAsync()}");
            // The autovacuum launcher starts a worker for each database once per naptime, and this bench counts every
            // postgres process's CPU: with 267 leftover test databases that churn was 100 ms of CPU per second while idle
            // (2026-11-26 19:35), about 50 us per signature at 2,000/s. Drop leftover databases before measuring.
            await using var databases = new NpgsqlCommand("select count(*)::int, current_setting('autovacuum_naptime') from pg_database where datallowconn", connection);
            await using (var reader = await databases.ExecuteReaderAsync())
            {
                await reader.ReadAsync();
                var (count, naptime) = (reader.GetInt32(0), reader.GetString(1));
                Console.WriteLine($"Databases on the server: {count} (autovacuum visits each once per {naptime}){(count > 20 ? "; WARNING: that many start an autovacuum worker several times a second, which PostgreSQL's CPU per signature below includes. Drop leftover databases first." : "")}");
            }
            await new NpgsqlCommand($"create database \"{name}\"", connection).ExecuteNonQueryAsync();
        }
        var database = new NpgsqlConnectionStringBuilder(admin.ConnectionString) { Database = name, MaxPoolSize = 50 }.ConnectionString;
        await using var dataSource = NpgsqlDataSource.Create(database);
        await using var flushingDataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(database) { Options = "-c backend_flush_after=256kB" }.ConnectionString);
        // Every migration, in the order the silo applies them (the gate's functions and the key table's columns, 060 among them).
        foreach (var script in Directory.GetFiles(Path.Combine(FindRoot(), "infra", "postgres"), "*.sql").Order(StringComparer.Ordinal))
        {
            await dataSource.CreateCommand(await File.ReadAllTextAsync(script)).ExecuteNonQueryAsync();
        }

        await CommitFloorAsync(dataSource, seconds);
        Console.WriteLine();
        Console.WriteLine("Closed loop: a fixed number of requests in flight, each followed at once by the next (maximum throughput).");
        Console.WriteLine("Open loop: requests offered at a fixed rate whatever the answers (latency at that load).");
        Console.WriteLine();
        // The disk probe fsyncs 500 times a second on PostgreSQL's disk, as many flushes as the WAL makes at 2,000/s, and
        // costs 2 % of the CPU: it explains a stall but adds to it, so it runs only when asked (SIGNING_BENCH_DISK_PROBE=1).
        var diskProbe = Environment.GetEnvironmentVariable("SIGNING_BENCH_DISK_PROBE") == "1";
        if (diskProbe)
        {
            DiskFlushProbe.Start();
        }
        SleepProbe.Start();
        Console.WriteLine("| keys | variant | load | signatures/s | p50 ms | p99 ms | max ms | signatures | signatures per commit | CPU per signature: this process / PostgreSQL, allocated per signature | meanwhile: GC pause ms (gen2), checkpoints, vacuum/analyze, slowest disk flush ms (off: not probed, SIGNING_BENCH_DISK_PROBE=1 probes), WAL bytes per signature (full-page images per signature), WAL flushes per signature, data pages written by backends themselves, CPU stolen by the hypervisor, longest oversleep of a 1 ms sleep ms |");
        Console.WriteLine("|---:|---|---|---:|---:|---:|---:|---:|---:|---|---|");
        foreach (var keys in keyCounts)
        {
            using var keystores = new KeystoreBackend();
            var custody = new KeyCustody(dataSource, [keystores], new SigningGateOptions { NodeName = "bench" });
            var inputs = Enumerable.Range(0, keys).Select(_ => new KeystoreInput(Web3Keystore.Encrypt(RandomSecret(), "pw", new KeystoreKdf("pbkdf2", 1)), "pw")).ToList();
            var addresses = (await custody.RegisterKeystoresAsync("bench", inputs, "bench")).Select(r => r.Key!.Address).ToArray();
            var next = new long[keys];
            foreach (var variant in variants)
            {
                var options = Variant(variant);
                options.NodeName = "bench";
                await using var gate = new SigningGate(variant == "flush256" ? flushingDataSource : dataSource, [keystores], options);
                Task<double> SignNext(int request)
                {
                    var key = request % keys;
                    var slot = (ulong)Interlocked.Increment(ref next[key]);
                    return Timed(gate, addresses[key], slot);
                }

                var inFlight = Math.Max(keys, 64);
                var issued = 0L;
                Task<double> Counted(int request)
                {
                    Interlocked.Increment(ref issued);
                    return SignNext(request);
                }
                async Task PerCommitAsync(string load, Func<Task<(double[], double)>> run)
                {
                    // Signatures per transaction, from the server's own count: how well requests share a durable commit.
                    // Each row starts with nothing of the previous one left to write: a closed-loop row leaves 100-200 MiB of
                    // data pages that the kernel writes back in bursts during the next row, and on this VM a WAL flush then
                    // waits for them (measured 2026-11-26 08:38: 224-301 ms flushes in the rows after closed loops only).
                    await CheckpointAsync(dataSource);
                    var commits = await CommitsAsync(dataSource);
                    var before = Interlocked.Read(ref issued);
                    var background = await BackgroundAsync(dataSource);
                    var rowStarted = Stopwatch.GetTimestamp();
                    var result = await run();
                    var during = (await BackgroundAsync(dataSource)).Since(background) with { DiskFlushMaxMs = diskProbe ? DiskFlushProbe.MaxSince(rowStarted) : null, OversleepMaxMs = SleepProbe.MaxSince(rowStarted), Signatures = Interlocked.Read(ref issued) - before };
                    await Task.Delay(1500); // PostgreSQL publishes backend statistics within a second
                    var ratio = (Interlocked.Read(ref issued) - before) / (double)Math.Max(1, await CommitsAsync(dataSource) - commits - 1);
                    Report(keys, variant, load, result, ratio, during);
                }
                foreach (var load in loads)
                {
                    if (load == "closed")
                    {
                        await PerCommitAsync($"closed, {inFlight} in flight", () => ClosedLoopAsync(Counted, inFlight, seconds));
                    }
                    else
                    {
                        var rate = int.Parse(load, CultureInfo.InvariantCulture);
                        await PerCommitAsync($"open, {rate}/s offered", () => OpenLoopAsync(Counted, rate, seconds));
                    }
                }
            }
            Console.WriteLine($"<!-- load average after {keys} keys: {File.ReadAllText("/proc/loadavg").Trim()} -->");
        }
        await dataSource.DisposeAsync();
        await flushingDataSource.DisposeAsync();
        await using (var connection = new NpgsqlConnection(admin.ConnectionString))
        {
            // Left behind, every bench database costs the server an autovacuum visit per naptime from then on.
            await connection.OpenAsync();
            await new NpgsqlCommand($"drop database \"{name}\" with (force)", connection).ExecuteNonQueryAsync();
        }
    }

    /// <summary>
    /// The floor under any durable gate on this host, measured in the same run: one connection committing a one-row
    /// insert at a time (one round trip and one WAL flush each). A single key's batches can be no faster than this.
    /// </summary>
    private static async Task CommitFloorAsync(NpgsqlDataSource dataSource, int seconds)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await new NpgsqlCommand("create table if not exists commit_floor (id bigint)", connection).ExecuteNonQueryAsync();
        await using var insert = new NpgsqlCommand("insert into commit_floor values (1)", connection);
        var latencies = new List<double>();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(Math.Min(seconds, 3)))
        {
            var began = Stopwatch.GetTimestamp();
            await insert.ExecuteNonQueryAsync();
            latencies.Add(Stopwatch.GetElapsedTime(began).TotalMilliseconds);
        }
        var sorted = latencies.Order().ToArray();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Durable commit floor (one-row insert, autocommit, one connection): {sorted.Length / clock.Elapsed.TotalSeconds:F0} commits/s, p50 {Percentile(sorted, 0.50):F2} ms, p99 {Percentile(sorted, 0.99):F2} ms"));
        Console.WriteLine($"Load average at start: {File.ReadAllText("/proc/loadavg").Trim()}");
    }

    private static async Task CheckpointAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand("checkpoint");
        command.CommandTimeout = 600;
        await command.ExecuteNonQueryAsync();
        await Task.Delay(1000);
    }

    private static async Task<long> CommitsAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand("select xact_commit from pg_stat_database where datname = current_database()");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static void Report(int keys, string variant, string load, (double[] Latencies, double Seconds) run, double perCommit, Background during)
    {
        var sorted = run.Latencies.Order().ToArray();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {keys} | {variant} | {load} | {sorted.Length / run.Seconds:F0} | {Percentile(sorted, 0.50):F2} | {Percentile(sorted, 0.99):F2} | {sorted[^1]:F2} | {sorted.Length} | {perCommit:F1} | {during.PerSignature()} | {during} |"));
    }

    /// <summary>
    /// What else ran while a row was measured, to tell a stall's cause: this process's garbage collection pauses,
    /// PostgreSQL's checkpoints, and autovacuum/autoanalyze of the gate's tables.
    /// </summary>
    private sealed record Background(double GcPauseMs, int Gen2, long Checkpoints, long Vacuums, long WalBytes, long WalFullPages, long WalSyncs, long BackendPages, long StealTicks,
        double OwnCpuMs, double PostgresCpuMs, long Allocated, double? DiskFlushMaxMs = null, double OversleepMaxMs = 0, long Signatures = 0)
    {
        public Background Since(Background before) =>
            new(GcPauseMs - before.GcPauseMs, Gen2 - before.Gen2, Checkpoints - before.Checkpoints, Vacuums - before.Vacuums,
                WalBytes - before.WalBytes, WalFullPages - before.WalFullPages, WalSyncs - before.WalSyncs, BackendPages - before.BackendPages, StealTicks - before.StealTicks,
                OwnCpuMs - before.OwnCpuMs, PostgresCpuMs - before.PostgresCpuMs, Allocated - before.Allocated);

        /// <summary>Where the CPU went per signature: this process (gate and load generator) and every PostgreSQL process, in µs; and what this process allocated, in bytes.</summary>
        public string PerSignature() =>
            string.Create(CultureInfo.InvariantCulture,
                $"{OwnCpuMs * 1000 / Math.Max(1, Signatures):F0} / {PostgresCpuMs * 1000 / Math.Max(1, Signatures):F0} µs, {Allocated / (double)Math.Max(1, Signatures):F0} B");

        /// <summary>What the disk was asked to write per signature: WAL bytes (full-page images among them) and flushes.</summary>
        public override string ToString() =>
            string.Create(CultureInfo.InvariantCulture,
                $"{GcPauseMs:F0} ({Gen2}), {Checkpoints}, {Vacuums}, {(DiskFlushMaxMs is { } flush ? flush.ToString("F0", CultureInfo.InvariantCulture) : "off")}, {WalBytes / (double)Math.Max(1, Signatures):F0} B ({WalFullPages / (double)Math.Max(1, Signatures):F2} full-page images), {WalSyncs / (double)Math.Max(1, Signatures):F2}, {BackendPages * 8 / 1024.0:F1} MiB, {StealTicks * 10} ms, {OversleepMaxMs:F0}");
    }

    /// <summary>
    /// The native reference for a durable commit's floor: a thread that writes 8 KiB and fsyncs it (what a WAL flush
    /// does) every 2 ms, on the temp directory's disk (the same disk as PostgreSQL on this VM). A gate stall that
    /// coincides with a slow flush here is the disk's, not the gate's.
    /// </summary>
    private static class DiskFlushProbe
    {
        private static readonly ProbeSamples Flushes = new();

        public static void Start()
        {
            var path = Path.Combine(Path.GetTempPath(), $"flush-probe-{Environment.ProcessId}.bin");
            var thread = new Thread(() =>
            {
                using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose);
                var block = new byte[8192];
                while (true)
                {
                    var began = Stopwatch.GetTimestamp();
                    file.Position = 0;
                    file.Write(block);
                    file.Flush(flushToDisk: true);
                    Flushes.Add(began, Stopwatch.GetElapsedTime(began).TotalMilliseconds);
                    Thread.Sleep(2);
                }
            }) { IsBackground = true, Name = "disk flush probe" };
            thread.Start();
        }

        public static double MaxSince(long started) =>
            Flushes.MaxSince(started);
    }

    /// <summary>
    /// The scheduling floor, next to the disk's: a thread that sleeps 1 ms at a time and keeps how much longer each
    /// sleep took. A long oversleep means no CPU for this process (the other runnable threads, or the hypervisor's
    /// steal); a long flush without one is the disk.
    /// </summary>
    private static class SleepProbe
    {
        private static readonly ProbeSamples Sleeps = new();

        public static void Start()
        {
            var thread = new Thread(() =>
            {
                while (true)
                {
                    var began = Stopwatch.GetTimestamp();
                    Thread.Sleep(1);
                    Sleeps.Add(began, Stopwatch.GetElapsedTime(began).TotalMilliseconds - 1);
                }
            }) { IsBackground = true, Name = "sleep probe" };
            thread.Start();
        }

        public static double MaxSince(long started) =>
            Sleeps.MaxSince(started);
    }

    /// <summary>A probe's latest samples (the last 500,000), each with when it began, and the worst since a time.</summary>
    private sealed class ProbeSamples
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<(long At, double Ms)> _samples = new();

        public void Add(long at, double ms)
        {
            _samples.Enqueue((at, ms));
            while (_samples.Count > 500_000 && _samples.TryDequeue(out _))
            {
            }
        }

        public double MaxSince(long started) =>
            _samples.ToArray().Where(s => s.At >= started).Select(s => s.Ms).DefaultIfEmpty(0).Max();
    }

    private static async Task<Background> BackgroundAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand(
            "select (select checkpoints_timed + checkpoints_req from pg_stat_bgwriter), "
            + "(select coalesce(sum(autovacuum_count + autoanalyze_count), 0) from pg_stat_user_tables)::bigint, "
            + "wal_bytes::bigint, wal_fpi, wal_sync, (select buffers_backend from pg_stat_bgwriter) from pg_stat_wal");
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return new Background(GC.GetTotalPauseDuration().TotalMilliseconds, GC.CollectionCount(2), reader.GetInt64(0), reader.GetInt64(1),
            reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5), StealTicks(),
            Environment.CpuUsage.TotalTime.TotalMilliseconds, PostgresCpuMs(), GC.GetTotalAllocatedBytes(precise: false));
    }

    /// <summary>User and system CPU of every process named postgres on this machine and of those that exited (/proc/[pid]/stat, USER_HZ ticks of 10 ms), in ms.</summary>
    private static double PostgresCpuMs()
    {
        long ticks = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var open = stat.IndexOf('(');
                var close = stat.LastIndexOf(')');
                if (open < 0 || close < open || !stat.AsSpan(open + 1, close - open - 1).SequenceEqual("postgres"))
                {
                    continue;
                }
                // Fields after the command: state is field 3; utime, stime, cutime and cstime are fields 14-17. The
                // postmaster's cutime and cstime hold the CPU of backends that have exited (a pooled connection pruned).
                var fields = stat[(close + 2)..].Split(' ');
                for (var field = 11; field <= 14; field++)
                {
                    ticks += long.Parse(fields[field], CultureInfo.InvariantCulture);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
                // The process ended while it was read.
            }
        }
        return ticks * 10.0;
    }

    /// <summary>
    /// CPU time the hypervisor gave to other guests while this VM's vCPUs wanted to run (the "steal" column of
    /// /proc/stat, in USER_HZ ticks of 10 ms, summed over all CPUs). A stall that comes with steal is the host's.
    /// </summary>
    private static long StealTicks()
    {
        var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return cpu.Length > 8 ? long.Parse(cpu[8], CultureInfo.InvariantCulture) : 0;
    }

    private static async Task<double> Timed(SigningGate gate, Address key, ulong slot)
    {
        var began = Stopwatch.GetTimestamp();
        await gate.SignAsync(new SigningRequest("bench", key, slot, Duty.Proposal, Payload(slot), "bench"));
        return Stopwatch.GetElapsedTime(began).TotalMilliseconds;
    }

    /// <summary>One second of warm-up, then <paramref name="seconds"/> measured.</summary>
    private static async Task<(double[], double)> ClosedLoopAsync(Func<int, Task<double>> sign, int inFlight, int seconds)
    {
        var latencies = new System.Collections.Concurrent.ConcurrentBag<double>();
        var clock = Stopwatch.StartNew();
        var from = TimeSpan.FromSeconds(1);
        var until = from + TimeSpan.FromSeconds(seconds);
        var counter = 0;
        await Task.WhenAll(Enumerable.Range(0, inFlight).Select(async _ =>
        {
            while (clock.Elapsed < until)
            {
                var started = clock.Elapsed;
                var latency = await sign(Interlocked.Increment(ref counter));
                if (started >= from && clock.Elapsed <= until)
                {
                    latencies.Add(latency);
                }
            }
        }));
        return ([.. latencies], seconds);
    }

    private static async Task<(double[], double)> OpenLoopAsync(Func<int, Task<double>> sign, int rate, int seconds)
    {
        var clock = Stopwatch.StartNew();
        var warmUp = rate; // the first second is warm-up
        var total = rate * (seconds + 1);
        // Each answer's latency goes into one array made up front, and nothing else of a request outlives it. Holding
        // every request's task to the end of the row (as this did before 2026-11-26 17:00) kept 40,000 of them alive
        // per 20 s row: the bench's own garbage, promoted to gen 2, whose collections the gate's latencies then paid for.
        var latencies = new double[total];
        var outstanding = 1;
        Exception? failure = null;
        var answered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Settled()
        {
            if (Interlocked.Decrement(ref outstanding) == 0)
            {
                answered.TrySetResult();
            }
        }
        async Task RecordAsync(int request)
        {
            try
            {
                latencies[request] = await sign(request);
            }
            catch (Exception unexpected)
            {
                Interlocked.CompareExchange(ref failure, unexpected, null);
            }
            Settled();
        }
        var issued = 0;
        while (issued < total)
        {
            var due = Math.Min(total, (int)(clock.Elapsed.TotalSeconds * rate));
            for (; issued < due; issued++)
            {
                Interlocked.Increment(ref outstanding);
                _ = RecordAsync(issued);
            }
            await Task.Delay(1);
        }
        Settled();
        await answered.Task;
        if (failure is not null)
        {
            throw new InvalidOperationException($"a request of the open loop failed: {failure.Message}", failure);
        }
        return (latencies[warmUp..], seconds);
    }

    private static double Percentile(double[] sorted, double p) => sorted[(int)Math.Min(sorted.Length - 1, Math.Ceiling(p * sorted.Length) - 1)];

    private static byte[] Payload(ulong slot) => SigningPayload.Eip712(Keccak256.Hash("bench domain"), Keccak256.Hash($"proposal {slot}"));

    internal static byte[] RandomSecret()
    {
        var secret = new byte[32];
        do
        {
            System.Security.Cryptography.RandomNumberGenerator.Fill(secret);
        }
        while (!Secp256k1.IsValidScalar(secret));
        return secret;
    }

    internal static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Hosting.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("run from inside the repository");
    }
}

internal static class KeystoreBench
{
    public static async Task RunAsync()
    {
        var cores = Environment.ProcessorCount;
        Console.WriteLine();
        Console.WriteLine($"| scrypt parameters | keystores | ours: keys/s ({cores} threads, UnlockManyAsync) | native python3 hashlib.scrypt: keys/s ({cores} processes) | ours / native | managed BouncyCastle scrypt: keys/s (1 thread) |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var (n, count) in new[] { (8192, 64 * cores), (262144, 4 * cores) })
        {
            var inputs = Enumerable.Range(0, count).Select(i => new KeystoreInput(Web3Keystore.Encrypt(GateBench.RandomSecret(), $"pw{i}", new KeystoreKdf("scrypt", n)), $"pw{i}")).ToList();
            using var backend = new KeystoreBackend();
            var watch = Stopwatch.StartNew();
            var results = await backend.UnlockManyAsync(inputs);
            var ours = count / watch.Elapsed.TotalSeconds;
            if (results.Any(r => r.Error is not null))
            {
                throw new InvalidOperationException("a keystore did not open");
            }
            var native = await NativeAsync(n, count, cores);
            var managedCount = n == 8192 ? 8 : 1;
            var derived = new byte[32];
            watch.Restart();
            for (var i = 0; i < managedCount; i++)
            {
                Scrypt.DeriveKey("pw"u8, "salt"u8, n, 8, 1, derived, forceManaged: true);
            }
            var managed = managedCount / watch.Elapsed.TotalSeconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| n={n}, r=8, p=1, dklen=32 | {count} | {ours:F2} | {native:F2} | {ours / native:F2} | {managed:F2} |"));
        }
    }

    /// <summary>The same derivations in python3's hashlib.scrypt (OpenSSL) on every core: the native baseline.</summary>
    private static async Task<double> NativeAsync(int n, int count, int cores)
    {
        const string script = """
import hashlib, os, sys, time
from multiprocessing import Pool
n, count, cores = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
def derive(i):
    return hashlib.scrypt(b"pw%d" % i, salt=os.urandom(32), n=n, r=8, p=1, dklen=32, maxmem=256 * 1024 * 1024 + 16 * 1024 * 1024)
with Pool(cores) as pool:
    pool.map(derive, range(cores))
    start = time.perf_counter()
    pool.map(derive, range(count), chunksize=1)
    print(count / (time.perf_counter() - start))
""";
        var info = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(script);
        info.ArgumentList.Add(n.ToString(CultureInfo.InvariantCulture));
        info.ArgumentList.Add(count.ToString(CultureInfo.InvariantCulture));
        info.ArgumentList.Add(cores.ToString(CultureInfo.InvariantCulture));
        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode == 0 ? double.Parse(output.Trim(), CultureInfo.InvariantCulture) : throw new InvalidOperationException($"python3 failed: {errors}");
    }
}
