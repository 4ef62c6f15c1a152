using System.Globalization;
using System.Text;
using Hosting.Contracts.Domain;
using Hosting.Grains.Election;
using Hosting.TestKit;

namespace Hosting.Grains.Tests.Election;

/// <summary>Scores must equal what a real peer computes: cast's keccak over cast's abi-encode, in one batched shell run.</summary>
public sealed class ScoreAgainstCastTests
{
    private sealed record Triple(Hash32 Seed, ulong Slot, Address Sequencer);

    [Fact]
    public async Task test_scores_equalCast_forRandomTriplesAndOneRankedSlot()
    {
        var random = new Random(20261125);
        var triples = Enumerable.Range(0, 50).Select(_ => new Triple(Seed(random), Slot(random), Sequencer(random))).ToList();
        // One slot ranked through the index exercises the vector path and its scalar tail (13 = 3 x 4 + 1).
        var seed = Seed(random);
        const ulong slot = 123_456;
        var ranked = Enumerable.Range(0, 13).Select(_ => new Triple(seed, slot, Sequencer(random))).ToList();

        var expected = await CastScoresAsync([.. triples, .. ranked]);

        for (var i = 0; i < triples.Count; i++)
        {
            Assert.Equal(expected[i], ScoreIndex.ScoreOf(triples[i].Seed, triples[i].Slot, triples[i].Sequencer).ToString());
        }
        var index = new ScoreIndex();
        foreach (var triple in ranked)
        {
            index.Activate(triple.Sequencer);
            index.Host(triple.Sequencer, "tenant-a");
        }
        var scores = index.Rank(slot, seed).Hosted.ToDictionary(rank => rank.Sequencer, rank => rank.Score.ToString());
        for (var i = 0; i < ranked.Count; i++)
        {
            Assert.Equal(expected[triples.Count + i], scores[ranked[i].Sequencer]);
        }
    }

    [Fact]
    public async Task test_scores_equalCast_atTheEdgesOfSlotAndAddress()
    {
        var seed = Hash32.Parse("0x" + new string('f', 64));
        List<Triple> edges =
        [
            new(Hash32.Zero, 0, Address.Zero),
            new(seed, ulong.MaxValue, Address.Parse("0x" + new string('f', 40))),
            new(seed, 1, Address.Parse("0x0000000000000000000000000000000000000001")),
            new(Hash32.Zero, 1UL << 63, Address.Parse("0x8000000000000000000000000000000000000000")),
        ];

        var expected = await CastScoresAsync(edges);

        for (var i = 0; i < edges.Count; i++)
        {
            Assert.Equal(expected[i], ScoreIndex.ScoreOf(edges[i].Seed, edges[i].Slot, edges[i].Sequencer).ToString());
        }
    }

    private static async Task<IReadOnlyList<string>> CastScoresAsync(IReadOnlyList<Triple> triples)
    {
        var script = new StringBuilder("set -e\n");
        foreach (var (seed, slot, sequencer) in triples)
        {
            script.Append(CultureInfo.InvariantCulture,
                $"\"$CAST\" keccak \"$(\"$CAST\" abi-encode 'f(bytes32,uint256,address)' {seed} {slot} {sequencer})\"\n");
        }
        var result = await ProcessRunner.RunAsync(
            "bash", ["-c", script.ToString()], timeout: TimeSpan.FromMinutes(3),
            environment: new Dictionary<string, string> { ["CAST"] = Tools.Cast });
        var lines = result.EnsureSuccess("cast keccak batch").Output.Split('\n', StringSplitOptions.TrimEntries);
        Assert.Equal(triples.Count, lines.Length);
        return lines;
    }

    private static Hash32 Seed(Random random) => new(Bytes(random, Hash32.Length));

    private static Address Sequencer(Random random) => new(Bytes(random, Address.Length));

    private static ulong Slot(Random random) => random.Next(3) switch
    {
        0 => (ulong)random.Next(0, 1000),
        1 => (ulong)random.NextInt64(),
        _ => ulong.MaxValue - (ulong)random.Next(0, 1000),
    };

    private static byte[] Bytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }
}
