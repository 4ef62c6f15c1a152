using Hosting.Cluster.Tests.Postgres;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Telemetry;
using Hosting.Contracts.Tenants;
using Hosting.Grains.L1;
using Hosting.Grains.Slots;
using Hosting.L1.Crypto;
using Hosting.Portal.Keys;
using Hosting.Signing;
using Hosting.Signing.Pkcs11;
using Hosting.TestKit;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace Hosting.Cluster.Tests.Keys;

/// <summary>
/// The standalone portal has no key custody: it generates keys through the cluster, on a silo configured for the
/// backend. Here the portal's generation runs on the test cluster's client (no custody, no token), the SoftHSM2
/// token is configured on the first silo only, and the second silo has custody but no token.
/// </summary>
public sealed class KeyGenerationRoutingTests
{
    private const string Tenant = "acme";

    [Fact]
    public async Task A_client_without_custody_generates_an_hsm_key_on_the_silo_with_the_token_the_key_signs_and_deleting_it_from_the_other_silo_removes_it_from_the_token()
    {
        var database = await PostgresCluster.CreateMigratedDatabaseAsync();
        await SoftHsm.PinFileAsync();
        var cluster = await PostgresCluster.StartAsync(database, 2, configure: builder => builder.AddSiloBuilderConfigurator<KeyRoutingTests.SiloWithCustodyAndHsmOnFirst>());
        try
        {
            var holder = Services(cluster.Silos[0]);
            var other = Services(cluster.Silos[1]);
            Assert.Null(cluster.Client.ServiceProvider.GetService<KeyCustody>());
            await cluster.Client.GetGrain<ITenantGrain>(Tenant).SaveAsync(Tenant);
            var label = $"routed-{Guid.NewGuid():N}"[..20];

            // Silos list their backends at their first key load; until then the generation would find none.
            KeyGeneration? generation = null;
            Assert.True(await Eventually.WaitAsync(async () =>
            {
                generation = await KeyGenerationEndpoints.GenerateAsync(cluster.Client.ServiceProvider, cluster.Client, Tenant, "pkcs11", label, "operator@acme", CancellationToken.None);
                return generation.Key is not null;
            }, TimeSpan.FromSeconds(30)), $"the generation never succeeded: {generation?.Status} {generation?.Message}");
            var key = generation!.Key!;
            Assert.Equal(201, generation.Status);
            Assert.Equal(("pkcs11", $"pkcs11:object={Tenant}.{label}", $"{Tenant}.{label}"), (key.Backend, key.Url, key.Label));
            var address = Address.Parse(key.Address);

            // The key is in the token, sensitive and never extractable, and its public key is the address returned.
            using var token = new Pkcs11Backend(new Pkcs11Options { LibraryPath = SoftHsm.Library, TokenLabel = SoftHsm.Label, UserPin = SoftHsm.Pin });
            Assert.Equal((true, false, true), await token.DescribeKeyAsync(key.Url));
            Assert.Equal(address, await token.ResolveAddressAsync(key.Url));
            // It was made by the silo with the token: custody's audit line names that silo's node.
            var custody = other.GetRequiredService<KeyCustody>();
            var holderNode = holder.GetRequiredService<SigningGateOptions>().NodeName;
            Assert.Contains(await custody.ReadAuditAsync(address), line => line.Entry.Action == "generate_key" && line.Entry.Outcome == "done" && line.Node == holderNode);
            Assert.Equal((Tenant, SigningBackend.Pkcs11, KeyStatus.Active), ((await custody.FindKeyAsync(address))!.Tenant, (await custody.FindKeyAsync(address))!.Backend, (await custody.FindKeyAsync(address))!.Status));

            // The new key signs a duty asked on the silo without the token (routed to the token's silo).
            const ulong slot = 21;
            var proposal = CustodyKeys.Proposal(slot, "archive 20");
            Assert.True(await Eventually.WaitAsync(() => Task.FromResult(other.GetRequiredService<AccountKeys>().HostsSequencer(address)), TimeSpan.FromSeconds(30)),
                "the silo without the token never listed the generated key");
            var signature = await other.GetRequiredService<IDutySigner>().SignAsync(new DutyRequest(Tenant, address, slot, Duty.Proposal, proposal, $"slot/{slot}"));
            Assert.Equal(address, Secp256k1.Default.RecoverAddress(CustodyKeys.Digest(proposal), signature));

            // Deleted through the silo without the token: stopped, history exported and kept, then removed from the
            // token on the silo that has it.
            var export = await custody.DeleteKeyAsync(Tenant, address, "operator@acme");
            var deleted = (await custody.FindKeyAsync(address))!;
            var removed = await Hosting.Signing.Keymanager.DestroyInBackendAsync(custody, cluster.Client, deleted, "operator@acme", CancellationToken.None);
            Assert.Contains("was removed from the pkcs11 backend", removed, StringComparison.Ordinal);
            var gone = await Assert.ThrowsAsync<HsmException>(() => token.DescribeKeyAsync(key.Url));
            Assert.Equal(HsmProblem.KeyNotFound, gone.Problem);
            Assert.Contains(signature.ToString(), export, StringComparison.OrdinalIgnoreCase);
            Assert.Contains(signature.ToString(), await custody.ExportHistoryAsync([address]), StringComparison.OrdinalIgnoreCase);
            Assert.Contains(await custody.ReadAuditAsync(address), line => line.Entry.Action == "destroy_key" && line.Entry.Outcome == "done" && line.Node == holderNode);

            // It never signs again: the gate refuses the deleted key, on either silo.
            foreach (var silo in new[] { holder, other })
            {
                var refused = await Assert.ThrowsAnyAsync<Exception>(() => silo.GetRequiredService<IDutySigner>().SignAsync(
                    new DutyRequest(Tenant, address, slot + 1, Duty.Proposal, CustodyKeys.Proposal(slot + 1, "archive 21"), $"slot/{slot + 1}")));
                Assert.Contains("deleted", refused.Message, StringComparison.OrdinalIgnoreCase);
            }
        }
        finally
        {
            await cluster.StopAsync();
        }
    }

