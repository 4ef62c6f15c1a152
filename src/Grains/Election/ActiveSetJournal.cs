using Hosting.Contracts.L1;
using Hosting.Grains.L1;

namespace Hosting.Grains.Election;

/// <summary>
/// The follower's in-memory record of how the network's active set changed, in delivery order, for every
/// silo's score index to catch up from: a derived SequencerActivated enters a sequencer, an ExitInitiated
/// takes it out (a Queued one was never in; removing it then changes nothing). A reorg that removes either
/// starts a new epoch instead of undoing, and so does a new follower activation: readers then resynchronise
/// from the registry, which is always right. Keeps the last <c>capacity</c> changes.
/// </summary>
public sealed class ActiveSetJournal(int capacity = 10_000)
{
    private readonly List<ActiveSetChange> _changes = [];

    public Guid Epoch { get; private set; } = Guid.NewGuid();

    /// <summary>The last block whose changes are all recorded, or null before the first.</summary>
    public ulong? ThroughBlock { get; private set; }

    public long NextSequence { get; private set; }

    public void Record(ChainChange change)
    {
        switch (change)
        {
            case ChainChange.Applied({ Kind: L1EventKind.SequencerActivated } e):
                Add(e.Position.BlockNumber, e, active: true);
                break;
            case ChainChange.Applied({ Kind: L1EventKind.ExitInitiated } e):
                Add(e.Position.BlockNumber, e, active: false);
                break;
            case ChainChange.Removed({ Kind: L1EventKind.SequencerActivated or L1EventKind.ExitInitiated }):
                Restart();
                break;
            case ChainChange.BlockReached(var number, _):
                ThroughBlock = number;
                break;
        }
    }

    /// <summary>Starts a new epoch: every reader resynchronises from the registry.</summary>
    public void Restart()
    {
        Epoch = Guid.NewGuid();
        _changes.Clear();
    }

    public ActiveSetChanges Since(Guid epoch, long after)
    {
        var oldest = _changes.Count > 0 ? _changes[0].Sequence : NextSequence;
        if (epoch != Epoch || after + 1 < oldest)
        {
            // Read the registry at ThroughBlock: what that state already holds are the changes of blocks up to
            // it; changes of the block being delivered (recorded before its BlockReached) come after.
            var first = _changes.FindIndex(c => ThroughBlock is { } through && c.Block > through);
            var next = first >= 0 ? _changes[first].Sequence : NextSequence;
            return new ActiveSetChanges(Epoch, false, ThroughBlock, next, []);
        }
        var from = _changes.FindIndex(c => c.Sequence > after);
        return new ActiveSetChanges(Epoch, true, ThroughBlock, NextSequence, from < 0 ? [] : _changes[from..]);
    }

    private void Add(ulong block, L1Event e, bool active)
    {
        _changes.Add(new ActiveSetChange(NextSequence++, block, e.Subject, active));
        if (_changes.Count > capacity)
        {
            _changes.RemoveRange(0, _changes.Count - capacity);
        }
    }
}
