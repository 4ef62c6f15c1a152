using Hosting.Contracts.Domain;
using Hosting.Signing.Keystore;

namespace Hosting.Signing.Tests.Support;

/// <summary>A gate, its custody and a keystore backend on one database, as one silo would wire them.</summary>
public sealed class GateScope : IAsyncDisposable
{
    public GateScope(SafetyDatabase database, string node = "node-a", IKeyBackend[]? extraBackends = null, Npgsql.NpgsqlDataSource? dataSource = null, int maxProvers = 4, int maxBatchesPerKey = 1)
    {
        Keystores = new KeystoreBackend();
        IKeyBackend[] backends = [Keystores, .. extraBackends ?? []];
        var options = new SigningGateOptions { NodeName = node, MaxCommitmentAuthorisationsPerSlot = maxProvers, MaxBatchesPerKey = maxBatchesPerKey };
        DataSource = dataSource ?? database.NewDataSource();
        Gate = new SigningGate(DataSource, backends, options);
        Custody = new KeyCustody(DataSource, backends, options);
    }

    public Npgsql.NpgsqlDataSource DataSource { get; }
    public KeystoreBackend Keystores { get; }
    public SigningGate Gate { get; }
    public KeyCustody Custody { get; }

    public async Task<Address> RegisterKeystoreAsync(string tenant, string password = "correct horse")
    {
        var (json, address) = TestKeys.NewKeystore(password);
        var key = await Custody.RegisterKeystoreAsync(tenant, json, password, "test");
        Assert.Equal(address, key.Address);
        return address;
    }

    /// <summary>A commitment authorisation names <see cref="TestKeys.Prover"/> unless the test names another.</summary>
    public Task<SignedDuty> SignAsync(string tenant, Address sequencer, ulong slot, int variant, Contracts.Telemetry.Duty duty = Contracts.Telemetry.Duty.Proposal) =>
        Gate.SignAsync(new SigningRequest(tenant, sequencer, slot, duty, TestKeys.Payload(variant, slot), "test",
            duty == Contracts.Telemetry.Duty.CommitmentAuthorisation ? TestKeys.Prover : null));

    /// <summary>A commitment authorisation for <paramref name="prover"/>; its payload differs per prover and variant, as the real struct hash does.</summary>
    public Task<SignedDuty> AuthoriseAsync(string tenant, Address sequencer, ulong slot, Address prover, int variant = 1, int? tenantBound = null) =>
        Gate.SignAsync(new SigningRequest(tenant, sequencer, slot, Contracts.Telemetry.Duty.CommitmentAuthorisation,
            TestKeys.Commitment(prover, variant, slot), "test", prover, tenantBound));

    public async ValueTask DisposeAsync()
    {
        await Gate.DisposeAsync();
        Keystores.Dispose();
        await DataSource.DisposeAsync();
    }
}
