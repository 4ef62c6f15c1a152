using Hosting.Contracts.Domain;
using Hosting.Grains.Election;

namespace Hosting.Benchmarks.Election;

/// <summary>
/// The benchmark's network: 100k active sequencers of which 10k are hosted over ten tenants, plus the same
/// sequencers' 96-byte score preimages for one slot, laid end to end for the native reference.
/// </summary>
internal sealed class ScoreIndexWorkload
{
    public const int PreimageLength = 96;

    public ScoreIndexWorkload(int activeCount = 100_000, int hostedCount = 10_000, int seed = 20261125)
    {
        var random = new Random(seed);
        Sequencers = NewSequencers(random, activeCount);
        var seedBytes = new byte[Hash32.Length];
        random.NextBytes(seedBytes);
        Seed = new Hash32(seedBytes);
        Index = new ScoreIndex();
        foreach (var sequencer in Sequencers)
        {
            Index.Activate(sequencer);
        }
        for (var i = 0; i < hostedCount; i++)
        {
            Index.Host(Sequencers[i], $"tenant-{i % 10}");
        }
        Preimages = PreimagesFor(Sequencers, Seed, Slot);
    }

    public const ulong Slot = 1_000;

    public Address[] Sequencers { get; }
    public Hash32 Seed { get; }
    public ScoreIndex Index { get; }
    public byte[] Preimages { get; }

    public static Address[] NewSequencers(Random random, int count)
    {
        var set = new HashSet<Address>();
        var bytes = new byte[Address.Length];
        while (set.Count < count)
        {
            random.NextBytes(bytes);
            set.Add(new Address(bytes));
        }
        return [.. set];
    }

    private static byte[] PreimagesFor(Address[] sequencers, Hash32 seed, ulong slot)
    {
        var preimages = new byte[sequencers.Length * PreimageLength];
        for (var i = 0; i < sequencers.Length; i++)
        {
            var preimage = preimages.AsSpan(i * PreimageLength, PreimageLength);
            seed.CopyTo(preimage);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(preimage[56..], slot);
            sequencers[i].CopyTo(preimage[76..]);
        }
        return preimages;
    }

    /// <summary>Runs a per-range hashing body over all preimages on every core, a few chunks per core as the ranker does.</summary>
    public void HashInParallel(byte[] digests, HashRange body)
    {
        var count = Sequencers.Length;
        var chunks = Environment.ProcessorCount * 4;
        var size = (count + chunks - 1) / chunks;
        Parallel.For(0, chunks, chunk =>
        {
            var from = chunk * size;
            var to = Math.Min(count, from + size);
            if (from < to)
            {
                body(Preimages.AsSpan(from * PreimageLength, (to - from) * PreimageLength), PreimageLength, digests.AsSpan(from * 32, (to - from) * 32));
            }
        });
    }

    public delegate void HashRange(ReadOnlySpan<byte> messages, int length, Span<byte> digests);
}
