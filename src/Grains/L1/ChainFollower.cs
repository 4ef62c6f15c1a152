using Hosting.Contracts.Domain;
using Hosting.Contracts.L1;
using Hosting.L1.Rpc;

namespace Hosting.Grains.L1;

/// <summary>One thing the chain told the follower, in the order consumers must see it.</summary>
public abstract record ChainChange
{
    private ChainChange()
    {
    }

    public sealed record Applied(L1Event Event) : ChainChange;

    /// <summary>The event's block left the canonical chain.</summary>
    public sealed record Removed(L1Event Event) : ChainChange;

    public sealed record BlockReached(ulong Number, Hash32 Hash) : ChainChange;
}

/// <summary>A reorg deeper than the blocks kept: nothing can be undone safely, so the follower stops and says so.</summary>
public sealed class ReorgTooDeepException(ulong oldestKept, int depth)
    : Exception($"L1 reorganised below block {oldestKept}, deeper than the {depth} blocks the follower keeps; raise Hosting:L1:ReorgDepth and resynchronise.");

/// <summary>
/// The L1 follower's logic, without Orleans: reads blocks one by one in number order, checks each one's
/// parent hash against the last block kept, walks back to the common ancestor when they differ (removing
/// the orphaned blocks' events newest first) and reads the new branch. Activations are derived: at exactly
/// block registeredAt + ENTRY_PERIOD a SequencerActivated fact is emitted once statusOf confirms it there.
/// A step returns the changes and the next checkpoint; the caller delivers first and persists second, so a
/// crash in between repeats deliveries (consumers deduplicate) and never skips one.
/// </summary>
public sealed class ChainFollower(IChainSource source, Address registry, IReadOnlyList<Address> contracts, int reorgDepth, Address? rollup = null)
{
    /// <summary>Log indices of derived activation facts start here, far above any real log index.</summary>
    public const ulong DerivedLogIndex = 1UL << 40;

    public async Task<(FollowerCheckpoint Checkpoint, IReadOnlyList<ChainChange> Changes)> StepAsync(
        FollowerCheckpoint checkpoint, ulong startBlock, int maxBlocks, CancellationToken cancellationToken)
    {
        var recent = checkpoint.Recent.ToList();
        var schedule = checkpoint.Schedule.ToList();
        var next = checkpoint.NextBlock ?? startBlock;
        // A step that stopped while delivering: its removals go out again, and its blocks are read again from the first.
        var changes = checkpoint.Unremoved.Select(stored => (ChainChange)new ChainChange.Removed(stored.ToEvent())).ToList();
        if (recent.FirstOrDefault(b => b.Unfinished) is { } unfinished)
        {
            next = Math.Min(next, unfinished.Number);
        }
        long removed = 0, reorgs = 0, delivered = 0;
        var head = await source.GetHeadNumberAsync(cancellationToken);
        if (recent.Count > 0 && head < recent[^1].Number)
        {
            // The chain is now shorter than what we followed (a revert): re-read the tip's number so the
            // parent check below notices the switch without waiting for the new branch to grow past us.
            next = Math.Min(next, head);
        }
        for (var processed = 0; processed < maxBlocks && next <= head; processed++)
        {
            var header = await source.GetHeaderAsync(next, cancellationToken);
            if (header is null)
            {
                break;
            }
            var tracked = recent.FindIndex(b => b.Number == header.Number);
            if (tracked >= 0 && recent[tracked].Hash == header.Hash.ToString())
            {
                if (recent[tracked].Unfinished)
                {
                    // Still on the chain: delivered again as it was read (consumers deduplicate what already arrived).
                    changes.AddRange(recent[tracked].Events.Select(stored => new ChainChange.Applied(stored.ToEvent())));
                    changes.Add(new ChainChange.BlockReached(header.Number, header.Hash));
                    recent[tracked] = recent[tracked] with { Unfinished = false };
                }
                next = header.Number + 1;
                continue;
            }
            if (recent.Count > 0 && (tracked >= 0 || header.ParentHash.ToString() != recent[^1].Hash))
            {
                var ancestor = await FindAncestorAsync(recent, cancellationToken);
                reorgs++;
                while (recent.Count > 0 && recent[^1].Number > ancestor)
                {
                    var orphan = recent[^1];
                    recent.RemoveAt(recent.Count - 1);
                    foreach (var stored in Enumerable.Reverse(orphan.Events))
                    {
                        var e = stored.ToEvent();
                        changes.Add(new ChainChange.Removed(e));
                        removed++;
                        if (e.Kind == L1EventKind.SequencerRegistered)
                        {
                            schedule.RemoveAll(s => s.RegistrationBlockHash == stored.BlockHash && s.RegistrationLogIndex == stored.LogIndex);
                        }
                    }
                }
                next = ancestor + 1;
                continue;
            }
            var logs = await source.GetLogsAsync(next, contracts, cancellationToken);
            if (logs.Any(log => log.BlockHash != header.Hash))
            {
                // The block was replaced between the two reads: read it again on the next step.
                break;
            }
            var events = new List<L1Event>();
            foreach (var log in logs.OrderBy(log => log.LogIndex))
            {
                if ((RegistryEvents.Decode(log, registry) ?? (rollup is { } r ? RollupEvents.Decode(log, r) : null)) is { } e)
                {
                    events.Add(e);
                    if (e.Kind == L1EventKind.SequencerRegistered)
                    {
                        schedule.Add(new ScheduledActivation
                        {
                            Sequencer = e.Subject.ToString(),
                            ActiveFrom = e.Block,
                            RegistrationBlockHash = e.Position.BlockHash.ToString(),
                            RegistrationLogIndex = e.Position.LogIndex,
                        });
                    }
                }
            }
            var derived = 0UL;
            foreach (var due in schedule.Where(s => s.ActiveFrom == header.Number).ToList())
            {
                var sequencer = Address.Parse(due.Sequencer);
                if (await source.GetStatusAsync(sequencer, header.Number, cancellationToken) == SequencerStatus.Active)
                {
                    events.Add(new L1Event(L1EventKind.SequencerActivated, new L1Position(header.Number, header.Hash, DerivedLogIndex + derived++),
                        Hash32.Zero, sequencer, Address.Zero, 0, header.Number));
                }
            }
            recent.Add(new TrackedBlock { Number = header.Number, Hash = header.Hash.ToString(), Events = [.. events.Select(StoredEvent.From)] });
            if (recent.Count > reorgDepth)
            {
                recent.RemoveRange(0, recent.Count - reorgDepth);
            }
            schedule.RemoveAll(s => s.ActiveFrom + (ulong)reorgDepth < header.Number);
            changes.AddRange(events.Select(e => new ChainChange.Applied(e)));
            delivered += events.Count;
            changes.Add(new ChainChange.BlockReached(header.Number, header.Hash));
            next = header.Number + 1;
        }
        return (checkpoint with
        {
            NextBlock = next,
            Recent = recent,
            Schedule = schedule,
            Unremoved = [],
            Delivered = checkpoint.Delivered + delivered,
            Removed = checkpoint.Removed + removed,
            Reorgs = checkpoint.Reorgs + reorgs,
        }, changes);
    }

