using System.Numerics;
using Hosting.Contracts.Domain;
using Hosting.L1.Crypto;
using Hosting.Signing;

namespace Hosting.Grains.Slots;

/// <summary>
/// The EIP-712 signing inputs of the two sequencer duties, with infra/l1/README.md's type strings; the
/// contract's proposalDigest/commitmentDigest views give keccak256 of the same bytes (checked in the tests).
/// </summary>
public static class DutyPayloads
{
    private static readonly Hash32 ProposalType = Keccak256.Hash("Proposal(uint256 slot,bytes32 archive,bytes32 blockHash,bytes32 txsEffectsHash,bytes32 upgradeSignal)");
    private static readonly Hash32 CommitmentType = Keccak256.Hash("ProverCommitment(uint256 slot,bytes32 blockHash,address prover,uint256 bond)");

    public static byte[] Proposal(Hash32 domainSeparator, ulong slot, L2Block block) =>
        SigningPayload.Eip712(domainSeparator, StructHash(ProposalType, Word(slot), block.Archive, block.BlockHash, block.TxsEffectsHash, block.UpgradeSignal));

    public static byte[] Commitment(Hash32 domainSeparator, ulong slot, Hash32 blockHash, Address prover, BigInteger bond) =>
        SigningPayload.Eip712(domainSeparator, StructHash(CommitmentType, Word(slot), blockHash, Word(prover), Word(bond)));

    private static Hash32 StructHash(params Hash32[] words)
    {
        var buffer = new byte[words.Length * 32];
        for (var i = 0; i < words.Length; i++)
        {
            words[i].CopyTo(buffer.AsSpan(i * 32, 32));
        }
        return Keccak256.Hash(buffer);
    }

    private static Hash32 Word(BigInteger value)
    {
        var word = new byte[32];
        var length = value.GetByteCount(isUnsigned: true);
        value.TryWriteBytes(word.AsSpan(32 - length), out _, isUnsigned: true, isBigEndian: true);
        return new Hash32(word);
    }

    private static Hash32 Word(Address address)
    {
        var word = new byte[32];
        address.CopyTo(word.AsSpan(12, 20));
        return new Hash32(word);
    }
}
