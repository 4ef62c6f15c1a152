using Hosting.Contracts.Telemetry;
using Hosting.L1.Crypto;
using Hosting.Signing.AzureKeyVault;
using Hosting.Signing.Tests.Support;
using Hosting.TestKit.AzureKeyVault;

namespace Hosting.Signing.Tests.AzureKeyVault;

/// <summary>Keys generated in the vault through key custody: create, register, sign through the gate; a taken name and a failed registration.</summary>
public sealed class KeyVaultGenerationTests : IAsyncLifetime
{
    private readonly SafetyDatabase _database = new();
    private readonly FakeCredential _credential = new();
    private FakeKeyVault _vault = null!;

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

    private KeyVaultBackend Backend(string keyType = "EC-HSM", bool purge = false)
    {
        var options = _vault.Options();
        options.VaultUri = _vault.Uri;
        options.GeneratedKeyType = keyType;
        options.PurgeDeletedKeys = purge;
        options.PurgeWait = TimeSpan.FromSeconds(10);
        return new KeyVaultBackend(_credential, options);
    }

    /// <summary>A key generated in the vault, signed with once, then deleted in custody (stopped, history exported): ready to destroy.</summary>
    private static async Task<(SigningKey Key, SignedDuty Signed)> GeneratedAndDeletedAsync(GateScope scope, string label)
    {
        var key = await scope.Custody.GenerateKeyAsync("acme", SigningBackend.AzureKeyVault, label, "test");
        var signed = await scope.SignAsync("acme", key.Address, 5, 1);
        await scope.Custody.DeleteKeyAsync("acme", key.Address, "test");
        return (key, signed);
    }

    [Fact]
    public async Task test_generate_createsAnHsmKeyInTheVault_registersItsVersion_andSignsThroughTheGate()
    {
        var backend = Backend();
        await using var scope = new GateScope(_database, extraBackends: [backend]);

        var key = await scope.Custody.GenerateKeyAsync("acme", SigningBackend.AzureKeyVault, "acme.seq_1", "test");

        Assert.Equal(("acme-seq-1", "EC-HSM"), Assert.Single(_vault.Created));
        Assert.StartsWith(new Uri(_vault.Uri, "keys/acme-seq-1/").AbsoluteUri, key.KeyReference, StringComparison.Ordinal);
        Assert.Equal(("acme", SigningBackend.AzureKeyVault, KeyStatus.Active), (key.Tenant, key.Backend, key.Status));
        var signed = await scope.SignAsync("acme", key.Address, 3, 1);
        Assert.Equal(key.Address, Secp256k1.Default.RecoverAddress(signed.PayloadHash, signed.Signature));
        Assert.Contains(await scope.Custody.ReadAuditAsync(key.Address), line => line.Entry.Action == "generate_key" && line.Entry.Outcome == "done");
    }

    [Fact]
    public async Task test_generate_nameTheVaultHolds_refusedKeyExists_noNewVersion_nothingRecorded()
    {
        var (_, existing) = _vault.CreateKey("acme-taken");
        var backend = Backend();
        await using var scope = new GateScope(_database, extraBackends: [backend]);

        var refused = await Assert.ThrowsAsync<KeyVaultException>(() => scope.Custody.GenerateKeyAsync("acme", SigningBackend.AzureKeyVault, "acme.taken", "test"));

        Assert.Equal(KeyVaultBackend.KeyExists, refused.ErrorCode);
        Assert.Contains("'acme-taken'", refused.Message, StringComparison.Ordinal);
        Assert.Empty(_vault.Created);
        Assert.Equal(existing, await backend.ResolveAddressAsync(new Uri(_vault.Uri, "keys/acme-taken").AbsoluteUri));
        Assert.Empty(await scope.Custody.ListKeysAsync("acme"));
        Assert.Contains(await scope.Custody.ReadAuditAsync(), line => line.Entry.Action == "generate_key" && line.Entry.Outcome == "failed");
    }

    [Fact]
    public async Task test_generate_registrationFails_theNewKeyIsDeletedFromTheVaultAgain()
    {
        var backend = Backend("EC");
        // Custody whose database cannot be reached: the key is made, then recording it fails.
        await using var unreachable = Npgsql.NpgsqlDataSource.Create("Host=127.0.0.1;Port=1;Username=nobody;Timeout=2");
        var custody = new KeyCustody(unreachable, [backend]);

        await Assert.ThrowsAnyAsync<Exception>(() => custody.GenerateKeyAsync("acme", SigningBackend.AzureKeyVault, "acme.lost", "test"));

        Assert.Equal(("acme-lost", "EC"), Assert.Single(_vault.Created));
        Assert.Equal("acme-lost", Assert.Single(_vault.Deleted));
        Assert.False(_vault.Holds("acme-lost"));
    }

