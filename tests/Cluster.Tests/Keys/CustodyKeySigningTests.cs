using Hosting.Cluster.Tests.Postgres;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Sequencers;
using Hosting.Contracts.Telemetry;
using Hosting.Contracts.Tenants;
using Hosting.Grains.L1;
using Hosting.Grains.Slots;
using Hosting.L1.Crypto;
using Hosting.Signing;
using Hosting.Silo.Configuration;
using Hosting.Silo.Keys;
using Hosting.Silo.L1;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.TestingHost;

namespace Hosting.Cluster.Tests.Keys;

/// <summary>
/// A key imported through key custody (what the portal's /eth/v1/keystores does) on two PostgreSQL silos wired as
/// the silo host wires them: hosted on both, accepted by its sequencer grain, and its proposal duty signed through
/// the signing-safety gate, recorded once, refused for a second payload.
/// </summary>
public sealed class CustodyKeySigningTests
{
    private const string Tenant = "acme";

    [Fact]
    public async Task A_key_imported_through_custody_signs_its_proposal_through_the_gate_once_and_a_second_payload_is_refused()
    {
        var database = await PostgresCluster.CreateMigratedDatabaseAsync();
        var cluster = await PostgresCluster.StartAsync(database, 2, configure: builder => builder.AddSiloBuilderConfigurator<SiloWithCustody>());
        try
        {
            var first = Services(cluster.Silos[0]);
            var second = Services(cluster.Silos[1]);
            await cluster.Client.GetGrain<ITenantGrain>(Tenant).SaveAsync(Tenant);

            var (json, address) = CustodyKeys.NewKeystore("correct horse");
            var key = await first.GetRequiredService<KeyCustody>().RegisterKeystoreAsync(Tenant, json, "correct horse", "operator@acme");
            Assert.Equal(address, key.Address);
            // Hosted at once on the silo that imported it, and after a reload on the other: both rank it for slots.
            Assert.Equal(Tenant, first.GetRequiredService<AccountKeys>().InCustody[address]);
            Assert.True(await Eventually.WaitAsync(() => Task.FromResult(second.GetRequiredService<AccountKeys>().HostsSequencer(address)), TimeSpan.FromSeconds(30)),
                "the second silo never listed the key imported on the first");
            var imported = await cluster.Client.GetGrain<ISequencerGrain>(address.ToString()).ImportAsync(Tenant);
            Assert.Equal(Tenant, imported.Tenant);

            // The duty signer a slot grain gets is the gate, and it signs with the custody key.
            var signer = first.GetRequiredService<IDutySigner>();
            Assert.IsType<KeyRoutingDutySigner>(signer);
            const ulong slot = 42;
            var proposal = CustodyKeys.Proposal(slot, "archive 41");
            var signature = await signer.SignAsync(new DutyRequest(Tenant, address, slot, Duty.Proposal, proposal, $"slot/{slot}"));
            Assert.Equal(address, Secp256k1.Default.RecoverAddress(CustodyKeys.Digest(proposal), signature));
            var rows = await SignedRowsAsync(database, address, slot);
            Assert.Equal([signature.ToArray()], rows);

            // The other silo (where this keystore is locked) gets the stored signature back for the same proposal.
            var again = await second.GetRequiredService<IDutySigner>().SignAsync(new DutyRequest(Tenant, address, slot, Duty.Proposal, proposal, $"slot/{slot}"));
            Assert.Equal(signature, again);

            // A different proposal for the same slot is refused, naming both payload hashes, and nothing new is stored.
            var conflicting = CustodyKeys.Proposal(slot, "another archive");
            var refused = await Assert.ThrowsAsync<SigningRefusedException>(() =>
                signer.SignAsync(new DutyRequest(Tenant, address, slot, Duty.Proposal, conflicting, $"slot/{slot}")));
            Assert.Equal(SigningRefusal.ConflictingPayload, refused.Refusal);
            Assert.Contains(CustodyKeys.Digest(proposal).ToString(), refused.Message, StringComparison.Ordinal);
            Assert.Contains(CustodyKeys.Digest(conflicting).ToString(), refused.Message, StringComparison.Ordinal);
            Assert.Equal([signature.ToArray()], await SignedRowsAsync(database, address, slot));
        }
        finally
        {
            await cluster.StopAsync();
        }
    }

    private static IServiceProvider Services(SiloHandle silo) => ((InProcessSiloHandle)silo).SiloHost.Services;

    private static async Task<List<byte[]>> SignedRowsAsync(string database, Address sequencer, ulong slot)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select signature from signed_duties where sequencer = $1 and slot = $2 and duty = 'proposal'", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = sequencer.ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = (long)slot });
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<byte[]>();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetFieldValue<byte[]>(0));
        }
        return rows;
    }

    /// <summary>What the silo host adds when PostgreSQL is configured: the gate and key custody, the L1 services, the key load.</summary>
    public sealed class SiloWithCustody : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            var connectionString = siloBuilder.Configuration[PostgresCluster.ConnectionKey]!;
            siloBuilder.Services.AddSigningGate(connectionString, o => o.NodeName = $"silo-{Guid.NewGuid():N}"[..13]);
            siloBuilder.Services.AddL1Follower(new L1Options());
            siloBuilder.Services.AddHostedKeys(new KeysOptions { ReloadSeconds = 1 });
        }
    }
}
