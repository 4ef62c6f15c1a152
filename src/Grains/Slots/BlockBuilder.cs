using System.Buffers.Binary;
using Hosting.Contracts.Domain;
using Hosting.L1.Crypto;

namespace Hosting.Grains.Slots;

/// <summary>An L2 block as the rollup sees it: the proposal's four words and the data revealed for it.</summary>
public sealed record L2Block(Hash32 PreviousArchive, Hash32 Archive, Hash32 BlockHash, Hash32 TxsEffectsHash, Hash32 UpgradeSignal, byte[] Data);

/// <summary>
/// Builds the slot's block. This is a stub where real execution plugs in (take the pool by priority fee,
/// execute, compute the state root): here the block carries no transactions, its data is the slot and the
/// previous archive, and everything follows deterministically, so a failed-over silo rebuilds the very same
/// block and the signing gate sees the same payload again:
/// txsEffectsHash = keccak(data), archive = keccak(previousArchive ‖ txsRoot) with txsRoot = txsEffectsHash,
/// blockHash = keccak(slot ‖ previousArchive ‖ txsEffectsHash).
/// </summary>
public static class BlockBuilder
{
    public static L2Block Build(ulong slot, Hash32 previousArchive, Hash32 upgradeSignal)
    {
        var data = new byte[8 + 32];
        BinaryPrimitives.WriteUInt64BigEndian(data, slot);
        previousArchive.CopyTo(data.AsSpan(8));
        var txsEffectsHash = Keccak256.Hash(data);
        var archive = Keccak256.Hash([.. previousArchive.ToArray(), .. txsEffectsHash.ToArray()]);
        var blockHash = Keccak256.Hash([.. data.AsSpan(0, 8), .. previousArchive.ToArray(), .. txsEffectsHash.ToArray()]);
        return new L2Block(previousArchive, archive, blockHash, txsEffectsHash, upgradeSignal, data);
    }
}
