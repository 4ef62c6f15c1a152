using System.Numerics;
using Hosting.Contracts.Domain;
using Hosting.Contracts.L1;
using Hosting.L1.Rpc;

namespace Hosting.Grains.L1;

/// <summary>Turns the rollup's slot events into <see cref="L1Event"/>s for the slot grains; other logs give null.</summary>
public static class RollupEvents
{
    public static L1Event? Decode(Log log, Address rollup)
    {
        if (log.Address != rollup || log.Topics.Count == 0 || log.BlockHash is not { } blockHash
            || !RollupAbi.Contract.TryFindEvent(log.Topics[0], out var abiEvent))
        {
            return null;
        }
        var decoded = abiEvent.Decode(log.Topics, log.Data);
        var position = new L1Position(log.BlockNumber ?? 0, blockHash, log.LogIndex ?? 0);
        var tx = log.TransactionHash ?? Hash32.Zero;
        Address A(int i) => (Address)decoded.Values[i]!;
        BigInteger N(int i) => (BigInteger)decoded.Values[i]!;
        Hash32 H(int i) => (Hash32)decoded.Values[i]!;
        var slot = (ulong)N(0);
        return abiEvent.Name switch
        {
            "BlockProposed" => new L1Event(L1EventKind.BlockProposed, position, tx, A(1), Address.Zero, N(6), slot, H(2)),
            "ProverCommitted" => new L1Event(L1EventKind.ProverCommitted, position, tx, A(1), A(2), N(4), slot, H(3)),
            "BlockRevealed" => new L1Event(L1EventKind.BlockRevealed, position, tx, Address.Zero, Address.Zero, 0, slot, H(1)),
            "BlockFinalized" => new L1Event(L1EventKind.BlockFinalized, position, tx, Address.Zero, Address.Zero, N(1), slot, H(2)),
            "BackupBlockFinalized" => new L1Event(L1EventKind.BackupBlockFinalized, position, tx, A(3), Address.Zero, N(1), slot, H(2)),
            "BondSlashed" => new L1Event(L1EventKind.BondSlashed, position, tx, A(1), A(2), N(3), slot),
            _ => null,
        };
    }
}
