using Hosting.Grains.Election;

namespace Hosting.Grains.Tests.Election;

public sealed class SlotRankerTests
{
    [Fact]
    public void test_sortDescending_ordersWholeScores_whenTopWordsTie()
    {
        var random = new Random(1);
        // Few distinct top words, so most entries tie on Word0 and some tie entirely.
        var scores = Enumerable.Range(0, 500)
            .Select(_ => new Score((ulong)random.Next(4), (ulong)random.Next(3), (ulong)random.Next(2), (ulong)random.Next(2)))
            .ToArray();
        var positions = Enumerable.Range(0, scores.Length).ToArray();
        var original = scores.ToArray();

        SlotRanker.SortDescending(scores, positions);

        Assert.Equal(original.OrderByDescending(score => score), scores);
        Assert.All(Enumerable.Range(0, scores.Length), i => Assert.Equal(original[positions[i]], scores[i]));
    }

    [Fact]
    public void test_hostedThresholds_countHostedAtLeastAScore_acrossBuckets()
    {
        var random = new Random(2);
        var hosted = Enumerable.Range(0, 300).Select(_ => RandomScore(random)).Append(new Score(ulong.MaxValue, 0, 0, 0)).Append(default).ToArray();
        var positions = Enumerable.Range(0, hosted.Length).ToArray();
        SlotRanker.SortDescending(hosted, positions);
        var thresholds = new HostedThresholds(hosted);

        var probes = Enumerable.Range(0, 2_000).Select(_ => RandomScore(random)).Concat(hosted).Append(new Score(ulong.MaxValue, 1, 0, 0));
        foreach (var probe in probes)
        {
            Assert.Equal(hosted.Count(score => score >= probe), thresholds.AtLeast(probe));
        }
    }

    private static Score RandomScore(Random random) =>
        new((ulong)random.NextInt64() << 1, (ulong)random.NextInt64(), 0, (ulong)random.Next(2));
}
