using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

using Hosting.Portal.Access;

namespace Hosting.Portal;

/// <summary>Standalone portal: an Orleans client of a production cluster (ADO.NET clustering on PostgreSQL).</summary>
public static class PortalProgram
{
    public static async Task Main(string[] args)
    {
        await Build(args).RunAsync();
    }

    /// <summary>
    /// The standalone portal, built but not started (it joins the cluster when started). Throws naming the setting
    /// when one is missing or wrong: the cluster's database, the admin token, or the L1 settings (<see cref="Chain.PortalL1Settings"/>).
    /// <paramref name="host"/> may add to the host before it is built (a test captures its log output).
    /// </summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? host = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        host?.Invoke(builder);
        var connectionString = builder.Configuration["Hosting:Postgres:ConnectionString"]
            ?? throw new InvalidOperationException("Hosting:Postgres:ConnectionString is required: the standalone portal finds the cluster through PostgreSQL.");
        builder.UseOrleansClient(client => client
            // The request's trace continues into the silos' grain calls (portal -> grain -> signer -> L1).
            .AddActivityPropagation()
            .Configure<Orleans.Configuration.ClusterOptions>(o =>
            {
                o.ClusterId = builder.Configuration["Hosting:ClusterId"] ?? "hosting";
                o.ServiceId = builder.Configuration["Hosting:ServiceId"] ?? "hosting";
            })
            .UseAdoNetClustering(o =>
            {
                o.Invariant = "Npgsql";
                o.ConnectionString = connectionString;
            }));
        var portal = builder.Configuration.GetSection(Access.PortalOptions.Section).Get<Access.PortalOptions>() ?? new Access.PortalOptions();
        if (portal.AdminToken is not { Length: >= 32 })
        {
            throw new InvalidOperationException("Hosting:Portal:AdminToken is required (at least 32 characters): the platform admin's bearer token.");
        }
        if (portal.ProverAgentTokens.Select((token, i) => (token, i)).FirstOrDefault(t => t.token is { Length: > 0 and < 32 }) is { token: not null } weak)
        {
            throw new InvalidOperationException($"Hosting:Portal:ProverAgentTokens:{weak.i} must have at least 32 characters, got {weak.token.Length}.");
        }
        // The delegator pages read the same L1 as the silos: Hosting:L1:RpcUrls and Hosting:L1:DeploymentFile.
        builder.Services.AddSingleton(Chain.PortalL1Settings.Load(builder.Configuration));
        builder.Services.AddPortal(portal);
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("hosting-portal"))
            .WithMetrics(metrics => metrics
                .AddMeter(Hosting.Contracts.Telemetry.HostingTelemetry.MeterName, "Microsoft.Orleans")
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddPrometheusExporter())
            .WithTracing(tracing =>
            {
                tracing
                    .AddSource(Hosting.Contracts.Telemetry.HostingTelemetry.ActivitySourceName, "Microsoft.Orleans.Application")
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation();
                // Traces leave the process only when a collector is named (the standard OTEL_EXPORTER_OTLP_ENDPOINT).
                if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
                {
                    tracing.AddOtlpExporter();
                }
            });
        var app = builder.Build();
        app.UsePortalForwardedHeaders(portal);
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.MapGet("/healthz", () => Results.Text("alive"));
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapPortal();
        return app;
    }
}
