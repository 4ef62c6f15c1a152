using System.Numerics;
using Hosting.Contracts.Domain;
using Hosting.L1.Contracts;
using Hosting.L1.Crypto;

namespace Hosting.Prover;

/// <summary>
/// "Proving" against infra/l1's DevnetVerifier, which accepts keccak256(abi.encode(slot, previousArchive, archive,
/// blockHash, txsEffectsHash, prover)) as the proof. A real prover computes a rollup proof here instead.
/// </summary>
public static class DevnetProof
{
    public static byte[] For(ulong slot, Hash32 previousArchive, FernetRollupContract.Proposal proposal, Address prover)
    {
        var words = new byte[6 * 32];
        var number = new BigInteger(slot);
        number.TryWriteBytes(words.AsSpan(32 - number.GetByteCount(isUnsigned: true), number.GetByteCount(isUnsigned: true)), out _, isUnsigned: true, isBigEndian: true);
        previousArchive.CopyTo(words.AsSpan(32, 32));
        proposal.Archive.CopyTo(words.AsSpan(64, 32));
        proposal.BlockHash.CopyTo(words.AsSpan(96, 32));
        proposal.TxsEffectsHash.CopyTo(words.AsSpan(128, 32));
        prover.CopyTo(words.AsSpan(160 + 12, 20));
        return Keccak256.Hash(words).ToArray();
    }
}
