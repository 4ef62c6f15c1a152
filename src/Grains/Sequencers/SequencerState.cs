using System.Globalization;
using System.Numerics;
using Hosting.Contracts.Domain;
using Hosting.Contracts.L1;
using Hosting.Contracts.Sequencers;
using Hosting.Grains.L1;

namespace Hosting.Grains.Sequencers;

/// <summary>
/// A sequencer's stored state: who hosts it, what we asked L1 to do, and the L1 facts applied, in chain
/// order. The status is folded from the facts each time, so removing a fact (a reorg) is all it takes to go back.
/// </summary>
[GenerateSerializer, Alias("hosting.sequencer-state.v1")]
public sealed record SequencerState
{
    [Id(0)] public string Tenant { get; init; } = "";
    [Id(1)] public string? Publisher { get; init; }
    [Id(2)] public string? RequestedWithdrawer { get; init; }
    [Id(3)] public string? RegisterTransaction { get; init; }
    [Id(4)] public string? LastTransaction { get; init; }
    [Id(5)] public List<StoredEvent> Facts { get; init; } = [];

    /// <summary>The exit unlock block for which finalizeExit was sent, so it is sent once per exit.</summary>
    [Id(6)] public ulong? FinalizeSentFor { get; init; }

    public SequencerView ToView(Address sequencer)
    {
        var status = string.IsNullOrEmpty(RegisterTransaction) ? SequencerStatus.None : SequencerStatus.Registering;
        BigInteger stake = 0, returned = 0, rewards = 0;
        Address? withdrawer = RequestedWithdrawer is { } requested ? Address.Parse(requested) : null;
        ulong? registered = null, activation = null, activated = null, exitInitiated = null, unlock = null, exited = null;
        foreach (var fact in Facts)
        {
            switch ((L1EventKind)fact.Kind)
            {
                case L1EventKind.SequencerRegistered:
                    status = SequencerStatus.Queued;
                    stake = BigInteger.Parse(fact.Amount, CultureInfo.InvariantCulture);
                    withdrawer = Address.Parse(fact.Counterparty);
                    registered = fact.BlockNumber;
                    activation = fact.Block;
                    activated = exitInitiated = unlock = exited = null;
                    returned = 0;
                    break;
                case L1EventKind.SequencerActivated when status == SequencerStatus.Queued:
                    status = SequencerStatus.Active;
                    activated = fact.Block;
                    break;
                case L1EventKind.ExitInitiated when status is SequencerStatus.Queued or SequencerStatus.Active:
                    status = SequencerStatus.Exiting;
                    exitInitiated = fact.BlockNumber;
                    unlock = fact.Block;
                    break;
                case L1EventKind.ExitFinalized when status == SequencerStatus.Exiting:
                    status = SequencerStatus.Exited;
                    exited = fact.BlockNumber;
                    returned = BigInteger.Parse(fact.Amount, CultureInfo.InvariantCulture);
                    stake = 0;
                    break;
                case L1EventKind.RewardCredited:
                    rewards += BigInteger.Parse(fact.Amount, CultureInfo.InvariantCulture);
                    break;
            }
        }
        return new SequencerView(sequencer, Tenant, status, stake, withdrawer, Publisher is { } p ? Address.Parse(p) : null,
            registered, activation, activated, exitInitiated, unlock, exited, returned,
            LastTransaction is { } tx ? Hash32.Parse(tx) : null, Facts.Count, rewards);
    }
}
