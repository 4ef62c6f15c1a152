using System.Numerics;
using Hosting.Cluster.Tests.L1;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Publishers;
using Hosting.Contracts.Sequencers;
using Hosting.Contracts.Tenants;
using Hosting.Grains.Publishers;
using Hosting.L1.Signing;
using Hosting.L1.Transactions;
using Hosting.Portal.Tenants;
using Hosting.Signing;
using Hosting.Signing.Pkcs11;
using Hosting.Silo.Configuration;
using Hosting.Silo.Keys;
using Hosting.TestKit;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace Hosting.Cluster.Tests.Keys;

/// <summary>
/// Publisher accounts added while the cluster runs, through the portal's add-publisher logic on the first silo: a
/// keystore (unlocked only there: no password file anywhere) and a key generated in the SoftHSM2 token (configured on
/// the first silo only). The second silo finds both without a restart and signs with them through the silo that holds
/// them; each account then registers a sequencer and, as its withdrawer, exits it: anvil shows both sent from it.
/// </summary>
[Collection(ChainCollection.Name)]
public sealed class RuntimePublisherTests
{
    private const string Tenant = "acme";
    private const string Password = "runtime publisher pw";
    private static readonly BigInteger Eth = BigInteger.Parse("10000000000000000000");

    [Fact]
    public async Task Keystore_and_hsm_publishers_added_at_runtime_sign_on_every_silo_and_send_registrations_and_exits_from_themselves()
    {
        await SoftHsm.PinFileAsync();
        await using var chain = await ChainUnderTest.StartAsync(silos: 2, configure: builder => builder.AddSiloBuilderConfigurator<CustodyWithHsmOnFirst>());
        var holder = Services(chain.Cluster.Silos[0]);
        var other = Services(chain.Cluster.Silos[1]);
        await chain.Grains.GetGrain<ITenantGrain>(Tenant).SaveAsync("Acme");

        var (json, keystoreAddress) = CustodyKeys.NewKeystore(Password);
        var fromKeystore = await AddAsync(holder, new AddPublisherRequest(json, Password, null, null));
        Assert.Equal(keystoreAddress.ToString(), fromKeystore.Address);
        Assert.Equal("keystore", fromKeystore.Backend);
        var fromHsm = await AddAsync(holder, new AddPublisherRequest(null, null, "pkcs11", $"p{Guid.NewGuid():N}"[..12]));
        Assert.Equal("pkcs11", fromHsm.Backend);
        var hsmAddress = Address.Parse(fromHsm.Address);

        // Only the first silo can sign with either key, and key_holders says so; neither is taken for a sequencer.
        foreach (var address in new[] { keystoreAddress, hsmAddress })
        {
            Assert.True(holder.GetRequiredService<HostedKeys>().CanSignHere(address));
            Assert.True(await Eventually.WaitAsync(async () => (await holder.GetRequiredService<KeyHolderDirectory>().HoldersAsync(address)).Count == 1, TimeSpan.FromSeconds(30)));
            Assert.Equal([holder.GetRequiredService<KeyHolderDirectory>().Silo], await holder.GetRequiredService<KeyHolderDirectory>().HoldersAsync(address));
            Assert.False(other.GetRequiredService<Hosting.Grains.L1.AccountKeys>().HostsSequencer(address));
        }

        // The second silo, which never saw the password or the token, finds each account at once and gets a
        // transaction signed by it (through the holder): the node accepts it as sent from that account.
        foreach (var address in new[] { keystoreAddress, hsmAddress })
        {
            await FundAsync(chain, address, withTokens: false);
            var signer = await other.GetRequiredService<IPublisherSigners>().FindAsync(address, Tenant);
            Assert.NotNull(signer);
            Assert.Null(await other.GetRequiredService<IPublisherSigners>().FindAsync(address, "another-tenant"));
            var signed = await signer.SignTransactionAsync(new Eip1559Transaction
            {
                ChainId = chain.Deployment.ChainId,
                Nonce = 0,
                GasLimit = 21_000,
                To = DevAccounts.Account(2),
                Value = 1,
                MaxFeePerGas = 100_000_000_000,
                MaxPriorityFeePerGas = 1_000_000_000,
            });
            var hash = await other.GetRequiredService<Hosting.Grains.L1.L1Chain>().RequireClient().SendRawTransactionAsync(signed);
            await chain.MineAsync(1);
            Assert.Equal(address.ToString(), (await Cast(chain, "tx", hash.ToString(), "from")).Trim(), ignoreCase: true);
        }

        // Each account pays for and sends a sequencer's registration (approve + register), whichever silo its
        // publisher grain is on; L1 shows both sent from the account.
        var registered = new List<(Address Sequencer, Address Publisher)>();
        foreach (var address in new[] { keystoreAddress, hsmAddress })
        {
            await FundAsync(chain, address, withTokens: true);
            // The sequencer's key in custody too (behind the gate, as a tenant's import puts it), so the slot pipeline
            // can sign its duties once it is Active.
            var (sequencerJson, sequencer) = CustodyKeys.NewKeystore("sequencer pw");
            await holder.GetRequiredService<KeyCustody>().RegisterKeystoreAsync(Tenant, sequencerJson, "sequencer pw", "operator@acme");
            var grain = chain.Grains.GetGrain<ISequencerGrain>(sequencer.ToString());
            await grain.ImportAsync(Tenant);
            var view = await grain.RegisterAsync(Tenant, new SequencerRegistration(address, address, chain.Deployment.MinStake));
            var transaction = view.LastTransaction!.Value.ToString();
            await chain.MineAsync(1);
            Assert.Equal(address.ToString(), (await Cast(chain, "tx", transaction, "from")).Trim(), ignoreCase: true);
            Assert.Equal(chain.Deployment.Registry.ToString(), (await Cast(chain, "tx", transaction, "to")).Trim(), ignoreCase: true);
            Assert.True(await Eventually.WaitAsync(async () => await chain.RegistryStatusAsync(sequencer) == 1, TimeSpan.FromSeconds(30)), $"{sequencer} not queued on L1");
            var publisher = await chain.Grains.GetGrain<IPublisherGrain>(address.ToString()).CheckAsync();
            Assert.Equal(Tenant, publisher.Tenant);
            Assert.Equal(2, publisher.Sent);
            registered.Add((sequencer, address));
        }

        // Each account is also its sequencer's withdrawer: once Active, the exit is sent from it.
        await chain.MineAsync((int)chain.Deployment.EntryPeriodBlocks + 1);
        await chain.FollowedAsync();
        foreach (var (sequencer, address) in registered)
        {
            var grain = chain.Grains.GetGrain<ISequencerGrain>(sequencer.ToString());
            Assert.True(await Eventually.WaitAsync(async () => (await grain.GetAsync())?.Status == SequencerStatus.Active, TimeSpan.FromSeconds(30)), $"{sequencer} not Active");
            var exit = (await grain.ExitAsync(Tenant)).LastTransaction!.Value.ToString();
            await chain.MineAsync(1);
            Assert.Equal(address.ToString(), (await Cast(chain, "tx", exit, "from")).Trim(), ignoreCase: true);
            Assert.True(await Eventually.WaitAsync(async () => await chain.RegistryStatusAsync(sequencer) == 3, TimeSpan.FromSeconds(30)), $"{sequencer} not Exiting on L1");
        }

        // A deleted publisher key is found nowhere any more: nothing signs with it.
        await holder.GetRequiredService<KeyCustody>().DeleteKeyAsync(Tenant, keystoreAddress, "operator@acme");
        Assert.Null(await other.GetRequiredService<IPublisherSigners>().FindAsync(keystoreAddress, Tenant));
    }

