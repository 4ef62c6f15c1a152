using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Hosting.Contracts.Telemetry;
using Hosting.Grains;
using Hosting.Grains.Election;
using Hosting.Portal;
using Hosting.Portal.Access;
using Hosting.Silo.Configuration;
using Hosting.Silo.Database;
using Hosting.Silo.Health;
using Hosting.Silo.Keys;
using Hosting.Silo.L1;
using Hosting.Silo.Telemetry;
using Hosting.Silo.Transactions;
using Hosting.Signing;
using Npgsql;
using Orleans.Configuration;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Hosting.Silo;

/// <summary>Builds the silo web host: Orleans, the co-hosted portal, health endpoints and /metrics.</summary>
public static class SiloApplication
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);
        var options = builder.Configuration.GetSection(HostingOptions.Section).Get<HostingOptions>() ?? new HostingOptions();
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new HostingConfigurationException(errors);
        }
        builder.Services.AddSingleton(options);
        if (options.Keys.PublisherKeystoreDirectory is { Length: > 0 })
        {
            // Only then: without publisher keystores the key store stays the one a host or test registered (or an
            // empty one, from AddL1Follower), as before.
            builder.Services.AddSingleton(LoadAccountKeys(options));
        }
        ConfigureLogging(builder.Logging, options);
        builder.Services.AddSingleton(TimeProvider.System);
        // One per silo: the L1 follower feeds it, slot grains on this silo rank against it.
        builder.Services.TryAddSingleton<ScoreIndex>();

        if (options.Postgres.ConnectionString is { Length: > 0 } connectionString)
        {
            builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
            if (options.Postgres.MigrateOnStart)
            {
                // Registered before Orleans so it runs first: the providers read their queries at start.
                builder.Services.AddHostedService<SchemaMigrationService>();
            }
            // The signing-safety gate and key custody live in the same database; the portal's key API needs them.
            builder.Services.AddSigningGate(connectionString, o =>
            {
                o.NodeName = options.SiloName is { Length: > 0 } name ? name : Environment.MachineName;
                o.MaxCommitmentAuthorisationsPerSlot = options.Keys.MaxCommitmentAuthorisationsPerSlot;
            });
            if (options.Keys.Pkcs11.Enabled)
            {
                // Validated above; the PIN is read here and goes only into the backend.
                builder.Services.AddPkcs11Keys(options.Keys.Pkcs11.ToBackendOptions());
            }
            if (options.Keys.KeyVault.Enabled)
            {
                builder.Services.AddAzureKeyVaultKeys(options.Keys.KeyVault.CreateCredential(),
                    new Hosting.Signing.AzureKeyVault.KeyVaultOptions { VaultUri = options.Keys.KeyVault.VaultUri, GeneratedKeyType = options.Keys.KeyVault.KeyType, PurgeDeletedKeys = options.Keys.KeyVault.PurgeDeletedKeys });
            }
            builder.Services.AddHostedKeys(options.Keys);
        }
        else
        {
            // No custody here, but the co-hosted portal still asks the cluster's key-backend grain (which answers 503 here).
            builder.Services.AddPlacementDirector<Hosting.Grains.Keys.KeyBackendPlacement, KeyBackendPlacementDirector>();
        }
        builder.UseOrleans(silo => ConfigureSilo(silo, options));
        // After Orleans, so the head watch starts once the silo can call grains.
        builder.Services.AddL1Follower(options.L1);
        // The portal's pages read the same L1 and deployment the follower follows.
        builder.Services.AddSingleton(provider => provider.GetRequiredService<Hosting.Grains.L1.L1Chain>() is { Client: { } client, Deployment: { } deployment }
            ? new Hosting.Portal.Chain.PortalL1(new Hosting.Portal.Chain.PortalChain(client, deployment.ChainId, deployment.Registry, deployment.Token))
            : new Hosting.Portal.Chain.PortalL1(null));
        var health = builder.Services.AddHealthChecks()
            .AddCheck<ClusterJoinedCheck>("cluster", tags: [HealthEndpoints.ReadyTag])
            .AddCheck<L1SyncCheck>("l1", tags: [HealthEndpoints.ReadyTag]);
        if (options.Postgres.ConnectionString is { Length: > 0 })
        {
            health.AddCheck<DatabaseCheck>("database", tags: [HealthEndpoints.ReadyTag]);
            health.AddCheck<KeysCheck>("keys", tags: [HealthEndpoints.ReadyTag]);
        }
        // The same checks on a period, for hosting_readiness: an alert must see an unready silo nobody polls.
        builder.Services.Configure<HealthCheckPublisherOptions>(o =>
        {
            o.Delay = TimeSpan.FromSeconds(2);
            o.Period = TimeSpan.FromSeconds(10);
            o.Predicate = c => c.Tags.Contains(HealthEndpoints.ReadyTag);
        });
        builder.Services.AddSingleton<IHealthCheckPublisher, ReadinessGauge>();
        builder.Services.AddHostedService<FleetGauges>();
        builder.Services.AddHostedService<Hosting.Silo.Devnet.DevnetDemo>();
        AddTelemetry(builder);
        if (options.Mode == HostingMode.Devnet && string.IsNullOrWhiteSpace(options.Portal.AdminToken))
        {
            options.Portal.AdminToken = Hosting.Portal.Access.PortalOptions.DevnetAdminToken;
        }
        if (options.Mode == HostingMode.Devnet && options.Portal.ProverAgentTokens.Length == 0)
        {
            options.Portal.ProverAgentTokens = [Hosting.Portal.Access.PortalOptions.DevnetProverAgentToken];
        }
        builder.Services.AddPortal(options.Portal);
        builder.Services.AddTransactionIngress(options.Transactions);

        var app = builder.Build();
        app.UsePortalForwardedHeaders(options.Portal);
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.MapHealth();
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapPortal();
        app.MapTransactions();
        return app;
    }

    /// <summary>The silo's L1 signers: the publisher keystores of the configuration (a keystore that does not open stops the start).</summary>
    private static Hosting.Grains.L1.AccountKeys LoadAccountKeys(HostingOptions options)
    {
        var keys = new Hosting.Grains.L1.AccountKeys();
        if (options.Keys.PublisherKeystoreDirectory is not { Length: > 0 })
        {
            return keys;
        }
        var (signers, errors) = PublisherKeystores.Load(options.Keys);
        if (errors.Count > 0)
        {
            throw new HostingConfigurationException(errors);
        }
        foreach (var signer in signers)
        {
            keys.Add(signer);
        }
        return keys;
    }

    private static void ConfigureSilo(ISiloBuilder silo, HostingOptions options)
    {
        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = options.ClusterId;
            o.ServiceId = options.ServiceId;
        });
        if (options.SiloName is { Length: > 0 } siloName)
        {
            silo.Configure<SiloOptions>(o => o.SiloName = siloName);
        }
        silo.AddActivityPropagation();
        switch (options.Mode)
        {
            case HostingMode.Devnet:
                silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort);
                silo.AddMemoryGrainStorage(GrainStorage.Name);
                silo.UseInMemoryReminderService();
                break;
            case HostingMode.Production:
                var connectionString = options.Postgres.ConnectionString!;
                if (options.AdvertisedAddress is { Length: > 0 } advertised)
                {
                    silo.ConfigureEndpoints(System.Net.IPAddress.Parse(advertised), options.SiloPort, options.GatewayPort, listenOnAnyHostAddress: true);
                }
                else
                {
                    silo.ConfigureEndpoints(options.SiloPort, options.GatewayPort, listenOnAnyHostAddress: true);
                }
                silo.UsePostgres(connectionString, options.Storage.AsynchronousCommits, TimeSpan.FromSeconds(options.Membership.HeartbeatSeconds));
                break;
        }
    }

    private static void ConfigureLogging(ILoggingBuilder logging, HostingOptions options)
    {
        // Every line carries the trace and span of the request or grain call it came from, so an SRE can
        // follow portal -> grain -> signer -> L1 in the logs as in the traces.
        logging.Configure(o => o.ActivityTrackingOptions =
            ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);
        if (options.EffectiveLogFormat == LogFormat.Json)
        {
            logging.ClearProviders();
            logging.AddJsonConsole(o =>
            {
                o.IncludeScopes = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
        }
    }

    private static void AddTelemetry(WebApplicationBuilder builder)
    {
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("hosting-silo"))
            .WithMetrics(metrics => metrics
                .AddMeter(HostingTelemetry.MeterName, "Microsoft.Orleans")
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddPrometheusExporter())
            .WithTracing(tracing =>
            {
                tracing
                    .AddSource(HostingTelemetry.ActivitySourceName, "Microsoft.Orleans.Application")
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation();
                // Traces leave the process only when a collector is named (the standard OTEL_EXPORTER_OTLP_ENDPOINT).
                if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
                {
                    tracing.AddOtlpExporter();
                }
            });
    }
}

/// <summary>The configuration is wrong; the message lists every problem found.</summary>
public sealed class HostingConfigurationException(IReadOnlyList<string> errors)
    : Exception("Invalid configuration:\n  - " + string.Join("\n  - ", errors))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}
