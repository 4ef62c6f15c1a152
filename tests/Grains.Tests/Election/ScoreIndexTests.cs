using Hosting.Contracts.Domain;
using Hosting.Grains.Election;

namespace Hosting.Grains.Tests.Election;

public sealed class ScoreIndexTests
{
    private static readonly Hash32 Seed = Hash32.Parse("0x5eed00000000000000000000000000000000000000000000000000000000cafe");

    [Theory]
    [InlineData(1, 1)]
    [InlineData(7, 3)]
    [InlineData(2_000, 300)]
    [InlineData(6_000, 2_500)]
    [InlineData(3_000, 3_000)]
    public void test_rank_matchesNaiveSort_whenSomeActiveAreHosted(int activeCount, int hostedCount)
    {
        var random = new Random(activeCount * 31 + hostedCount);
        var active = Sequencers(random, activeCount);
        var index = new ScoreIndex();
        foreach (var sequencer in active)
        {
            index.Activate(sequencer);
        }
        foreach (var sequencer in active.Take(hostedCount))
        {
            index.Host(sequencer, TenantFor(sequencer));
        }

        for (ulong slot = 40; slot < 43; slot++)
        {
            AssertMatchesNaive(index.Rank(slot, Seed), active, active.Take(hostedCount).ToHashSet(), slot);
        }
    }

    [Fact]
    public async Task test_rank_matchesNaiveSort_whenCalledFromAOneAtATimeScheduler()
    {
        // A grain turn runs on a scheduler like this one: the ranking must not depend on it to make progress.
        var random = new Random(9);
        var active = Sequencers(random, 5_000);
        var index = new ScoreIndex();
        active.ForEach(sequencer => index.Activate(sequencer));
        active.Take(1_500).ToList().ForEach(sequencer => index.Host(sequencer, TenantFor(sequencer)));
        var exclusive = new ConcurrentExclusiveSchedulerPair().ExclusiveScheduler;

        var ranking = await Task.Factory.StartNew(() => index.Rank(12, Seed), CancellationToken.None, TaskCreationOptions.None, exclusive);

        AssertMatchesNaive(ranking, active, active.Take(1_500).ToHashSet(), 12);
    }

    [Fact]
    public void test_rank_isEmpty_whenNothingIsActiveOrHosted()
    {
        var ranking = new ScoreIndex().Rank(1, Seed);

        Assert.Equal(0, ranking.ActiveCount);
        Assert.Null(ranking.Leader);
        Assert.Empty(ranking.Hosted);
        Assert.Empty(ranking.HostedInactive);
    }

    [Fact]
    public void test_rank_namesAnUnhostedLeader_whenNothingIsHosted()
    {
        var index = new ScoreIndex();
        var active = Sequencers(new Random(3), 50);
        active.ForEach(sequencer => index.Activate(sequencer));

        var ranking = index.Rank(9, Seed);

        Assert.Empty(ranking.Hosted);
        var best = active.MaxBy(sequencer => ScoreIndex.ScoreOf(Seed, 9, sequencer));
        Assert.Equal(new SlotLeader(best, ScoreIndex.ScoreOf(Seed, 9, best), IsHosted: false), ranking.Leader);
    }

    [Fact]
    public void test_rank_listsHostedButInactive_apartAndUnranked()
    {
        var index = new ScoreIndex();
        var (active, waiting) = (Address.Parse("0x00000000000000000000000000000000000000aa"), Address.Parse("0x00000000000000000000000000000000000000bb"));
        index.Activate(active);
        index.Host(active, "t1");
        index.Host(waiting, "t1");

        var ranking = index.Rank(5, Seed);

        Assert.Equal(1, ranking.ActiveCount);
        Assert.Equal([active], ranking.Hosted.Select(rank => rank.Sequencer));
        Assert.Equal([waiting], ranking.HostedInactive);
        Assert.Equal(new SlotLeader(active, ScoreIndex.ScoreOf(Seed, 5, active), IsHosted: true), ranking.Leader);
    }

    [Fact]
    public void test_activation_movesAHostedSequencerIntoTheRanking_andExitMovesItBack()
    {
        var index = new ScoreIndex();
        var sequencer = Address.Parse("0x00000000000000000000000000000000000000cc");
        index.Host(sequencer, "t1");

        Assert.True(index.Activate(sequencer));
        Assert.Single(index.Rank(1, Seed).Hosted);
        Assert.True(index.Deactivate(sequencer));

        var ranking = index.Rank(1, Seed);
        Assert.Empty(ranking.Hosted);
        Assert.Equal([sequencer], ranking.HostedInactive);
        Assert.Equal("t1", index.TenantOf(sequencer));
    }

    [Fact]
    public void test_membershipChanges_reportWhetherTheyChangedAnything()
    {
        var index = new ScoreIndex();
        var sequencer = Address.Parse("0x00000000000000000000000000000000000000dd");

        Assert.False(index.Deactivate(sequencer));
        Assert.False(index.Unhost(sequencer));
        Assert.True(index.Activate(sequencer));
        Assert.False(index.Activate(sequencer));
        index.Host(sequencer, "t1");
        index.Host(sequencer, "t2");
        Assert.Equal("t2", index.TenantOf(sequencer));
        Assert.Equal((1, 1), (index.ActiveCount, index.HostedCount));
        Assert.True(index.Unhost(sequencer));
        Assert.False(index.Unhost(sequencer));
        Assert.True(index.IsActive(sequencer));
        Assert.Null(index.TenantOf(sequencer));
        Assert.True(index.Deactivate(sequencer));
        Assert.Equal((0, 0), (index.ActiveCount, index.HostedCount));
    }

