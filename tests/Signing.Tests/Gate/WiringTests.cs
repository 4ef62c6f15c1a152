using Hosting.Signing.Keystore;
using Hosting.Signing.Tests.Support;
using Hosting.TestKit.AzureKeyVault;
using Microsoft.Extensions.DependencyInjection;

namespace Hosting.Signing.Tests.Gate;

public sealed class WiringTests : IAsyncLifetime
{
    private readonly SafetyDatabase _database = new();

    public Task InitializeAsync() => _database.InitializeAsync();

    public Task DisposeAsync() => _database.DisposeAsync();

    [Fact]
    public async Task test_addSigningGate_resolvesOneGateAndCustodySharingBackends()
    {
        var services = new ServiceCollection()
            .AddSigningGate(_database.ConnectionString, o => o.NodeName = "silo-1")
            .AddAzureKeyVaultKeys(new FakeCredential());
        await using var provider = services.BuildServiceProvider();

        var gate = provider.GetRequiredService<ISigningGate>();
        var custody = provider.GetRequiredService<KeyCustody>();
        var (json, address) = TestKeys.NewKeystore("pw");
        await custody.RegisterKeystoreAsync("acme", json, "pw", "portal");
        var signed = await gate.SignAsync(new SigningRequest("acme", address, 1, Contracts.Telemetry.Duty.Proposal, TestKeys.Payload(1, 1), "sequencer-grain"));

        Assert.Same(gate, provider.GetRequiredService<SigningGate>());
        Assert.True(provider.GetRequiredService<KeystoreBackend>().IsUnlocked(address));
        Assert.Equal(2, provider.GetServices<IKeyBackend>().Count());
        Assert.Equal("silo-1", signed.SignerNode);
    }
}