    [Fact]
    public async Task test_deleteGeneratedKey_thenDestroy_deletesItFromTheVault_historyKept_keySignsNoMore()
    {
        var backend = Backend();
        await using var scope = new GateScope(_database, extraBackends: [backend]);
        var key = await scope.Custody.GenerateKeyAsync("acme", SigningBackend.AzureKeyVault, "acme.seq_gone", "test");
        var signed = await scope.SignAsync("acme", key.Address, 5, 1);

        // Destroying before the delete flow is refused: the key must stop and have its history exported first.
        var early = await Assert.ThrowsAsync<KeyCustodyException>(() => scope.Custody.DestroyDeletedKeyAsync("acme", key.Address, "test"));
        Assert.Contains("not deleted", early.Message, StringComparison.Ordinal);
        Assert.True(_vault.Holds("acme-seq-gone"));

        var export = await scope.Custody.DeleteKeyAsync("acme", key.Address, "test");
        var destroyed = await scope.Custody.DestroyDeletedKeyAsync("acme", key.Address, "test");

        Assert.Equal(key.KeyReference, destroyed.Key.KeyReference);
        Assert.Equal("acme-seq-gone", Assert.Single(_vault.Deleted));
        Assert.False(_vault.Holds("acme-seq-gone"));
        Assert.Contains(signed.Signature.ToString(), export, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(signed.Signature, Assert.Single(await scope.Custody.HistoryAsync(key.Address)).Signature);
        Assert.Contains(await scope.Custody.ReadAuditAsync(key.Address), line => line.Entry.Action == "destroy_key" && line.Entry.Outcome == "done");
        var refused = await Assert.ThrowsAsync<SigningRefusedException>(() => scope.SignAsync("acme", key.Address, 6, 1));
        Assert.Equal(SigningRefusal.KeyDeleted, refused.Refusal);
        // The vault itself no longer answers for the key: a fresh backend cannot resolve it.
        var gone = await Assert.ThrowsAsync<KeyVaultException>(() => Backend().ResolveAddressAsync(key.KeyReference));
        Assert.Equal(VaultError.KeyNotFound, gone.Error);
    }

    [Fact]
    public async Task test_destroy_keyRegisteredByReference_refused_staysInTheVault()
    {
        var (kid, _) = _vault.CreateKey("acme-brought");
        var backend = Backend();
        await using var scope = new GateScope(_database, extraBackends: [backend]);
        var key = await scope.Custody.RegisterAsync("acme", SigningBackend.AzureKeyVault, kid, "test");
        await scope.Custody.DeleteKeyAsync("acme", key.Address, "test");

        var refused = await Assert.ThrowsAsync<KeyCustodyException>(() => scope.Custody.DestroyDeletedKeyAsync("acme", key.Address, "test"));

        Assert.Contains("did not generate", refused.Message, StringComparison.Ordinal);
        Assert.True(_vault.Holds("acme-brought"));
        Assert.Empty(_vault.Deleted);
        Assert.Contains(await scope.Custody.ReadAuditAsync(key.Address), line => line.Entry.Action == "destroy_key" && line.Entry.Outcome == "refused");
    }

    [Fact]
    public async Task test_withoutVaultUri_generatesNothing()
    {
        var backend = new KeyVaultBackend(_credential, _vault.Options());
        await using var scope = new GateScope(_database, extraBackends: [backend]);

        Assert.False(scope.Custody.CanGenerate(SigningBackend.AzureKeyVault));
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => scope.Custody.GenerateKeyAsync("acme", SigningBackend.AzureKeyVault, "acme.x", "test"));
        Assert.Contains("does not generate keys", refused.Message, StringComparison.Ordinal);
        Assert.Empty(_vault.Created);
    }

