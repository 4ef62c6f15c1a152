using System.Buffers.Binary;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Transactions;
using Hosting.L1.Crypto;

namespace Hosting.Grains.Slots;

/// <summary>An L2 block as the rollup sees it: the proposal's four words and the data revealed for it.</summary>
public sealed record L2Block(Hash32 PreviousArchive, Hash32 Archive, Hash32 BlockHash, Hash32 TxsEffectsHash, Hash32 UpgradeSignal, byte[] Data)
{
    /// <summary>The hashes of the block's transactions, in block order.</summary>
    public IReadOnlyList<Hash32> Transactions { get; init; } = [];
}

/// <summary>
/// Builds the slot's block from the pool. Everything here is a pure function of its inputs, so a failed-over
/// silo given the same reserved transactions (or the same recorded data) rebuilds the very same block and the
/// signing gate sees the same payload again.
///
/// This is where real execution plugs in: today a transaction is an opaque blob and "executing" it only chains
/// its hash into the archive. A real executor would run the public functions, produce the effects and a state
/// root, and return them in place of <see cref="Build(ulong, Hash32, Hash32, IReadOnlyList{PooledTransaction})"/>'s
/// hash chain; the choice (<see cref="Choose"/>) and the data layout stay.
///
/// data = slot (8 bytes) ‖ previousArchive (32) ‖ count (4) ‖ for each transaction: length (4) ‖ blob;
/// txsEffectsHash = keccak(data); txsRoot = keccak(hash₁ ‖ … ‖ hashₙ);
/// archive = keccak(previousArchive ‖ txsRoot); blockHash = keccak(slot ‖ previousArchive ‖ txsEffectsHash).
/// </summary>
public static class BlockBuilder
{
    private const int HeaderBytes = 8 + 32 + 4;

    /// <summary>
    /// First-price choice: the highest priority fee first (ties by hash, so the order never depends on arrival),
    /// each taken while it still fits in <paramref name="maxBytes"/> of transaction data; one too big is skipped
    /// and smaller ones behind it may still fit.
    /// </summary>
    public static IReadOnlyList<PooledTransaction> Choose(IEnumerable<PooledTransaction> pending, int maxBytes = TransactionRules.MaxBlockTransactionBytes)
    {
        var chosen = new List<PooledTransaction>();
        var used = 0;
        foreach (var transaction in pending.OrderByDescending(t => t.Fee).ThenBy(t => t.Hash.ToString(), StringComparer.Ordinal))
        {
            if (used + 4 + transaction.Blob.Length <= maxBytes)
            {
                chosen.Add(transaction);
                used += 4 + transaction.Blob.Length;
            }
        }
        return chosen;
    }

    /// <summary>An empty block (no transactions).</summary>
    public static L2Block Build(ulong slot, Hash32 previousArchive, Hash32 upgradeSignal) =>
        Build(slot, previousArchive, upgradeSignal, []);

    public static L2Block Build(ulong slot, Hash32 previousArchive, Hash32 upgradeSignal, IReadOnlyList<PooledTransaction> transactions)
    {
        var data = new byte[HeaderBytes + transactions.Sum(t => 4 + t.Blob.Length)];
        BinaryPrimitives.WriteUInt64BigEndian(data, slot);
        previousArchive.CopyTo(data.AsSpan(8));
        BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(40), (uint)transactions.Count);
        var at = HeaderBytes;
        foreach (var transaction in transactions)
        {
            BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(at), (uint)transaction.Blob.Length);
            transaction.Blob.CopyTo(data.AsSpan(at + 4));
            at += 4 + transaction.Blob.Length;
        }
        return FromData(slot, previousArchive, upgradeSignal, data);
    }

    /// <summary>
    /// Rebuilds a block from its recorded data (what the slot grain stores before it signs), checking that the
    /// data is for this slot and previous archive.
    /// </summary>
    public static L2Block FromData(ulong slot, Hash32 previousArchive, Hash32 upgradeSignal, byte[] data)
    {
        var blobs = Blobs(data);
        if (BinaryPrimitives.ReadUInt64BigEndian(data) != slot || new Hash32(data.AsSpan(8, 32)) != previousArchive)
        {
            throw new InvalidDataException($"The block data is for slot {BinaryPrimitives.ReadUInt64BigEndian(data)} on archive {new Hash32(data.AsSpan(8, 32))}, not slot {slot} on {previousArchive}.");
        }
        var hashes = blobs.Select(TransactionHash).ToList();
        var txsRoot = Keccak256.Hash(hashes.SelectMany(h => h.ToArray()).ToArray());
        var txsEffectsHash = Keccak256.Hash(data);
        var archive = Keccak256.Hash([.. previousArchive.ToArray(), .. txsRoot.ToArray()]);
        var blockHash = Keccak256.Hash([.. data.AsSpan(0, 8), .. previousArchive.ToArray(), .. txsEffectsHash.ToArray()]);
        return new L2Block(previousArchive, archive, blockHash, txsEffectsHash, upgradeSignal, data) { Transactions = hashes };
    }

    /// <summary>The transaction blobs a block's data carries, in order.</summary>
    public static IReadOnlyList<byte[]> Blobs(byte[] data)
    {
        if (data.Length < HeaderBytes)
        {
            throw new InvalidDataException($"Block data has {data.Length} bytes, fewer than the {HeaderBytes}-byte header.");
        }
        var count = BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(40));
        var blobs = new List<byte[]>();
        var at = HeaderBytes;
        for (var i = 0; i < count; i++)
        {
            if (at + 4 > data.Length || at + 4 + (long)BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(at)) > data.Length)
            {
                throw new InvalidDataException($"Block data ends inside transaction {i} of {count} (at byte {at} of {data.Length}).");
            }
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(at));
            blobs.Add(data.AsSpan(at + 4, length).ToArray());
            at += 4 + length;
        }
        if (at != data.Length)
        {
            throw new InvalidDataException($"Block data has {data.Length - at} bytes after its {count} transactions.");
        }
        return blobs;
    }

    /// <summary>A transaction's hash: keccak256 of its blob, the key the pool and the HTTP API know it by.</summary>
    public static Hash32 TransactionHash(byte[] blob) => Keccak256.Hash(blob);
}
