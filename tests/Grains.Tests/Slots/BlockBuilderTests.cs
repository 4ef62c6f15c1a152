using System.Numerics;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Transactions;
using Hosting.Grains.Slots;
using Hosting.L1.Crypto;

namespace Hosting.Grains.Tests.Slots;

public sealed class BlockBuilderTests
{
    private static readonly Hash32 Previous = Keccak256.Hash("tip");

    private static PooledTransaction Tx(string text, BigInteger fee, int padTo = 0)
    {
        var blob = System.Text.Encoding.UTF8.GetBytes(text.PadRight(padTo, '.'));
        return new PooledTransaction(Keccak256.Hash(blob), fee, blob);
    }

    [Fact]
    public void test_choose_takesTheHighestFeesFirst_andBreaksTiesByHash_notByArrival()
    {
        var low = Tx("low", 1);
        var high = Tx("high", 50);
        var tieA = Tx("tie-a", 7);
        var tieB = Tx("tie-b", 7);
        var chosen = BlockBuilder.Choose([low, tieA, high, tieB]);
        var reversed = BlockBuilder.Choose([tieB, high, tieA, low]);

        Assert.Equal(high, chosen[0]);
        Assert.Equal(low, chosen[^1]);
        Assert.Equal(chosen, reversed);
        var ties = chosen.Where(t => t.Fee == 7).Select(t => t.Hash.ToString()).ToList();
        Assert.Equal(ties.Order(StringComparer.Ordinal), ties);
    }

    [Fact]
    public void test_choose_stopsAtTheBlockSizeLimit_andSkipsOneTooBigForTheRoomLeft()
    {
        // Each takes its length plus a 4-byte length prefix: 100 + 100 fills 208 of 250; the 60-byte one no longer
        // fits (272), the 30-byte one behind it does (242).
        var a = Tx("a", 9, 100);
        var b = Tx("b", 8, 100);
        var big = Tx("big", 7, 60);
        var small = Tx("small", 1, 30);
        var chosen = BlockBuilder.Choose([small, big, b, a], maxBytes: 250);
        Assert.Equal([a, b, small], chosen);
    }

    [Fact]
    public void test_build_isDeterministic_carriesTheBlobs_andChainsTheArchiveOverTheTxHashes()
    {
        var txs = new[] { Tx("first", 3), Tx("second", 2) };
        var block = BlockBuilder.Build(9, Previous, Hash32.Zero, txs);
        var again = BlockBuilder.Build(9, Previous, Hash32.Zero, txs);

        Assert.Equal(block.Data, again.Data);
        Assert.Equal((block.Archive, block.BlockHash, block.TxsEffectsHash), (again.Archive, again.BlockHash, again.TxsEffectsHash));
        Assert.Equal(txs.Select(t => t.Hash), block.Transactions);
        Assert.Equal(txs.Select(t => t.Blob), BlockBuilder.Blobs(block.Data));
        Assert.Equal(Keccak256.Hash(block.Data), block.TxsEffectsHash);
        var txsRoot = Keccak256.Hash([.. txs[0].Hash.ToArray(), .. txs[1].Hash.ToArray()]);
        Assert.Equal(Keccak256.Hash([.. Previous.ToArray(), .. txsRoot.ToArray()]), block.Archive);

        // Order and contents matter; an empty block differs from a full one.
        Assert.NotEqual(block.Archive, BlockBuilder.Build(9, Previous, Hash32.Zero, [txs[1], txs[0]]).Archive);
        Assert.NotEqual(block.Archive, BlockBuilder.Build(9, Previous, Hash32.Zero).Archive);
    }

    [Fact]
    public void test_fromData_rebuildsTheSignedBlock_andRefusesDataOfAnotherSlot()
    {
        var block = BlockBuilder.Build(9, Previous, Hash32.Zero, [Tx("x", 3), Tx("y", 2)]);
        var rebuilt = BlockBuilder.FromData(9, Previous, Hash32.Zero, block.Data);
        Assert.Equal((block.PreviousArchive, block.Archive, block.BlockHash, block.TxsEffectsHash), (rebuilt.PreviousArchive, rebuilt.Archive, rebuilt.BlockHash, rebuilt.TxsEffectsHash));
        Assert.Equal(block.Transactions, rebuilt.Transactions);

        var wrongSlot = Assert.Throws<InvalidDataException>(() => BlockBuilder.FromData(10, Previous, Hash32.Zero, block.Data));
        Assert.Contains("slot 9", wrongSlot.Message);
        var truncated = Assert.Throws<InvalidDataException>(() => BlockBuilder.Blobs(block.Data[..^1]));
        Assert.Contains("transaction 1 of 2", truncated.Message);
    }
}
