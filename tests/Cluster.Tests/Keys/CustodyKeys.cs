using Hosting.Contracts.Domain;
using Hosting.L1.Crypto;
using Hosting.Signing;
using Hosting.Signing.Keystore;
using Npgsql;

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

    /// <summary>Waits until key_holders lists some silo for <paramref name="address"/>; false if none within <paramref name="timeout"/>.</summary>
    public static Task<bool> ListedAsync(string database, Address address, TimeSpan timeout) =>
        Eventually.WaitAsync(async () => (await HoldersAsync(database, address)).Count > 0, timeout);

    /// <summary>The silos key_holders lists for <paramref name="address"/>: where other silos route its duties.</summary>
    public static async Task<List<string>> HoldersAsync(string database, Address address)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select silo from key_holders where address = $1 order by silo", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = address.ToArray() });
        await using var reader = await command.ExecuteReaderAsync();
        var silos = new List<string>();
        while (await reader.ReadAsync())
        {
            silos.Add(reader.GetString(0));
        }
        return silos;
    }
}
