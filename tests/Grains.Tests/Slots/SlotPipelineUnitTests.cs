using System.Numerics;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Slots;
using Hosting.Grains.L1;
using Hosting.Grains.Slots;
using Hosting.L1.Crypto;
using Hosting.L1.Eip712;
using Hosting.L1.Contracts;

namespace Hosting.Grains.Tests.Slots;

public sealed class SlotPipelineUnitTests
{
    private static readonly SlotSchedule Devnet = new(GenesisBlock: 110, ProposalBlocks: 3, CommitmentBlocks: 2, RevealBlocks: 2, ProvingBlocks: 10, BackupBlocks: 5, Lag: 2);
    private static readonly Eip712Domain Domain = new("FernetRollup", "1", 31337, Address.Parse("0x5fbdb2315678afecb367f032d93f642f64180aa3"));

    [Eip712Struct("Proposal")]
    private sealed record ProposalMessage(BigInteger Slot, Hash32 Archive, Hash32 BlockHash, Hash32 TxsEffectsHash, Hash32 UpgradeSignal);

    [Eip712Struct("ProverCommitment")]
    private sealed record CommitmentMessage(BigInteger Slot, Hash32 BlockHash, Address Prover, BigInteger Bond);

    [Fact]
    public void test_schedule_phases_followEachOther_fromGenesis()
    {
        Assert.Equal(22UL, Devnet.SlotBlocks);
        Assert.Null(Devnet.SlotAt(109));
        Assert.Equal(0UL, Devnet.SlotAt(110));
        Assert.Equal(1UL, Devnet.SlotAt(132));
        Assert.Equal(SlotPhase.NotStarted, Devnet.PhaseAt(1, 131));
        Assert.Equal(SlotPhase.Proposal, Devnet.PhaseAt(1, 132));
        Assert.Equal(SlotPhase.Proposal, Devnet.PhaseAt(1, 134));
        Assert.Equal(SlotPhase.Commitment, Devnet.PhaseAt(1, 135));
        Assert.Equal(SlotPhase.Reveal, Devnet.PhaseAt(1, 137));
        Assert.Equal(SlotPhase.Proving, Devnet.PhaseAt(1, 139));
        Assert.Equal(SlotPhase.Backup, Devnet.PhaseAt(1, 149));
        Assert.Equal(SlotPhase.Ended, Devnet.PhaseAt(1, 154));
        Assert.Equal(154UL, Devnet.EndOf(1));
    }

    [Fact]
    public void test_blockBuilder_isDeterministic_andChainsArchives()
    {
        var previous = Keccak256.Hash("genesis");
        var block = BlockBuilder.Build(7, previous, Hash32.Zero);
        var again = BlockBuilder.Build(7, previous, Hash32.Zero);
        Assert.Equal((block.PreviousArchive, block.Archive, block.BlockHash, block.TxsEffectsHash), (again.PreviousArchive, again.Archive, again.BlockHash, again.TxsEffectsHash));
        Assert.Equal(block.Data, BlockBuilder.Build(7, previous, Hash32.Zero).Data);
        Assert.Equal(Keccak256.Hash(block.Data), block.TxsEffectsHash);
        // No transactions: the transactions root is keccak of nothing.
        Assert.Equal(Keccak256.Hash([.. previous.ToArray(), .. Keccak256.Hash([]).ToArray()]), block.Archive);
        Assert.NotEqual(block.BlockHash, BlockBuilder.Build(8, previous, Hash32.Zero).BlockHash);
    }

    [Fact]
    public void test_dutyPayloads_matchTheGenericTypedDataEncoder()
    {
        var block = BlockBuilder.Build(5, Keccak256.Hash("tip"), Keccak256.Hash("payload"));
        var proposal = TypedData.From(Domain, new ProposalMessage(5, block.Archive, block.BlockHash, block.TxsEffectsHash, block.UpgradeSignal));
        Assert.Equal(proposal.Digest, Keccak256.Hash(DutyPayloads.Proposal(proposal.DomainSeparator, 5, block)));

        var prover = Address.Parse("0x90f79bf6eb2c4f870365e785982e1f101e93b906");
        var bond = BigInteger.Parse("10000000000000000000");
        var commitment = TypedData.From(Domain, new CommitmentMessage(5, block.BlockHash, prover, bond));
        Assert.Equal(commitment.Digest, Keccak256.Hash(DutyPayloads.Commitment(commitment.DomainSeparator, 5, block.BlockHash, prover, bond)));
    }
}
