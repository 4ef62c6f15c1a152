using Hosting.L1.Crypto;
using Hosting.Contracts.Domain;
using Hosting.Signing.Tests.Support;

namespace Hosting.Signing.Tests.Gate;

/// <summary>Publisher keys in key custody: one key has one purpose, and only an active publisher key of the asking tenant signs transactions.</summary>
public sealed class PublisherKeyTests : IAsyncLifetime
{
    private readonly SafetyDatabase _database = new();

    public Task InitializeAsync() => _database.InitializeAsync();

    public Task DisposeAsync() => _database.DisposeAsync();

    [Fact]
    public async Task test_publisherKey_signsTransactionDigests_onlyForItsTenant_andNotOnceDeleted()
    {
        await using var scope = new GateScope(_database);
        var (json, publisher) = TestKeys.NewKeystore("pw");
        var key = await scope.Custody.RegisterKeystoreAsync("acme", json, "pw", "operator", purpose: KeyPurpose.Publisher);
        Assert.Equal(KeyPurpose.Publisher, key.Purpose);
        Assert.Equal(KeyPurpose.Publisher, (await scope.Custody.FindKeyAsync(publisher))!.Purpose);

        var digest = Keccak256.Hash("a transaction");
        var signature = await scope.Custody.SignPublisherTransactionAsync("acme", publisher, digest);
        Assert.Equal(publisher, Secp256k1.Default.RecoverAddress(digest, signature));

        var other = await Assert.ThrowsAsync<KeyCustodyException>(() => scope.Custody.SignPublisherTransactionAsync("globex", publisher, digest));
        Assert.Equal(SigningRefusal.TenantMismatch, other.Refusal);
        await scope.Custody.DeleteKeyAsync("acme", publisher, "operator");
        Assert.Equal(SigningRefusal.KeyDeleted, (await Assert.ThrowsAsync<KeyCustodyException>(() => scope.Custody.SignPublisherTransactionAsync("acme", publisher, digest))).Refusal);
    }

    [Fact]
    public async Task test_sequencerKey_neverSignsAsPublisher_andIsNotRegisteredAsOne()
    {
        await using var scope = new GateScope(_database);
        var (json, sequencer) = TestKeys.NewKeystore("pw");
        await scope.Custody.RegisterKeystoreAsync("acme", json, "pw", "operator");

        var refused = await Assert.ThrowsAsync<KeyCustodyException>(() => scope.Custody.SignPublisherTransactionAsync("acme", sequencer, Keccak256.Hash("tx")));
        Assert.Equal(SigningRefusal.UnknownKey, refused.Refusal);
        var conflict = await Assert.ThrowsAsync<KeyPurposeConflictException>(() => scope.Custody.RegisterKeystoreAsync("acme", json, "pw", "operator", purpose: KeyPurpose.Publisher));
        Assert.Equal(KeyPurpose.Sequencer, conflict.Held);
        Assert.Contains("held as a sequencer key", conflict.Message, StringComparison.Ordinal);
        // Refused, the sequencer key stays as it was: still a sequencer key, still unlocked and signing duties.
        Assert.Equal(KeyPurpose.Sequencer, (await scope.Custody.FindKeyAsync(sequencer))!.Purpose);
        Assert.True(scope.Custody.IsUnlocked(sequencer));
        await scope.SignAsync("acme", sequencer, 1, 1);
        Assert.Equal(1, await _database.CountAsync("select count(*) from signing_audit where reason = 'purpose_conflict'"));
    }
}
