using System.Numerics;
using Hosting.Contracts.Domain;
using Hosting.Contracts.L1;
using Hosting.Grains.L1;
using Hosting.L1.Crypto;
using Hosting.L1.Rpc;

namespace Hosting.Cluster.Tests.L1;

/// <summary>The follower's logic against a scripted chain, without Orleans or a node: order, exact activation, reorgs, resumption.</summary>
public sealed class ChainFollowerTests
{
    private static readonly Address Registry = Address.Parse("0x00000000000000000000000000000000000000aa");
    private static readonly Address Sequencer = Address.Parse("0x00000000000000000000000000000000000000bb");
    private static readonly Address Withdrawer = Address.Parse("0x00000000000000000000000000000000000000cc");

    [Fact]
    public async Task Events_come_in_chain_order_and_activation_is_derived_at_exactly_the_entry_block()
    {
        var chain = new ScriptedChain();
        chain.Grow(30, registrationAt: 3, entryPeriod: 20);
        var (checkpoint, changes) = await Follower(chain).StepAsync(new FollowerCheckpoint(), 1, 100, default);

        var applied = changes.OfType<ChainChange.Applied>().Select(a => a.Event).ToList();
        Assert.Equal([L1EventKind.SequencerRegistered, L1EventKind.SequencerActivated], applied.Select(e => e.Kind));
        Assert.Equal(3UL, applied[0].Position.BlockNumber);
        Assert.Equal(23UL, applied[1].Position.BlockNumber);
        Assert.Equal(23UL, applied[1].Block);
        Assert.Equal(31UL, checkpoint.NextBlock);
        // The activation is delivered right before block 23 is reported reached, not earlier.
        var index = changes.ToList().FindIndex(c => c is ChainChange.Applied { Event.Kind: L1EventKind.SequencerActivated });
        Assert.Equal(new ChainChange.BlockReached(23, chain.Blocks[23].Hash), changes[index + 1]);
        Assert.Equal(new ChainChange.BlockReached(22, chain.Blocks[22].Hash), changes[index - 1]);
    }

    [Fact]
    public async Task A_reorg_removes_the_orphaned_events_newest_first_and_applies_the_new_branch()
    {
        var chain = new ScriptedChain();
        chain.Grow(10, registrationAt: 8, entryPeriod: 20);
        var follower = Follower(chain);
        var (checkpoint, _) = await follower.StepAsync(new FollowerCheckpoint(), 1, 100, default);

        chain.Fork(at: 8, length: 4, registrationAt: 9, entryPeriod: 20);
        var (after, changes) = await follower.StepAsync(checkpoint, 1, 100, default);

        var removed = Assert.Single(changes.OfType<ChainChange.Removed>());
        Assert.Equal(8UL, removed.Event.Position.BlockNumber);
        var appliedIndex = changes.ToList().FindIndex(c => c is ChainChange.Applied);
        Assert.True(appliedIndex > changes.ToList().IndexOf(removed), "the removal comes before the new branch");
        var applied = ((ChainChange.Applied)changes[appliedIndex]).Event;
        Assert.Equal(9UL, applied.Position.BlockNumber);
        Assert.Equal(chain.Blocks[9].Hash, applied.Position.BlockHash);
        Assert.Equal(1, after.Reorgs);
        Assert.Equal(12UL, after.NextBlock);
        Assert.Equal(chain.Blocks[11].Hash.ToString(), after.Recent[^1].Hash);
    }

    [Fact]
    public async Task A_reorg_deeper_than_the_blocks_kept_stops_the_follower_with_a_typed_error()
    {
        var chain = new ScriptedChain();
        chain.Grow(10, registrationAt: null, entryPeriod: 20);
        var follower = new ChainFollower(chain, Registry, [Registry], reorgDepth: 4);
        var (checkpoint, _) = await follower.StepAsync(new FollowerCheckpoint(), 1, 100, default);
        chain.Fork(at: 3, length: 9, registrationAt: null, entryPeriod: 20);
        var error = await Assert.ThrowsAsync<ReorgTooDeepException>(() => follower.StepAsync(checkpoint, 1, 100, default));
        Assert.Contains("block 7", error.Message);
    }

    [Fact]
    public async Task Steps_resume_from_the_checkpoint_and_never_repeat_a_block()
    {
        var chain = new ScriptedChain();
        chain.Grow(12, registrationAt: 7, entryPeriod: 20);
        var follower = Follower(chain);
        var (first, firstChanges) = await follower.StepAsync(new FollowerCheckpoint(), 1, 5, default);
        var (second, secondChanges) = await follower.StepAsync(first, 1, 100, default);
        Assert.Equal(6UL, first.NextBlock);
        Assert.Empty(firstChanges.OfType<ChainChange.Applied>());
        Assert.Equal(7UL, Assert.Single(secondChanges.OfType<ChainChange.Applied>()).Event.Position.BlockNumber);
        var reached = firstChanges.Concat(secondChanges).OfType<ChainChange.BlockReached>().Select(b => b.Number).ToList();
        Assert.Equal(Enumerable.Range(1, 12).Select(n => (ulong)n), reached);
        Assert.Equal(13UL, second.NextBlock);
    }

    [Fact]
    public async Task A_step_stopped_part_way_is_delivered_again_from_its_start_while_its_blocks_stand()
    {
        var chain = new ScriptedChain();
        chain.Grow(10, registrationAt: 8, entryPeriod: 20);
        var follower = Follower(chain);
        var (reached, changes) = await follower.StepAsync(new FollowerCheckpoint(), 1, 100, default);

        // Stored before delivery; a consumer fails part way, so the next step starts from what was stored.
        var (again, redelivered) = await follower.StepAsync(ChainFollower.Unfinished(reached, changes), 1, 100, default);

        Assert.Empty(redelivered.OfType<ChainChange.Removed>());
        Assert.Equal(changes, redelivered);
        Assert.Equal(11UL, again.NextBlock);
        Assert.DoesNotContain(again.Recent, b => b.Unfinished);
        var (_, nothing) = await follower.StepAsync(again, 1, 100, default);
        Assert.Empty(nothing);
    }

