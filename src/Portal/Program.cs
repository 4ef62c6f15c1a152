namespace Hosting.Portal;

/// <summary>Standalone portal: an Orleans client of a production cluster (ADO.NET clustering on PostgreSQL).</summary>
public static class PortalProgram
{
    public static async Task Main(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        var connectionString = builder.Configuration["Hosting:Postgres:ConnectionString"]
            ?? throw new InvalidOperationException("Hosting:Postgres:ConnectionString is required: the standalone portal finds the cluster through PostgreSQL.");
        builder.UseOrleansClient(client => client
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
        builder.Services.AddProblemDetails();
        var app = builder.Build();
        app.MapGet("/healthz", () => Results.Text("alive"));
        app.MapPortal();
        await app.RunAsync();
    }
}
