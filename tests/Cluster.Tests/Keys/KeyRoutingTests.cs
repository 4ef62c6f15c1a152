using Hosting.Cluster.Tests.Postgres;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Telemetry;
using Hosting.Contracts.Tenants;
using Hosting.Grains.L1;
using Hosting.Grains.Slots;
using Hosting.L1.Crypto;
using Hosting.Signing;
using Hosting.Signing.Pkcs11;
using Hosting.Silo.Keys;
using Hosting.TestKit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.TestingHost;

namespace Hosting.Cluster.Tests.Keys;

/// <summary>
/// A keystore imported on one silo is unlocked only there (no password file anywhere). A slot grain on another
/// silo still gets its duty signed: the duty goes to the key's signer grain, placed on the silo that holds the key,
/// and through that silo's gate. When that silo dies, nobody signs and the error names the locked key.
/// </summary>
public sealed class KeyRoutingTests
{
    private const string Tenant = "acme";

    [Fact]
    public async Task A_duty_asked_on_a_silo_where_the_key_is_locked_is_signed_by_the_silo_that_holds_it_and_by_nobody_once_that_silo_dies()
    {
        var database = await PostgresCluster.CreateMigratedDatabaseAsync();
        var cluster = await PostgresCluster.StartAsync(database, 2, configure: builder => builder.AddSiloBuilderConfigurator<CustodyKeySigningTests.SiloWithCustody>());
        try
        {
            var holder = Services(cluster.Silos[0]);
            var other = Services(cluster.Silos[1]);
            await cluster.Client.GetGrain<ITenantGrain>(Tenant).SaveAsync(Tenant);
            var (json, address) = CustodyKeys.NewKeystore("correct horse");
            await holder.GetRequiredService<KeyCustody>().RegisterKeystoreAsync(Tenant, json, "correct horse", "operator@acme");
            Assert.True(await Eventually.WaitAsync(() => Task.FromResult(other.GetRequiredService<AccountKeys>().HostsSequencer(address)), TimeSpan.FromSeconds(30)),
                "the second silo never listed the key imported on the first");

            // Where the key can sign, as each silo sees it and as the directory lists it.
            Assert.True(holder.GetRequiredService<HostedKeys>().CanSignHere(address));
            Assert.False(other.GetRequiredService<HostedKeys>().CanSignHere(address));
            var holderName = holder.GetRequiredService<KeyHolderDirectory>().Silo;
            // The holder writes its row just after the import, beside its other work: wait for it.
            Assert.True(await CustodyKeys.ListedAsync(database, address, TimeSpan.FromSeconds(10)), "no silo was listed in key_holders as holding the key");
            Assert.Equal([holderName], await CustodyKeys.HoldersAsync(database, address));

            // The silo without the key signs a new proposal: the signature is the key's, and the gate row says the
            // holder's node signed it.
            const ulong slot = 7;
            var proposal = CustodyKeys.Proposal(slot, "archive 6");
            var signature = await other.GetRequiredService<IDutySigner>().SignAsync(new DutyRequest(Tenant, address, slot, Duty.Proposal, proposal, $"slot/{slot}"));
            Assert.Equal(address, Secp256k1.Default.RecoverAddress(CustodyKeys.Digest(proposal), signature));
            Assert.Equal([(signature.ToString(), holder.GetRequiredService<SigningGateOptions>().NodeName)], await SignedAsync(database, address, slot));

            // The routed path keeps the gate's rule: a second payload for the slot is refused, naming both hashes.
            var conflicting = CustodyKeys.Proposal(slot, "another archive");
            var refused = await Assert.ThrowsAsync<DutySigningFailedException>(() =>
                other.GetRequiredService<IDutySigner>().SignAsync(new DutyRequest(Tenant, address, slot, Duty.Proposal, conflicting, $"slot/{slot}")));
            Assert.Equal(nameof(SigningRefusedException), refused.ErrorType);
            Assert.Contains(CustodyKeys.Digest(conflicting).ToString(), refused.Message, StringComparison.Ordinal);
            Assert.Single(await SignedAsync(database, address, slot));

            // The holder dies (its memory, and the unlocked key, with it). Once the cluster knows, the duty fails on
            // the remaining silo with the keystore's "locked" error, and nothing is signed.
            await cluster.KillSiloAsync(cluster.Silos[0]);
            var next = CustodyKeys.Proposal(slot + 1, "archive 7");
            Exception? last = null;
            var locked = await Eventually.WaitAsync(async () =>
            {
                try
                {
                    await other.GetRequiredService<IDutySigner>().SignAsync(new DutyRequest(Tenant, address, slot + 1, Duty.Proposal, next, $"slot/{slot + 1}"));
                    return false;
                }
                catch (Exception e)
                {
                    last = e;
                    return e is DutySigningFailedException { ErrorType: "KeystoreException" };
                }
            }, TimeSpan.FromSeconds(45));
            Assert.True(locked, $"the duty never failed with the locked-key error; last: {last}");
            Assert.Contains("locked in this signer", last!.Message, StringComparison.Ordinal);
            Assert.Contains(address.ToString(), last.Message, StringComparison.OrdinalIgnoreCase);
            Assert.Empty(await SignedAsync(database, address, slot + 1));
        }
        finally
        {
            await cluster.StopAsync();
        }
    }