    [Fact]
    public async Task An_event_a_stopped_step_delivered_is_removed_when_a_reorg_takes_its_block_before_the_next_step()
    {
        var chain = new ScriptedChain();
        chain.Grow(10, registrationAt: 8, entryPeriod: 20);
        var follower = Follower(chain);
        var (reached, changes) = await follower.StepAsync(new FollowerCheckpoint(), 1, 100, default);
        var delivered = Assert.Single(changes.OfType<ChainChange.Applied>()).Event;

        // The registration at block 8 reached its consumer, then the step stopped; block 8 is reorganised away.
        chain.Fork(at: 8, length: 4, registrationAt: 9, entryPeriod: 20);
        var (after, next) = await follower.StepAsync(ChainFollower.Unfinished(reached, changes), 1, 100, default);

        var removed = Assert.Single(next.OfType<ChainChange.Removed>());
        Assert.Equal(delivered, removed.Event);
        var applied = Assert.Single(next.OfType<ChainChange.Applied>());
        Assert.Equal(chain.Blocks[9].Hash, applied.Event.Position.BlockHash);
        Assert.True(next.ToList().IndexOf(removed) < next.ToList().IndexOf(applied), "the removal comes before the new branch");
        Assert.Equal(12UL, after.NextBlock);
        // Blocks 1-7 still stand and are delivered again; 8-11 are the new branch.
        Assert.Equal([.. Enumerable.Range(1, 11).Select(n => (ulong)n)], next.OfType<ChainChange.BlockReached>().Select(b => b.Number));
    }

    [Fact]
    public async Task The_removals_of_a_stopped_step_are_delivered_again_before_anything_else()
    {
        var chain = new ScriptedChain();
        chain.Grow(10, registrationAt: 8, entryPeriod: 20);
        var follower = Follower(chain);
        var (first, _) = await follower.StepAsync(new FollowerCheckpoint(), 1, 100, default);
        chain.Fork(at: 8, length: 4, registrationAt: 9, entryPeriod: 20);
        var (reorged, changes) = await follower.StepAsync(first, 1, 100, default);
        Assert.IsType<ChainChange.Removed>(changes[0]);

        var (after, again) = await follower.StepAsync(ChainFollower.Unfinished(reorged, changes), 1, 100, default);

        Assert.Equal(changes, again);
        Assert.Empty(after.Unremoved);
        Assert.Equal(1, after.Reorgs);
    }

    private static ChainFollower Follower(ScriptedChain chain) => new(chain, Registry, [Registry], reorgDepth: 16);

    /// <summary>A chain the test writes block by block; statusOf answers Active from the registration's activeFrom on.</summary>
    private sealed class ScriptedChain : IChainSource
    {
        private int _salt;

        public List<(BlockHeader Header, List<Log> Logs)> Canonical { get; } = [];
        public Dictionary<ulong, BlockHeader> Blocks => Canonical.ToDictionary(b => b.Header.Number, b => b.Header);
        private ulong? _activeFrom;

        public void Grow(int count, ulong? registrationAt, ulong entryPeriod)
        {
            Canonical.Add((Header(0, Hash32.Zero), []));
            Extend(count, registrationAt, entryPeriod);
        }

        public void Fork(ulong at, int length, ulong? registrationAt, ulong entryPeriod)
        {
            Canonical.RemoveAll(b => b.Header.Number >= at);
            _activeFrom = null;
            _salt++;
            Extend(length, registrationAt, entryPeriod);
        }

        private void Extend(int count, ulong? registrationAt, ulong entryPeriod)
        {
            for (var i = 0; i < count; i++)
            {
                var parent = Canonical[^1].Header;
                var header = Header(parent.Number + 1, parent.Hash);
                var logs = new List<Log>();
                if (header.Number == registrationAt)
                {
                    _activeFrom = header.Number + entryPeriod;
                    var (topics, data) = RegistryAbi.SequencerRegistered.Encode(Sequencer, Withdrawer, new BigInteger(100), new BigInteger((long)_activeFrom));
                    logs.Add(new Log(Registry, topics, data, header.Number, header.Hash, Hash32.Zero, 0, false));
                }
                Canonical.Add((header, logs));
            }
        }

        private BlockHeader Header(ulong number, Hash32 parent) =>
            new(number, Keccak256.Hash(System.Text.Encoding.UTF8.GetBytes($"{number}/{parent}/{_salt}")), parent, number, 1, 30_000_000, 0);

        public Task<BlockHeader?> GetHeaderAsync(ulong number, CancellationToken cancellationToken) =>
            Task.FromResult<BlockHeader?>(Canonical.FirstOrDefault(b => b.Header.Number == number).Header);

        public Task<ulong> GetHeadNumberAsync(CancellationToken cancellationToken) => Task.FromResult(Canonical[^1].Header.Number);

        public Task<IReadOnlyList<Log>> GetLogsAsync(ulong number, IReadOnlyList<Address> contracts, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<Log>>(Canonical.FirstOrDefault(b => b.Header.Number == number).Logs ?? []);

        public Task<SequencerStatus> GetStatusAsync(Address sequencer, ulong number, CancellationToken cancellationToken) =>
            Task.FromResult(_activeFrom is { } from && number >= from ? SequencerStatus.Active : SequencerStatus.Queued);
    }
}
