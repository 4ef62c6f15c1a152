using System.Buffers;
using System.Numerics;
using System.Runtime.Intrinsics;

namespace Hosting.Grains.Election;

/// <summary>
/// One slot's ranking pass over the active set, in two parallel sweeps. First the hosted run is scored and
/// sorted (best first). Then every other active sequencer is scored and only counted: it lands in the bucket
/// "how many hosted sequencers score at least as high as me", found through a table on the score's top bits,
/// so a hosted sequencer's rank is a prefix sum of those counts. Nothing is stored per network sequencer.
/// </summary>
internal static class SlotRanker
{
    private const int BlockSize = 64;
    private const int MinimumChunk = 1024;

    public static RankedSlot Rank(ActiveSequencers active, SlotLanes slot)
    {
        var hosted = ScoreHosted(active, slot);
        var thresholds = new HostedThresholds(hosted.Scores);
        var (counts, best) = CountOthers(active, slot, thresholds);
        var ranks = RanksFrom(hosted.Scores, counts);
        var leader = Leader(hosted, best);
        return new RankedSlot(hosted.Positions, hosted.Scores, ranks, leader.Position, leader.Score);
    }

    /// <summary>Fills <paramref name="scores"/> from the same positions of the lanes, four at a time where vectors are fast.</summary>
    public static void ScoreInto(in SlotLanes slot, ReadOnlySpan<ulong> lane9, ReadOnlySpan<ulong> lane10, ReadOnlySpan<ulong> lane11, Span<Score> scores)
    {
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 4 <= scores.Length; i += 4)
            {
                ScoreKeccak.Score4(
                    slot, Vector256.Create(lane9.Slice(i, 4)), Vector256.Create(lane10.Slice(i, 4)), Vector256.Create(lane11.Slice(i, 4)),
                    out var hash0, out var hash1, out var hash2, out var hash3);
                scores[i] = Score.FromKeccakLanes(hash0[0], hash1[0], hash2[0], hash3[0]);
                scores[i + 1] = Score.FromKeccakLanes(hash0[1], hash1[1], hash2[1], hash3[1]);
                scores[i + 2] = Score.FromKeccakLanes(hash0[2], hash1[2], hash2[2], hash3[2]);
                scores[i + 3] = Score.FromKeccakLanes(hash0[3], hash1[3], hash2[3], hash3[3]);
            }
        }
        for (; i < scores.Length; i++)
        {
            scores[i] = ScoreKeccak.Score(slot, lane9[i], lane10[i], lane11[i]);
        }
    }

    internal static HostedScores ScoreHosted(ActiveSequencers active, SlotLanes slot)
    {
        var count = active.HostedCount;
        var scores = new Score[count];
        var (lane9, lane10, lane11) = (active.Lane9, active.Lane10, active.Lane11);
        ForEachChunk(0, count, (start, end) =>
            ScoreInto(slot, lane9.Span[start..end], lane10.Span[start..end], lane11.Span[start..end], scores.AsSpan(start, end - start)));
        var positions = new int[count];
        for (var i = 0; i < count; i++)
        {
            positions[i] = i;
        }
        SortDescending(scores, positions);
        return new HostedScores(positions, scores);
    }

    /// <summary>
    /// Sorts scores best first, carrying their positions along. Sorting on the top word alone is several times
    /// faster than comparing whole scores; runs that tie on it (about never, for Keccak outputs) are then sorted
    /// on the full score.
    /// </summary>
    internal static void SortDescending(Score[] scores, int[] positions)
    {
        var keys = new ulong[scores.Length];
        var order = new int[scores.Length];
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = ~scores[i].Word0;
            order[i] = i;
        }
        Array.Sort(keys, order);
        var sortedScores = new Score[scores.Length];
        var sortedPositions = new int[scores.Length];
        for (var i = 0; i < order.Length; i++)
        {
            sortedScores[i] = scores[order[i]];
            sortedPositions[i] = positions[order[i]];
        }
        SortTiesOnTopWord(keys, sortedScores, sortedPositions);
        sortedScores.CopyTo(scores, 0);
        sortedPositions.CopyTo(positions, 0);
    }

    private static void SortTiesOnTopWord(ulong[] keys, Score[] scores, int[] positions)
    {
        for (var start = 0; start < keys.Length;)
        {
            var end = start + 1;
            while (end < keys.Length && keys[end] == keys[start])
            {
                end++;
            }
            if (end - start > 1)
            {
                Array.Sort(scores, positions, start, end - start);
                Array.Reverse(scores, start, end - start);
                Array.Reverse(positions, start, end - start);
            }
            start = end;
        }
    }

    internal static (int[] Counts, Standing Best) CountOthers(ActiveSequencers active, SlotLanes slot, HostedThresholds thresholds)
    {
        var hostedCount = active.HostedCount;
        var counts = new int[hostedCount + 1];
        var best = Standing.None;
        var gate = new Lock();
        var (lane9, lane10, lane11) = (active.Lane9, active.Lane10, active.Lane11);
        ForEachChunk(hostedCount, active.Count, (start, end) =>
        {
            var local = ArrayPool<int>.Shared.Rent(hostedCount + 1);
            Array.Clear(local, 0, hostedCount + 1);
            var localBest = CountRange(slot, thresholds, lane9.Span[start..end], lane10.Span[start..end], lane11.Span[start..end], start, local);
            lock (gate)
            {
                for (var i = 0; i <= hostedCount; i++)
                {
                    counts[i] += local[i];
                }
                best = Standing.Better(best, localBest);
            }
            ArrayPool<int>.Shared.Return(local);
        });
        return (counts, best);
    }

    private static Standing CountRange(
        in SlotLanes slot, HostedThresholds thresholds,
        ReadOnlySpan<ulong> lane9, ReadOnlySpan<ulong> lane10, ReadOnlySpan<ulong> lane11, int firstPosition, int[] counts)
    {
        Span<Score> block = stackalloc Score[BlockSize];
        var best = Standing.None;
        for (var start = 0; start < lane9.Length; start += BlockSize)
        {
            var length = Math.Min(BlockSize, lane9.Length - start);
            var scores = block[..length];
            ScoreInto(slot, lane9.Slice(start, length), lane10.Slice(start, length), lane11.Slice(start, length), scores);
            for (var i = 0; i < scores.Length; i++)
            {
                counts[thresholds.AtLeast(scores[i])]++;
                if (!best.IsSome || scores[i] > best.Score)
                {
                    best = new Standing(firstPosition + start + i, scores[i]);
                }
            }
        }
        return best;
    }

    private static int[] RanksFrom(Score[] hostedScores, int[] counts)
    {
        var ranks = new int[hostedScores.Length];
        var higherOthers = 0;
        var firstTied = 0;
        for (var j = 0; j < hostedScores.Length; j++)
        {
            higherOthers += counts[j];
            if (j > 0 && hostedScores[j] != hostedScores[j - 1])
            {
                firstTied = j;
            }
            ranks[j] = 1 + firstTied + higherOthers;
        }
        return ranks;
    }

    private static Standing Leader(HostedScores hosted, Standing bestOther) =>
        hosted.Scores.Length == 0 ? bestOther : Standing.Better(new Standing(hosted.Positions[0], hosted.Scores[0]), bestOther);

    // Called from a grain turn, TaskScheduler.Current is the activation's one-at-a-time scheduler: Parallel.For
    // would then queue its helpers behind the very turn that waits for them and run every chunk on one thread.
    private static readonly ParallelOptions OnThreadPool = new() { TaskScheduler = TaskScheduler.Default };

    /// <summary>Splits [start, end) into a few chunks per core so a busy core does not hold the whole pass back.</summary>
    private static void ForEachChunk(int start, int end, Action<int, int> body)
    {
        var length = end - start;
        if (length <= 0)
        {
            return;
        }
        var chunks = Math.Clamp(length / MinimumChunk, 1, Environment.ProcessorCount * 4);
        var size = (length + chunks - 1) / chunks;
        if (chunks == 1)
        {
            body(start, end);
            return;
        }
        Parallel.For(0, chunks, OnThreadPool, chunk =>
        {
            var from = start + chunk * size;
            body(from, Math.Min(end, from + size));
        });
    }

    internal sealed record HostedScores(int[] Positions, Score[] Scores);
}

