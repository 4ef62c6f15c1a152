using Hosting.Signing.AzureKeyVault;
using Hosting.TestKit.AzureKeyVault;
using Microsoft.Extensions.DependencyInjection;

namespace Hosting.Portal.Tests.Keys;

/// <summary>
/// A devnet silo whose Key Vault backend is wired from its settings (<c>Hosting:Keys:KeyVault:*</c>, as an operator
/// sets them) and pointed at the local fake vault. The only test seam is <see cref="KeyVaultBackendOverride"/> in the
/// services: the fake's credential, and a transport that trusts exactly the fake's self-signed certificate. The
/// challenge's resource is checked as in production (the fake names its own host).
/// </summary>
public class DevnetSiloWithKeyVault : DevnetSilo
{
    /// <summary>Attempts the backend makes after a 5xx: a fault queued this many times plus one fails a call.</summary>
    public const int MaxRetries = 2;

    public FakeKeyVault Vault { get; private set; } = null!;

    public FakeCredential Credential { get; } = new();

    /// <summary>Hosting:Keys:KeyVault:PurgeDeletedKeys for this silo.</summary>
    protected virtual bool PurgeDeletedKeys => false;

    public override async Task InitializeAsync()
    {
        Vault = await FakeKeyVault.StartAsync();
        Vault.Resource = $"https://{Vault.Uri.Host}";
        await base.InitializeAsync();
    }

    protected override Task<IReadOnlyDictionary<string, string?>> MoreSettingsAsync() =>
        Task.FromResult<IReadOnlyDictionary<string, string?>>(new Dictionary<string, string?>
        {
            ["Hosting:Keys:KeyVault:VaultUrl"] = Vault.Uri.AbsoluteUri,
            ["Hosting:Keys:KeyVault:Credential"] = "ManagedIdentity",
            ["Hosting:Keys:KeyVault:PurgeDeletedKeys"] = PurgeDeletedKeys ? "true" : "false",
        });

    protected override void ConfigureServices(IServiceCollection services) =>
        services.AddSingleton(new KeyVaultBackendOverride
        {
            Credential = Credential,
            Configure = options =>
            {
                var fake = Vault.Options(MaxRetries);
                options.Transport = fake.Transport;
                (options.MaxRetries, options.RetryDelay, options.MaxRetryDelay, options.NetworkTimeout) = (fake.MaxRetries, fake.RetryDelay, fake.MaxRetryDelay, fake.NetworkTimeout);
                options.PurgeWait = TimeSpan.FromSeconds(10);
            },
        });

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (Vault is not null)
        {
            await Vault.DisposeAsync();
        }
    }
}

/// <summary>The same with <c>Hosting:Keys:KeyVault:PurgeDeletedKeys=true</c>: a deleted generated key is purged from the vault.</summary>
public sealed class DevnetSiloWithPurgingKeyVault : DevnetSiloWithKeyVault
{
    protected override bool PurgeDeletedKeys => true;
}