    [Fact]
    public async Task test_destroy_softDeletingVault_withoutPurge_keyRecoverableUntilItsDate_nameNotReusable()
    {
        await using var scope = new GateScope(_database, extraBackends: [Backend()]);
        var (key, _) = await GeneratedAndDeletedAsync(scope, "acme.kept");

        var destroyed = await scope.Custody.DestroyDeletedKeyAsync("acme", key.Address, "test");

        // The operator is told the truth: deleted, but the vault's owner can still recover it until the scheduled purge.
        var until = (DateTimeOffset.UtcNow + FakeKeyVault.Retention).ToString("yyyy-MM-dd");
        Assert.Contains("recoverable there until " + until, destroyed.Outcome, StringComparison.Ordinal);
        Assert.True(_vault.HoldsDeleted("acme-kept"));
        Assert.Empty(_vault.Purged);
        Assert.Contains(await scope.Custody.ReadAuditAsync(key.Address),
            line => line.Entry.Action == "destroy_key" && line.Entry.Outcome == "done" && line.Entry.Detail!.Contains("recoverable", StringComparison.Ordinal));
        // The vault refuses the name while the key is recoverable, and the refusal says so; nothing new is recorded.
        var again = await Assert.ThrowsAsync<KeyVaultException>(() => scope.Custody.GenerateKeyAsync("acme", SigningBackend.AzureKeyVault, "acme.kept", "test"));
        Assert.Equal(409, again.Status);
        Assert.Contains("deleted but recoverable", again.Message, StringComparison.Ordinal);
        Assert.Equal(key.Address, Assert.Single(await scope.Custody.ListKeysAsync("acme")).Address);
    }

    [Fact]
    public async Task test_destroy_withPurge_waitsOutTheDeletion_purgesTheKey_andTheNameCanBeGeneratedAgain()
    {
        await using var scope = new GateScope(_database, extraBackends: [Backend(purge: true)]);
        var (key, signed) = await GeneratedAndDeletedAsync(scope, "acme.purged");

        var destroyed = await scope.Custody.DestroyDeletedKeyAsync("acme", key.Address, "test");

        Assert.Contains("purged", destroyed.Outcome, StringComparison.Ordinal);
        Assert.Equal("acme-purged", Assert.Single(_vault.Purged));
        Assert.False(_vault.HoldsDeleted("acme-purged"));
        // The vault answered 409 "being deleted" at least once before the purge went through.
        Assert.Contains(_vault.Requests, line => line == "DELETE /deletedkeys/acme-purged 409");
        Assert.Contains(_vault.Requests, line => line == "DELETE /deletedkeys/acme-purged 204");
        Assert.Equal(signed.Signature, Assert.Single(await scope.Custody.HistoryAsync(key.Address)).Signature);
        // The name is free: a new key of that label is a different key.
        var fresh = await scope.Custody.GenerateKeyAsync("acme", SigningBackend.AzureKeyVault, "acme.purged", "test");
        Assert.NotEqual(key.Address, fresh.Address);
    }

    [Fact]
    public async Task test_destroy_withPurge_onAPurgeProtectedVault_failsNamingWhyAndUntilWhen_keyStaysDeletedInCustody()
    {
        _vault.PurgeProtection = true;
        await using var scope = new GateScope(_database, extraBackends: [Backend(purge: true)]);
        var (key, signed) = await GeneratedAndDeletedAsync(scope, "acme.protected");

        var refused = await Assert.ThrowsAsync<KeyVaultException>(() => scope.Custody.DestroyDeletedKeyAsync("acme", key.Address, "test"));

        Assert.Equal(403, refused.Status);
        Assert.Contains("not purged", refused.Message, StringComparison.Ordinal);
        Assert.Contains("purge protection", refused.Message, StringComparison.Ordinal);
        Assert.Contains("recoverable there until", refused.Message, StringComparison.Ordinal);
        Assert.True(_vault.HoldsDeleted("acme-protected"));
        Assert.Contains(await scope.Custody.ReadAuditAsync(key.Address), line => line.Entry.Action == "destroy_key" && line.Entry.Outcome == "failed");
        // Nothing else is undone: the key stays deleted (it never signs again) and its history stays.
        var stopped = await Assert.ThrowsAsync<SigningRefusedException>(() => scope.SignAsync("acme", key.Address, 6, 1));
        Assert.Equal(SigningRefusal.KeyDeleted, stopped.Refusal);
        Assert.Equal(signed.Signature, Assert.Single(await scope.Custody.HistoryAsync(key.Address)).Signature);
    }

    [Fact]
    public async Task test_destroy_vaultWithoutSoftDelete_saysTheKeyIsGone_noPurgeAsked()
    {
        _vault.SoftDelete = false;
        await using var scope = new GateScope(_database, extraBackends: [Backend(purge: true)]);
        var (key, _) = await GeneratedAndDeletedAsync(scope, "acme.hard");

        var destroyed = await scope.Custody.DestroyDeletedKeyAsync("acme", key.Address, "test");

        Assert.Contains("does not soft-delete", destroyed.Outcome, StringComparison.Ordinal);
        Assert.DoesNotContain(_vault.Requests, line => line.Contains("/deletedkeys/", StringComparison.Ordinal));
        Assert.False(_vault.HoldsDeleted("acme-hard"));
    }
}