    [Fact]
    public void test_unhostedSequencer_stillCountsAgainstTheHostedOnes()
    {
        var index = new ScoreIndex();
        var active = Sequencers(new Random(11), 200);
        active.ForEach(sequencer => { index.Activate(sequencer); index.Host(sequencer, TenantFor(sequencer)); });
        var best = index.Rank(3, Seed).Hosted[0].Sequencer;

        index.Unhost(best);

        var ranking = index.Rank(3, Seed);
        Assert.Equal(2, ranking.Hosted[0].Rank);
        Assert.Equal(new SlotLeader(best, ScoreIndex.ScoreOf(Seed, 3, best), IsHosted: false), ranking.Leader);
    }

    [Fact]
    public void test_rank_matchesNaiveSort_afterRandomChurn()
    {
        var random = new Random(77);
        var pool = Sequencers(random, 3_000);
        var index = new ScoreIndex();
        var active = new HashSet<Address>();
        var hosted = new HashSet<Address>();
        for (var step = 0; step < 20_000; step++)
        {
            var sequencer = pool[random.Next(pool.Count)];
            switch (random.Next(4))
            {
                case 0: Assert.Equal(active.Add(sequencer), index.Activate(sequencer)); break;
                case 1: Assert.Equal(active.Remove(sequencer), index.Deactivate(sequencer)); break;
                case 2: hosted.Add(sequencer); index.Host(sequencer, TenantFor(sequencer)); break;
                default: Assert.Equal(hosted.Remove(sequencer), index.Unhost(sequencer)); break;
            }
        }

        var ranking = index.Rank(77, Seed);

        AssertMatchesNaive(ranking, [.. active], hosted, 77);
        Assert.Equal(
            hosted.Where(sequencer => !active.Contains(sequencer)).Select(sequencer => sequencer.ToString()).Order(),
            ranking.HostedInactive.Select(sequencer => sequencer.ToString()).Order());
    }

    [Fact]
    public void test_forecast_returnsTheBestHostedCandidates_bestFirst()
    {
        var index = new ScoreIndex();
        var active = Sequencers(new Random(5), 1_000);
        active.ForEach(sequencer => index.Activate(sequencer));
        active.Take(100).ToList().ForEach(sequencer => index.Host(sequencer, TenantFor(sequencer)));

        var forecast = index.Forecast(8, Seed, 5);

        Assert.Equal(index.Rank(8, Seed).Hosted.Take(5), forecast);
        Assert.Empty(index.Forecast(8, Seed, 0));
        Assert.Equal(100, index.Forecast(8, Seed, 1_000).Count);
    }

    [Fact]
    public void test_rank_isRemembered_untilTheSetsChange()
    {
        var index = new ScoreIndex();
        var (first, second) = (Address.Parse("0x00000000000000000000000000000000000000f1"), Address.Parse("0x00000000000000000000000000000000000000f2"));
        index.Activate(first);
        index.Host(first, "t1");
        var ranking = index.Rank(4, Seed);

        Assert.Same(ranking, index.Rank(4, Seed));
        Assert.NotSame(ranking, index.Rank(5, Seed));
        index.Activate(second);
        Assert.Equal(2, index.Rank(4, Seed).ActiveCount);
        index.Host(second, "t2");
        Assert.Equal(2, index.Rank(4, Seed).Hosted.Count);
        index.Unhost(first);
        Assert.Equal([second], index.Rank(4, Seed).Hosted.Select(rank => rank.Sequencer));
        index.Deactivate(second);
        Assert.Equal([second], index.Rank(4, Seed).HostedInactive);
    }

    [Fact]
    public void test_score_roundTripsThroughItsBytes()
    {
        var score = ScoreIndex.ScoreOf(Seed, 1, Address.Parse("0x00000000000000000000000000000000000000ee"));

        Assert.Equal(score, Score.FromBytes(score.ToHash32().ToArray()));
        Assert.True(new Score(1, 0, 0, 0) > new Score(0, ulong.MaxValue, ulong.MaxValue, ulong.MaxValue));
        Assert.True(new Score(0, 0, 0, 2) > new Score(0, 0, 0, 1));
    }

    private static void AssertMatchesNaive(SlotRanking ranking, IReadOnlyList<Address> active, IReadOnlySet<Address> hosted, ulong slot)
    {
        var byScore = active.Select(sequencer => (Sequencer: sequencer, Score: ScoreIndex.ScoreOf(Seed, slot, sequencer)))
            .OrderByDescending(entry => entry.Score).ToList();
        var expected = byScore
            .Select((entry, i) => (entry.Sequencer, entry.Score, Rank: i + 1))
            .Where(entry => hosted.Contains(entry.Sequencer))
            .Select(entry => new HostedRank(entry.Sequencer, TenantFor(entry.Sequencer), entry.Score, entry.Rank))
            .ToList();

        Assert.Equal(active.Count, ranking.ActiveCount);
        Assert.Equal(expected, ranking.Hosted);
        Assert.Equal(
            byScore.Count == 0 ? null : new SlotLeader(byScore[0].Sequencer, byScore[0].Score, hosted.Contains(byScore[0].Sequencer)),
            ranking.Leader);
    }

    private static string TenantFor(Address sequencer) => $"tenant-{sequencer.GetHashCode() & 3}";

    private static List<Address> Sequencers(Random random, int count)
    {
        var bytes = new byte[Address.Length];
        var result = new HashSet<Address>();
        while (result.Count < count)
        {
            random.NextBytes(bytes);
            result.Add(new Address(bytes));
        }
        return [.. result];
    }
}
