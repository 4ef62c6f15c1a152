using System.Numerics;
using System.Security.Cryptography;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Publishers;
using Hosting.Contracts.Sequencers;
using Hosting.Contracts.Tenants;
using Hosting.Grains.L1;
using Hosting.L1.Crypto;
using Hosting.L1.Signing;
using Hosting.Signing;
using Hosting.Signing.Keystore;
using Hosting.Silo.Configuration;

namespace Hosting.Silo.Devnet;

/// <summary>
/// Devnet only: a tenant that lives, so the devnet shows the platform working rather than an empty portal.
/// At start it creates the tenant <see cref="DevnetOptions.DemoTenant"/>, attaches the devnet's publisher
/// (an anvil dev account, whose key the `hosting devnet` command passes in the environment), generates
/// <see cref="DevnetOptions.DemoSequencers"/> fresh sequencer keys, imports them through key custody (so their
/// duties sign through the signing-safety gate; into the in-memory key store when the silo has no
/// PostgreSQL), and registers them on L1 with the minimum stake. From there the follower, the slot pipeline
/// and the prover agent the command starts do the rest, and /metrics fills with live figures.
/// The keys are random per run and their keystore password never leaves this process.
/// </summary>
public sealed class DevnetDemo(
    HostingOptions options,
    IGrainFactory grains,
    L1Chain chain,
    AccountKeys keys,
    IHostApplicationLifetime lifetime,
    ILogger<DevnetDemo> logger,
    KeyCustody? custody = null) : BackgroundService
{
    /// <summary>Where the demo publisher's private key comes from (hex); read only in Devnet mode.</summary>
    public const string PublisherKeyVariable = "HOSTING_DEVNET_PUBLISHER_KEY";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var devnet = options.Devnet;
        if (options.Mode != HostingMode.Devnet || devnet.DemoSequencers <= 0 || !chain.IsConfigured)
        {
            return;
        }
        if (Environment.GetEnvironmentVariable(PublisherKeyVariable) is not { Length: > 0 } publisherKey)
        {
            logger.LogWarning("Devnet demo skipped: {Variable} is not set (the `hosting devnet` command sets it to an anvil dev account).", PublisherKeyVariable);
            return;
        }
        // Wait for the silo to be up: grains cannot be called before.
        var started = new TaskCompletionSource();
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        {
            await started.Task.WaitAsync(stoppingToken);
        }
        try
        {
            await SeedAsync(devnet, publisherKey, stoppingToken);
        }
        catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
        {
            logger.LogError(exception, "Devnet demo: seeding tenant '{Tenant}' failed; the devnet runs without it.", devnet.DemoTenant);
        }
    }

    private async Task SeedAsync(DevnetOptions devnet, string publisherKey, CancellationToken stoppingToken)
    {
        var tenant = grains.GetGrain<ITenantGrain>(devnet.DemoTenant);
        if (await tenant.GetAsync() is not null)
        {
            logger.LogInformation("Devnet demo: tenant '{Tenant}' exists already; nothing to seed.", devnet.DemoTenant);
            return;
        }
        await tenant.SaveAsync("Devnet demo");
        var publisher = LocalKeySigner.FromHex(publisherKey);
        keys.Add(publisher);
        await grains.GetGrain<IPublisherGrain>(publisher.Address.ToString()).AttachAsync(devnet.DemoTenant);
        var stake = chain.RequireDeployment().MinStake;
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        for (var i = 0; i < devnet.DemoSequencers && !stoppingToken.IsCancellationRequested; i++)
        {
            var sequencer = await NewKeyAsync(devnet.DemoTenant, password, stoppingToken);
            var grain = grains.GetGrain<ISequencerGrain>(sequencer.ToString());
            await grain.ImportAsync(devnet.DemoTenant);
            var view = await grain.RegisterAsync(devnet.DemoTenant, new SequencerRegistration(publisher.Address, publisher.Address, stake));
            logger.LogInformation("Devnet demo: sequencer {Sequencer} of tenant '{Tenant}' registering with {Stake} wei ({Transaction})",
                sequencer, devnet.DemoTenant, stake, view.LastTransaction);
        }
        logger.LogInformation("Devnet demo: tenant '{Tenant}' hosts {Count} sequencers sending through publisher {Publisher}; they turn Active after the entry period.",
            devnet.DemoTenant, devnet.DemoSequencers, publisher.Address);
    }

    private async Task<Address> NewKeyAsync(string tenant, string password, CancellationToken cancellationToken)
    {
        var bytes = new byte[32];
        try
        {
            do
            {
                RandomNumberGenerator.Fill(bytes);
            }
            while (!Secp256k1.IsValidScalar(bytes));
            if (custody is null)
            {
                var signer = new LocalKeySigner(new PrivateKey(bytes));
                keys.Add(signer);
                return signer.Address;
            }
            // Through custody as an operator's import goes: the gate then records every duty this key signs.
            var keystore = Web3Keystore.Encrypt(bytes, password, KeystoreKdf.ScryptCast);
            var registered = await custody.RegisterKeystoreAsync(tenant, keystore, password, "devnet-demo", cancellationToken);
            return registered.Address;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }
}

/// <summary>Devnet-only settings (Hosting:Devnet).</summary>
public sealed class DevnetOptions
{
    /// <summary>How many sequencers the demo tenant registers at start; 0 turns the demo off.</summary>
    public int DemoSequencers { get; set; }

    /// <summary>The demo tenant's id.</summary>
    public string DemoTenant { get; set; } = "demo";
}