    private static async Task<PublisherAccount> AddAsync(IServiceProvider silo, AddPublisherRequest request)
    {
        var outcome = await PublisherEndpoints.AddAsync(silo, silo.GetRequiredService<IGrainFactory>(), Tenant, request, "operator@acme", CancellationToken.None);
        Assert.True(outcome.Account is not null, $"{outcome.Status} {outcome.Field}: {outcome.Message}");
        return outcome.Account!;
    }

    private static async Task FundAsync(ChainUnderTest chain, Address account, bool withTokens)
    {
        await Cast(chain, "send", "--unlocked", "--from", DevAccounts.Account(1).ToString(), account.ToString(), "--value", Eth.ToString());
        if (withTokens)
        {
            await chain.CastSendAsync(DevAccounts.Account(1), chain.Deployment.Token, "transfer(address,uint256)", account.ToString(), chain.Deployment.MinStake.ToString());
        }
    }

    private static async Task<string> Cast(ChainUnderTest chain, params string[] arguments) =>
        (await ProcessRunner.RunAsync(Tools.Cast, [.. arguments, "--rpc-url", chain.Anvil.RpcUrl.ToString()])).EnsureSuccess($"cast {arguments[0]}").Output;

    private static IServiceProvider Services(SiloHandle silo) => ((InProcessSiloHandle)silo).SiloHost.Services;

    /// <summary>
    /// Key custody on every silo (the L1 services come from <see cref="ChainUnderTest"/>); the PKCS#11 backend (the
    /// process's SoftHSM2 token) on the first silo only.
    /// </summary>
    public sealed class CustodyWithHsmOnFirst : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            var connectionString = siloBuilder.Configuration[Postgres.PostgresCluster.ConnectionKey]!;
            siloBuilder.Services.AddSigningGate(connectionString, o => o.NodeName = $"silo-{Guid.NewGuid():N}"[..13]);
            siloBuilder.Services.AddHostedKeys(new KeysOptions { ReloadSeconds = 1 });
            if (siloBuilder.Configuration["Orleans:Name"] is "Primary" or "Secondary_0")
            {
                siloBuilder.Services.AddPkcs11Keys(new Pkcs11Options { LibraryPath = SoftHsm.Library, TokenLabel = SoftHsm.Label, UserPin = SoftHsm.Pin });
            }
        }
    }
}