    [Fact]
    public async Task An_hsm_key_signs_on_the_silo_configured_with_the_token_and_the_other_silo_routes_its_duties_there()
    {
        var database = await PostgresCluster.CreateMigratedDatabaseAsync();
        await SoftHsm.PinFileAsync();
        var cluster = await PostgresCluster.StartAsync(database, 2, configure: builder => builder.AddSiloBuilderConfigurator<SiloWithCustodyAndHsmOnFirst>());
        try
        {
            var holder = Services(cluster.Silos[0]);
            var other = Services(cluster.Silos[1]);
            await cluster.Client.GetGrain<ITenantGrain>(Tenant).SaveAsync(Tenant);
            var key = await holder.GetRequiredService<KeyCustody>().GenerateKeyAsync(Tenant, SigningBackend.Pkcs11, $"{Tenant}.routing-{Guid.NewGuid():N}"[..30], "operator@acme");
            var address = key.Address;
            Assert.True(await Eventually.WaitAsync(() => Task.FromResult(other.GetRequiredService<AccountKeys>().HostsSequencer(address)), TimeSpan.FromSeconds(30)),
                "the second silo never listed the key generated on the first");

            // Only the silo with the token can sign with it, and the directory says so.
            Assert.True(holder.GetRequiredService<HostedKeys>().CanSignHere(address));
            Assert.False(other.GetRequiredService<HostedKeys>().CanSignHere(address));
            // The holder writes its row just after the import, beside its other work: wait for it.
            Assert.True(await CustodyKeys.ListedAsync(database, address, TimeSpan.FromSeconds(10)), "no silo was listed in key_holders as holding the key");
            Assert.Equal([holder.GetRequiredService<KeyHolderDirectory>().Silo], await CustodyKeys.HoldersAsync(database, address));

            // The silo without the token gets a proposal signed by the key, through the token silo's gate.
            const ulong slot = 11;
            var proposal = CustodyKeys.Proposal(slot, "archive 10");
            var signature = await other.GetRequiredService<IDutySigner>().SignAsync(new DutyRequest(Tenant, address, slot, Duty.Proposal, proposal, $"slot/{slot}"));
            Assert.Equal(address, Secp256k1.Default.RecoverAddress(CustodyKeys.Digest(proposal), signature));
            Assert.Equal([(signature.ToString(), holder.GetRequiredService<SigningGateOptions>().NodeName)], await SignedAsync(database, address, slot));
        }
        finally
        {
            await cluster.StopAsync();
        }
    }

    /// <summary>Custody on every silo; the PKCS#11 backend (the process's SoftHSM2 token) on the first silo only.</summary>
    public sealed class SiloWithCustodyAndHsmOnFirst : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            new CustodyKeySigningTests.SiloWithCustody().Configure(siloBuilder);
            // TestCluster names the first silo "Primary", or "Secondary_0" when membership is in PostgreSQL as here.
            if (siloBuilder.Configuration["Orleans:Name"] is "Primary" or "Secondary_0")
            {
                siloBuilder.Services.AddPkcs11Keys(new Pkcs11Options { LibraryPath = SoftHsm.Library, TokenLabel = SoftHsm.Label, UserPin = SoftHsm.Pin });
            }
        }
    }

    private static IServiceProvider Services(SiloHandle silo) => ((InProcessSiloHandle)silo).SiloHost.Services;

    private static async Task<List<(string Signature, string Node)>> SignedAsync(string database, Address sequencer, ulong slot)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select signature, signer_node from signed_duties where sequencer = $1 and slot = $2 and duty = 'proposal'", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = sequencer.ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = (long)slot });
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(string, string)>();
        while (await reader.ReadAsync())
        {
            rows.Add((Signature.FromBytes(reader.GetFieldValue<byte[]>(0)).ToString(), reader.GetString(1)));
        }
        return rows;
    }
}
