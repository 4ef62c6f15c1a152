using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Hosting.Contracts.Domain;
using Hosting.Grains.Election;

namespace Hosting.Benchmarks.Election;

/// <summary>
/// A Stopwatch harness for the score index's target: ranking 100k active (10k hosted) for one slot against a
/// native Keccak doing the same 100k hashes, both on every core, measured interleaved round by round so a
/// noisy neighbour hurts both sides alike; medians are reported. Run:
/// <c>dotnet run -c Release --project bench/Benchmarks -- score-index [rounds]</c>.
/// </summary>
internal static class ScoreIndexRun
{
    public static void Run(string[] args)
    {
        var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 25;
        var memory = Memory();
        var workload = new ScoreIndexWorkload();
        CheckNativeReference(workload);
        var digests = new byte[workload.Sequencers.Length * 32];
        var addressLanes = workload.Sequencers.Select(AddressLanes.For).ToArray();
        var lane9 = addressLanes.Select(lanes => lanes.Lane9).ToArray();
        var lane10 = addressLanes.Select(lanes => lanes.Lane10).ToArray();
        var lane11 = addressLanes.Select(lanes => lanes.Lane11).ToArray();
        var scores = new Score[workload.Sequencers.Length];

        var slot = ScoreIndexWorkload.Slot;
        var measured = new (string Name, Action Body)[]
        {
            ("Rank: 100k active, 10k hosted (ScoreIndex.Rank)", () => workload.Index.Rank(slot++, workload.Seed)),
            ("Managed Keccak only: 100k scores, no ranking", () => ScoreAllInParallel(SlotLanes.For(workload.Seed, slot++), lane9, lane10, lane11, scores)),
            ("OpenSSL SHA3-256, EVP_Digest one-shot: 100k", () => workload.HashInParallel(digests, OpenSslSha3.OneShot)),
            ("OpenSSL SHA3-256, fetched md + reused ctx: 100k", () => workload.HashInParallel(digests, OpenSslSha3.ReusedContext)),
        };
        if (args is [_, _, "phases"])
        {
            var active = workload.Index.Active;
            var lanes = SlotLanes.For(workload.Seed, 5);
            HostedThresholds? thresholds = null;
            SlotRanker.HostedScores? hosted = null;
            RankedSlot? ranked = null;
            measured =
            [
                ("phase 1: score + sort hosted", () => hosted = SlotRanker.ScoreHosted(active, lanes)),
                ("thresholds", () => thresholds = new HostedThresholds(hosted!.Scores)),
                ("phase 2: count others", () => SlotRanker.CountOthers(active, lanes, thresholds!)),
                ("ranks from counts (SlotRanker.Rank)", () => ranked = SlotRanker.Rank(active, lanes)),
                ("results: HostedRank[]", () => workload.Index.HostedRanks(ranked!)),
                ("managed hashing 100k", measured[1].Body),
                ("rank", measured[0].Body),
            ];
        }
        var timings = measured.Select(_ => new List<double>()).ToArray();
        for (var round = -3; round < rounds; round++)
        {
            for (var i = 0; i < measured.Length; i++)
            {
                var watch = Stopwatch.StartNew();
                measured[i].Body();
                if (round >= 0)
                {
                    timings[i].Add(watch.Elapsed.TotalMilliseconds);
                }
            }
        }

        Console.WriteLine($"Processors: {Environment.ProcessorCount}, rounds: {rounds}, Vector256 accelerated: {System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated}");
        Console.WriteLine("| Measurement (all cores) | median ms | min ms | max ms | ns per hash (wall) |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        for (var i = 0; i < measured.Length; i++)
        {
            var (median, min, max) = Summary(timings[i]);
            Console.WriteLine(Invariant($"| {measured[i].Name} | {median:F2} | {min:F2} | {max:F2} | {median * 1e6 / workload.Sequencers.Length:F0} |"));
        }
        if (args is [_, _, "phases"])
        {
            return;
        }
        var rank = Summary(timings[0]).Median;
        Console.WriteLine(Invariant($"Ratio rank / EVP_Digest: {rank / Summary(timings[2]).Median:F2}; rank / reused ctx: {rank / Summary(timings[3]).Median:F2}; rank / managed hashing: {rank / Summary(timings[1]).Median:F2}"));
        SingleCore(workload, lane9, lane10, lane11, digests, scores);
        Console.WriteLine();
        Console.WriteLine(memory);
    }

    private static void ScoreAllInParallel(SlotLanes slot, ulong[] lane9, ulong[] lane10, ulong[] lane11, Score[] scores)
    {
        var chunks = Environment.ProcessorCount * 4;
        var size = (scores.Length + chunks - 1) / chunks;
        Parallel.For(0, chunks, chunk =>
        {
            var from = chunk * size;
            var length = Math.Min(scores.Length, from + size) - from;
            SlotRanker.ScoreInto(slot, lane9.AsSpan(from, length), lane10.AsSpan(from, length), lane11.AsSpan(from, length), scores.AsSpan(from, length));
        });
    }

    private static void SingleCore(ScoreIndexWorkload workload, ulong[] lane9, ulong[] lane10, ulong[] lane11, byte[] digests, Score[] scores)
    {
        const int Count = 20_000;
        var slot = SlotLanes.For(workload.Seed, ScoreIndexWorkload.Slot);
        var preimages = workload.Preimages.AsSpan(0, Count * ScoreIndexWorkload.PreimageLength).ToArray();
        var measured = new (string Name, Action Body)[]
        {
            ("Managed Keccak, scalar", () => { for (var i = 0; i < Count; i++) { scores[i] = ScoreKeccak.Score(slot, lane9[i], lane10[i], lane11[i]); } }),
            ("Managed Keccak, 4-way Vector256", () => SlotRanker.ScoreInto(slot, lane9.AsSpan(0, Count), lane10.AsSpan(0, Count), lane11.AsSpan(0, Count), scores.AsSpan(0, Count))),
            ("OpenSSL EVP_Digest one-shot", () => OpenSslSha3.OneShot(preimages, ScoreIndexWorkload.PreimageLength, digests)),
            ("OpenSSL reused ctx", () => OpenSslSha3.ReusedContext(preimages, ScoreIndexWorkload.PreimageLength, digests)),
            ("BouncyCastle KeccakDigest (src/L1 Keccak256)", () => { for (var i = 0; i < Count; i++) { Hosting.L1.Crypto.Keccak256.Hash(preimages.AsSpan(i * 96, 96), digests.AsSpan(i * 32, 32)); } }),
        };
        Console.WriteLine();
        Console.WriteLine("| One core, 20k hashes | median ns per hash |");
        Console.WriteLine("|---|---:|");
        foreach (var (name, body) in measured)
        {
            var samples = new List<double>();
            for (var round = -2; round < 9; round++)
            {
                var watch = Stopwatch.StartNew();
                body();
                if (round >= 0)
                {
                    samples.Add(watch.Elapsed.TotalMilliseconds * 1e6 / Count);
                }
            }
            Console.WriteLine(Invariant($"| {name} | {Summary(samples).Median:F0} |"));
        }
    }

    /// <summary>
    /// Retained bytes, measured before anything else runs: an index of 100k active, then a second one with
    /// the same 100k active of which 10k hosted; the difference between the two is what hosting costs.
    /// </summary>
    private static string Memory()
    {
        var sequencers = ScoreIndexWorkload.NewSequencers(new Random(7), 100_000);
        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        var activeOnly = NewIndex(sequencers, hosted: 0);
        var withActive = GC.GetTotalMemory(forceFullCollection: true);
        var withHosted = NewIndex(sequencers, hosted: 10_000);
        var withBoth = GC.GetTotalMemory(forceFullCollection: true);
        withHosted.Rank(1, default);
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var ranking = withHosted.Rank(2, default);
        var perRank = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var perActive = (withActive - baseline) / 100_000.0;
        var perHosted = (withBoth - withActive - (withActive - baseline)) / 10_000.0;
        GC.KeepAlive(activeOnly);
        return Invariant($"Memory: {perActive:F1} bytes per active sequencer (100k), {perHosted:F1} bytes more per hosted sequencer (10k, tenant strings shared); one Rank allocates {perRank / 1024.0:F0} KiB for {ranking.Hosted.Count} hosted results.");
    }

    private static readonly string[] Tenants = [.. Enumerable.Range(0, 10).Select(i => $"tenant-{i}")];

    private static ScoreIndex NewIndex(Address[] sequencers, int hosted)
    {
        var index = new ScoreIndex();
        foreach (var sequencer in sequencers)
        {
            index.Activate(sequencer);
        }
        for (var i = 0; i < hosted; i++)
        {
            index.Host(sequencers[i], Tenants[i % Tenants.Length]);
        }
        return index;
    }

    private static void CheckNativeReference(ScoreIndexWorkload workload)
    {
        var digest = new byte[32];
        OpenSslSha3.OneShot(workload.Preimages.AsSpan(0, 96), 96, digest);
        var reused = new byte[32];
        OpenSslSha3.ReusedContext(workload.Preimages.AsSpan(0, 96), 96, reused);
        if (SHA3_256.IsSupported && !SHA3_256.HashData(workload.Preimages.AsSpan(0, 96)).AsSpan().SequenceEqual(digest) || !digest.AsSpan().SequenceEqual(reused))
        {
            throw new InvalidOperationException("OpenSSL's SHA3-256 through P/Invoke disagrees with .NET's SHA3_256 or with itself.");
        }
        var first = workload.Sequencers[0];
        var expected = Hosting.L1.Crypto.Keccak256.Hash(workload.Preimages.AsSpan(0, 96));
        if (ScoreIndex.ScoreOf(workload.Seed, ScoreIndexWorkload.Slot, first).ToHash32() != expected)
        {
            throw new InvalidOperationException("The score index's Keccak disagrees with src/L1 Keccak256 on the benchmark's first preimage.");
        }
    }

    private static (double Median, double Min, double Max) Summary(List<double> samples)
    {
        var sorted = samples.Order().ToArray();
        return (sorted[sorted.Length / 2], sorted[0], sorted[^1]);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