    /// <summary>
    /// <paramref name="next"/> as it must be stored before <paramref name="changes"/> are delivered: the blocks they
    /// reach marked unfinished and their removals kept, so that a step stopped part way (a consumer failed, the silo
    /// died) is delivered again from its start on the next one, or undone if a reorg took its blocks away meanwhile.
    /// Without this, a block whose events reached a consumer but not the checkpoint is never removed by a later reorg.
    /// Every block a step reaches must still be kept: steps span at most <c>reorgDepth</c> blocks.
    /// </summary>
    public static FollowerCheckpoint Unfinished(FollowerCheckpoint next, IReadOnlyList<ChainChange> changes)
    {
        var reached = changes.OfType<ChainChange.BlockReached>().Select(b => (b.Number, Hash: b.Hash.ToString())).ToHashSet();
        var recent = next.Recent.Select(b => reached.Remove((b.Number, b.Hash)) ? b with { Unfinished = true } : b).ToList();
        // A block reached and then orphaned within the step is gone from the kept ones; its removals are in the changes.
        reached.RemoveWhere(b => recent.Count > 0 && b.Number >= recent[0].Number);
        if (reached.Count > 0)
        {
            throw new InvalidOperationException($"A step reached {reached.Count} block(s) it no longer keeps (from {reached.Min(b => b.Number)}); a step must span at most the reorg depth.");
        }
        return next with
        {
            Recent = recent,
            Unremoved = [.. changes.OfType<ChainChange.Removed>().Select(r => StoredEvent.From(r.Event))],
        };
    }

    private async Task<ulong> FindAncestorAsync(List<TrackedBlock> recent, CancellationToken cancellationToken)
    {
        for (var i = recent.Count - 1; i >= 0; i--)
        {
            var canonical = await source.GetHeaderAsync(recent[i].Number, cancellationToken);
            if (canonical is not null && canonical.Hash.ToString() == recent[i].Hash)
            {
                return recent[i].Number;
            }
        }
        throw new ReorgTooDeepException(recent[0].Number, reorgDepth);
    }
}
