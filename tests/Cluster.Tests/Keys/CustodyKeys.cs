using Hosting.Contracts.Domain;
using Hosting.L1.Crypto;
using Hosting.Signing;
using Hosting.Signing.Keystore;

namespace Hosting.Cluster.Tests.Keys;

/// <summary>Keystores for the key-custody tests: random keys, cheap PBKDF2 (the KDF cost is not under test here).</summary>
internal static class CustodyKeys
{
    public static (string Json, Address Address) NewKeystore(string password)
    {
        var secret = new byte[32];
        do
        {
            System.Security.Cryptography.RandomNumberGenerator.Fill(secret);
        }
        while (!Secp256k1.IsValidScalar(secret));
        using var key = new PrivateKey(secret);
        return (Web3Keystore.Encrypt(secret, password, new KeystoreKdf("pbkdf2", 1000)), key.Address);
    }

    /// <summary>What a slot grain signs for a proposal: the EIP-712 input over the slot's block.</summary>
    public static byte[] Proposal(ulong slot, string archive) =>
        Hosting.Grains.Slots.DutyPayloads.Proposal(Keccak256.Hash("custody test domain"), slot,
            Hosting.Grains.Slots.BlockBuilder.Build(slot, Keccak256.Hash(archive), Hash32.Zero));

    public static Hash32 Digest(byte[] payload) => SigningPayload.Digest(payload);
}
