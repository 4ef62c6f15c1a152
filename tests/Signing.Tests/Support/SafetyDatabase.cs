using Hosting.Contracts.Domain;
using Hosting.Signing.Keystore;
using Hosting.TestKit;
using Npgsql;

namespace Hosting.Signing.Tests.Support;

/// <summary>A fresh database with the gate's schema applied by the fixture itself (twice: the file must be idempotent).</summary>
public sealed class SafetyDatabase : IAsyncLifetime
{
    public string ConnectionString { get; private set; } = "";
    public NpgsqlDataSource DataSource { get; private set; } = null!;

    /// <summary>
    /// The gate's scripts in the order the migrator applies them: tables, the function that holds the rule, the
    /// per-prover rule that replaces it, its generic plan, the tenant bound, the fast path.
    /// </summary>
    public static IReadOnlyList<string> SchemaPaths =>
        [RepositoryRoot.Combine("infra", "postgres", "010_signing_gate.sql"), RepositoryRoot.Combine("infra", "postgres", "020_signing_gate_decide.sql"),
         RepositoryRoot.Combine("infra", "postgres", "030_signing_gate_per_prover.sql"), RepositoryRoot.Combine("infra", "postgres", "050_signing_gate_generic_plan.sql"),
         RepositoryRoot.Combine("infra", "postgres", "060_publisher_keys.sql"),
         RepositoryRoot.Combine("infra", "postgres", "070_signing_gate_tenant_bound_and_repeats.sql"),
         RepositoryRoot.Combine("infra", "postgres", "080_signing_gate_fast_grants.sql")];

    public async Task InitializeAsync()
    {
        ConnectionString = await PostgresServer.CreateDatabaseAsync("signing");
        DataSource = NewDataSource();
        for (var i = 0; i < 2; i++)
        {
            foreach (var path in SchemaPaths)
            {
                await using var command = DataSource.CreateCommand(await File.ReadAllTextAsync(path));
                await command.ExecuteNonQueryAsync();
            }
        }
    }

    /// <summary>An independent pool, as another silo would have.</summary>
    public NpgsqlDataSource NewDataSource(int maxPoolSize = 50) =>
        new NpgsqlDataSourceBuilder(new NpgsqlConnectionStringBuilder(ConnectionString) { MaxPoolSize = maxPoolSize }.ConnectionString).Build();

    public async Task<long> CountAsync(string sql, params object[] parameters)
    {
        await using var command = DataSource.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    public async Task DisposeAsync()
    {
        await DataSource.DisposeAsync();
        if (ConnectionString.Length > 0)
        {
            await PostgresServer.DropDatabaseAsync(ConnectionString);
        }
    }
}

/// <summary>Keys for tests: a random key as a cheap keystore (PBKDF2 with few rounds, since the KDF cost is not under test here).</summary>
public static class TestKeys
{
    public static readonly KeystoreKdf Cheap = new("pbkdf2", 1000);

    public static (string Json, Address Address) NewKeystore(string password)
    {
        // The in-memory key never hands out its bytes, so make the secret first and check it is a valid scalar.
        var secret = new byte[32];
        do
        {
            System.Security.Cryptography.RandomNumberGenerator.Fill(secret);
        }
        while (!L1.Crypto.Secp256k1.IsValidScalar(secret));
        using var chosen = new L1.Crypto.PrivateKey(secret);
        return (Web3Keystore.Encrypt(secret, password, Cheap), chosen.Address);
    }

    /// <summary>The prover commitment authorisations name when a test does not care which.</summary>
    public static readonly Address Prover = Address.Parse("0x00000000000000000000000000000000000f00d1");

    /// <summary>A stand-in for a prover's address: distinct per <paramref name="n"/>.</summary>
    public static Address ProverNumber(int n) => Address.Parse($"0x{n:x40}");

    public static byte[] Commitment(Address prover, int variant, ulong slot) =>
        SigningPayload.Eip712(L1.Crypto.Keccak256.Hash("domain"), L1.Crypto.Keccak256.Hash($"commitment {slot} prover {prover} variant {variant}"));

    public static byte[] Payload(int seed, ulong slot)
    {
        var domain = L1.Crypto.Keccak256.Hash($"domain");
        var structHash = L1.Crypto.Keccak256.Hash($"proposal {slot} variant {seed}");
        return SigningPayload.Eip712(domain, structHash);
    }
}
