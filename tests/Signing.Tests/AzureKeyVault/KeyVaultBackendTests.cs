using System.Diagnostics;
using Azure.Identity;
using Hosting.Contracts.Telemetry;
using Hosting.L1.Crypto;
using Hosting.Signing.AzureKeyVault;
using Hosting.Signing.Tests.Support;
using Hosting.TestKit.AzureKeyVault;

namespace Hosting.Signing.Tests.AzureKeyVault;

public sealed class KeyVaultBackendTests : IAsyncLifetime
{
    private readonly SafetyDatabase _database = new();
    private FakeKeyVault _vault = null!;
    private readonly FakeCredential _credential = new();

    public async Task InitializeAsync()
    {
        await _database.InitializeAsync();
        _vault = await FakeKeyVault.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _vault.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task test_sign_throughGate_challengeThenTokenForTheVaultsTenant()
    {
        var (keyId, address) = _vault.CreateKey("sequencer-1");
        var backend = new KeyVaultBackend(_credential, _vault.Options());
        await using var scope = new GateScope(_database, extraBackends: [backend]);

        var key = await scope.Custody.RegisterAsync("acme", SigningBackend.AzureKeyVault, keyId, "test");
        for (ulong slot = 1; slot <= 10; slot++)
        {
            var signed = await scope.SignAsync("acme", address, slot, 1);
            Assert.Null(Secp256k1.FindProblem(signed.Signature));
            Assert.Equal(address, Secp256k1.Default.RecoverAddress(signed.PayloadHash, signed.Signature));
        }

        Assert.Equal(address, key.Address);
        var requested = Assert.Single(_credential.Requests.DistinctBy(r => (r.TenantId, r.Scopes.Single())));
        Assert.Equal(FakeKeyVault.TenantId, requested.TenantId);
        Assert.Equal("https://vault.azure.net/.default", requested.Scopes.Single());
        var requests = _vault.Requests.ToList();
        Assert.Equal($"GET /keys/sequencer-1 401", requests[0]);
        Assert.Equal($"GET /keys/sequencer-1 200", requests[1]);
        Assert.Single(requests, r => r.EndsWith(" 401", StringComparison.Ordinal)); // the token is sent from the start afterwards
        Assert.Equal(10, requests.Count(r => r.StartsWith("POST", StringComparison.Ordinal) && r.EndsWith("/sign 200", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task test_throttled429_waitsRetryAfterThenSigns()
    {
        var (keyId, address) = _vault.CreateKey("throttled");
        var backend = new KeyVaultBackend(_credential, _vault.Options());
        await using var scope = new GateScope(_database, extraBackends: [backend]);
        await scope.Custody.RegisterAsync("acme", SigningBackend.AzureKeyVault, keyId, "test");
        _vault.Fail(429, times: 1, retryAfter: "1", code: "Throttled");

        var started = Stopwatch.StartNew();
        var signed = await scope.SignAsync("acme", address, 1, 1);

        Assert.True(started.Elapsed >= TimeSpan.FromMilliseconds(900), $"retried after {started.Elapsed}, before the vault's Retry-After of 1 s");
        Assert.Equal(address, Secp256k1.Default.RecoverAddress(signed.PayloadHash, signed.Signature));
        Assert.Contains(_vault.Requests, r => r.EndsWith(" 429", StringComparison.Ordinal));
    }

    [Fact]
    public async Task test_serverError_retriedThenSigns_persistentFailsTypedNothingSigned()
    {
        var (keyId, address) = _vault.CreateKey("flaky");
        var backend = new KeyVaultBackend(_credential, _vault.Options(maxRetries: 2));
        await using var scope = new GateScope(_database, extraBackends: [backend]);
        await scope.Custody.RegisterAsync("acme", SigningBackend.AzureKeyVault, keyId, "test");

        _vault.Fail(500, times: 1);
        await scope.SignAsync("acme", address, 1, 1);

        _vault.Fail(503, times: 3, code: "ServiceUnavailable");
        var failure = await Assert.ThrowsAsync<KeyVaultException>(() => scope.SignAsync("acme", address, 2, 1));
        Assert.Equal(VaultError.Unavailable, failure.Error);
        Assert.Equal(503, failure.Status);
        Assert.Equal("ServiceUnavailable", failure.ErrorCode);
        Assert.Contains("flaky", failure.Message, StringComparison.Ordinal);
        Assert.Equal(1, await _database.CountAsync("select count(*) from signed_duties"));
        Assert.Equal(1, await _database.CountAsync("select count(*) from signing_audit where outcome = 'failed' and slot = 2"));
    }

    [Fact]
    public async Task test_forbidden403_notRetried_typed()
    {
        var (keyId, address) = _vault.CreateKey("forbidden");
        var backend = new KeyVaultBackend(_credential, _vault.Options());
        await using var scope = new GateScope(_database, extraBackends: [backend]);
        await scope.Custody.RegisterAsync("acme", SigningBackend.AzureKeyVault, keyId, "test");
        _vault.Fail(403, times: 5, code: "Forbidden");

        var failure = await Assert.ThrowsAsync<KeyVaultException>(() => scope.SignAsync("acme", address, 1, 1));

        Assert.Equal(VaultError.Unauthorised, failure.Error);
        Assert.Equal(403, failure.Status);
        Assert.Equal(1, _vault.Requests.Count(r => r.EndsWith(" 403", StringComparison.Ordinal)));
        Assert.Equal(0, await _database.CountAsync("select count(*) from signed_duties"));
    }

    [Fact]
    public async Task test_unknownKey_404_typedAtRegistration()
    {
        var backend = new KeyVaultBackend(_credential, _vault.Options());
        await using var scope = new GateScope(_database, extraBackends: [backend]);

        var failure = await Assert.ThrowsAsync<KeyVaultException>(() =>
            scope.Custody.RegisterAsync("acme", SigningBackend.AzureKeyVault, new Uri(_vault.Uri, "keys/nobody").AbsoluteUri, "test"));

        Assert.Equal(VaultError.KeyNotFound, failure.Error);
        Assert.Equal("KeyNotFound", failure.ErrorCode);
        Assert.Empty(await scope.Custody.ListKeysAsync("acme"));
    }

    [Fact]
    public async Task test_challengeForAForeignResource_noTokenRequested()
    {
        var (keyId, _) = _vault.CreateKey("foreign");
        var options = _vault.Options();
        options.VerifyChallengeResource = true; // localhost is not a vault.azure.net host
        var backend = new KeyVaultBackend(_credential, options);

        var failure = await Assert.ThrowsAsync<KeyVaultException>(() => backend.ResolveAddressAsync(keyId));

        Assert.Equal(VaultError.Unauthorised, failure.Error);
        Assert.Contains("vault.azure.net", failure.Message, StringComparison.Ordinal);
        Assert.Empty(_credential.Requests);
    }

    /// <summary>
    /// Runs against a real vault when HOSTING_TEST_KEYVAULT_KEY_ID names a P-256K key
    /// (https://&lt;vault&gt;.vault.azure.net/keys/&lt;name&gt;) and DefaultAzureCredential can sign in; skipped otherwise.
    /// </summary>
    [RealVaultFact]
    public async Task test_realVault_signsAndRecovers()
    {
        var keyId = Environment.GetEnvironmentVariable(RealVaultFactAttribute.Variable)!;
        var backend = new KeyVaultBackend(new DefaultAzureCredential());
        var address = await backend.ResolveAddressAsync(keyId);
        var digest = Keccak256.Hash("hosting real vault test");

        var signature = await backend.SignDigestAsync(new SigningKey(address, "acme", SigningBackend.AzureKeyVault, keyId, KeyStatus.Active, null), digest);

        Assert.Null(Secp256k1.FindProblem(signature));
        Assert.Equal(address, Secp256k1.Default.RecoverAddress(digest, signature));
    }
}

/// <summary>A fact that runs only when real Key Vault settings are in the environment, and says why it is skipped.</summary>
public sealed class RealVaultFactAttribute : FactAttribute
{
    public const string Variable = "HOSTING_TEST_KEYVAULT_KEY_ID";

    public RealVaultFactAttribute()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(Variable)))
        {
            Skip = $"{Variable} is not set: set it to a P-256K key identifier (https://<vault>.vault.azure.net/keys/<name>) with sign and get permissions for DefaultAzureCredential to run against a real vault.";
        }
    }
}