    [Fact]
    public async Task Without_a_silo_configured_for_the_backend_generation_is_503_saying_no_silo_has_it_and_nothing_is_recorded()
    {
        var database = await PostgresCluster.CreateMigratedDatabaseAsync();
        var cluster = await PostgresCluster.StartAsync(database, 2, configure: builder => builder.AddSiloBuilderConfigurator<CustodyKeySigningTests.SiloWithCustody>());
        try
        {
            await cluster.Client.GetGrain<ITenantGrain>(Tenant).SaveAsync(Tenant);
            var custody = Services(cluster.Silos[0]).GetRequiredService<KeyCustody>();
            Assert.True(await Eventually.WaitAsync(async () => (await custody.ListKeysAsync(null)).Count == 0
                && Services(cluster.Silos[0]).GetRequiredService<Hosting.Silo.Keys.HostedKeys>().State.Loaded, TimeSpan.FromSeconds(30)));

            foreach (var backend in new[] { "pkcs11", "azure_key_vault" })
            {
                var generation = await KeyGenerationEndpoints.GenerateAsync(cluster.Client.ServiceProvider, cluster.Client, Tenant, backend, "nowhere", "operator@acme", CancellationToken.None);

                Assert.Null(generation.Key);
                Assert.Equal((503, "backend"), (generation.Status, generation.Field));
                Assert.Contains($"The {backend} backend is not configured on any silo of the cluster", generation.Message, StringComparison.Ordinal);
            }
            Assert.Empty(await custody.ListKeysAsync(Tenant));
            Assert.Empty(await KeyGenerationEndpoints.GeneratingBackendsAsync(cluster.Client.ServiceProvider, cluster.Client));
        }
        finally
        {
            await cluster.StopAsync();
        }
    }

    private static IServiceProvider Services(SiloHandle silo) => ((InProcessSiloHandle)silo).SiloHost.Services;
}
