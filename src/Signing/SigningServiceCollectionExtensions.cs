using Azure.Core;
using Hosting.Signing.AzureKeyVault;
using Hosting.Signing.Keystore;
using Hosting.Signing.Pkcs11;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Hosting.Signing;

/// <summary>
/// How a silo wires key custody: one gate, one custody service and the backends its keys use, all singletons.
/// <code>
/// services.AddSigningGate(configuration.GetConnectionString("signing")!, o => o.NodeName = siloName)
///         .AddPkcs11Keys(new Pkcs11Options { TokenLabel = "sequencers", UserPin = pinFromSecretStore })
///         .AddAzureKeyVaultKeys(new DefaultAzureCredential());
/// </code>
/// Grains take <see cref="ISigningGate"/>; the portal's key-manager API takes <see cref="KeyCustody"/>.
/// </summary>
public static class SigningServiceCollectionExtensions
{
    /// <summary>The key of the safety database's <see cref="NpgsqlDataSource"/>, kept apart from Orleans' own pool.</summary>
    public const string DataSourceKey = "signing";

    /// <summary>
    /// Registers the PostgreSQL signing-safety gate (<see cref="ISigningGate"/>, <see cref="SigningGate"/>),
    /// <see cref="KeyCustody"/> and the keystore backend. The schema is infra/postgres/010_signing_gate.sql.
    /// </summary>
    public static IServiceCollection AddSigningGate(this IServiceCollection services, string connectionString, Action<SigningGateOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var options = new SigningGateOptions();
        configure?.Invoke(options);
        services.AddSingleton(options);
        services.AddKeyedSingleton(DataSourceKey, (provider, _) =>
            new NpgsqlDataSourceBuilder(connectionString).UseLoggerFactory(provider.GetService<ILoggerFactory>()).Build());
        services.AddSingleton<KeystoreBackend>();
        services.AddSingleton<IKeyBackend>(provider => provider.GetRequiredService<KeystoreBackend>());
        services.AddSingleton(provider => new SigningGate(
            provider.GetRequiredKeyedService<NpgsqlDataSource>(DataSourceKey), provider.GetServices<IKeyBackend>(), options, provider.GetService<ILogger<SigningGate>>()));
        services.AddSingleton<ISigningGate>(provider => provider.GetRequiredService<SigningGate>());
        services.AddSingleton(provider => new KeyCustody(provider.GetRequiredKeyedService<NpgsqlDataSource>(DataSourceKey), provider.GetServices<IKeyBackend>(), options));
        return services;
    }

    /// <summary>Adds the PKCS#11 HSM backend for keys registered with <c>SigningBackend.Pkcs11</c>.</summary>
    public static IServiceCollection AddPkcs11Keys(this IServiceCollection services, Pkcs11Options options)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.AddSingleton(_ => new Pkcs11Backend(options));
        services.AddSingleton<IKeyBackend>(provider => provider.GetRequiredService<Pkcs11Backend>());
        return services;
    }

    /// <summary>Adds the Azure Key Vault / Managed HSM backend for keys registered with <c>SigningBackend.AzureKeyVault</c>.</summary>
    /// <param name="credential">Usually <c>DefaultAzureCredential</c> or a workload-identity credential from Azure.Identity.</param>
    /// <remarks>A <see cref="KeyVaultBackendOverride"/> in the services (tests only) replaces the credential and adjusts the options.</remarks>
    public static IServiceCollection AddAzureKeyVaultKeys(this IServiceCollection services, TokenCredential credential, KeyVaultOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(credential);
        services.AddSingleton(provider =>
        {
            var configured = options ?? new KeyVaultOptions();
            var seam = provider.GetService<KeyVaultBackendOverride>();
            seam?.Configure?.Invoke(configured);
            return new KeyVaultBackend(seam?.Credential ?? credential, configured);
        });
        services.AddSingleton<IKeyBackend>(provider => provider.GetRequiredService<KeyVaultBackend>());
        return services;
    }
}
