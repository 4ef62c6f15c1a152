using System.Numerics;
using Hosting.Contracts.Domain;
using Hosting.Contracts.L1;
using Hosting.L1.Rpc;

namespace Hosting.Grains.L1;

/// <summary>Turns registry logs into <see cref="L1Event"/>s; logs of other events or contracts give null.</summary>
public static class RegistryEvents
{
    public static L1Event? Decode(Log log, Address registry)
    {
        if (log.Address != registry || log.Topics.Count == 0 || log.BlockHash is not { } blockHash
            || !RegistryAbi.Contract.TryFindEvent(log.Topics[0], out var abiEvent))
        {
            return null;
        }
        var decoded = abiEvent.Decode(log.Topics, log.Data);
        var position = new L1Position(log.BlockNumber ?? 0, blockHash, log.LogIndex ?? 0);
        var tx = log.TransactionHash ?? Hash32.Zero;
        Address A(int i) => (Address)decoded.Values[i]!;
        BigInteger N(int i) => (BigInteger)decoded.Values[i]!;
        return abiEvent.Name switch
        {
            "SequencerRegistered" => new L1Event(L1EventKind.SequencerRegistered, position, tx, A(0), A(1), N(2), (ulong)N(3)),
            "SequencerActivated" => new L1Event(L1EventKind.SequencerActivated, position, tx, A(0), Address.Zero, 0, (ulong)N(1)),
            "ExitInitiated" => new L1Event(L1EventKind.ExitInitiated, position, tx, A(0), A(1), 0, (ulong)N(2)),
            "ExitFinalized" => new L1Event(L1EventKind.ExitFinalized, position, tx, A(0), A(1), N(2), 0),
            "Delegated" => new L1Event(L1EventKind.Delegated, position, tx, A(0), A(1), N(2), 0),
            "Undelegated" => new L1Event(L1EventKind.Undelegated, position, tx, A(0), A(1), N(2), (ulong)N(3)),
            "UndelegatedWithdrawn" => new L1Event(L1EventKind.UndelegatedWithdrawn, position, tx, A(0), Address.Zero, N(1), position.BlockNumber),
            "RewardCredited" => new L1Event(L1EventKind.RewardCredited, position, tx, A(0), Address.Zero, N(1), 0),
            _ => null,
        };
    }
}