/// <summary>A position in the active set and its score; <see cref="None"/> before anything was seen.</summary>
internal readonly record struct Standing(int Position, Score Score)
{
    public static Standing None => new(-1, default);

    public bool IsSome => Position >= 0;

    public static Standing Better(Standing first, Standing second) =>
        !second.IsSome || (first.IsSome && first.Score >= second.Score) ? first : second;
}

/// <summary>The raw outcome of a pass: hosted positions and scores best first, their ranks, and the leader.</summary>
internal sealed record RankedSlot(int[] HostedPositions, Score[] HostedScores, int[] Ranks, int LeaderPosition, Score LeaderScore);

/// <summary>
/// Answers "how many hosted sequencers score at least this?" in about one step: a table indexed by the score's
/// top bits gives the range of sorted hosted scores sharing those bits, usually zero or one of them.
/// </summary>
internal sealed class HostedThresholds
{
    private readonly Score[] _descending;
    private readonly int[] _atLeastBucket;
    private readonly int _shift;

    public HostedThresholds(Score[] descending)
    {
        _descending = descending;
        var bits = Math.Clamp(64 - BitOperations.LeadingZeroCount((ulong)descending.Length) + 1, 1, 16);
        _shift = 64 - bits;
        var buckets = 1 << bits;
        // _atLeastBucket[b] = how many hosted scores fall in bucket b or above; the last entry stays 0.
        _atLeastBucket = new int[buckets + 1];
        foreach (var score in descending)
        {
            _atLeastBucket[Bucket(score)]++;
        }
        for (var b = buckets - 1; b >= 0; b--)
        {
            _atLeastBucket[b] += _atLeastBucket[b + 1];
        }
    }

    public int AtLeast(Score score)
    {
        var bucket = Bucket(score);
        var position = _atLeastBucket[bucket + 1];
        var end = _atLeastBucket[bucket];
        while (position < end && _descending[position] >= score)
        {
            position++;
        }
        return position;
    }

    private int Bucket(Score score) => (int)(score.Word0 >> _shift);
}
