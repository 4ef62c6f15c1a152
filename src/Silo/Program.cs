using System.Net.Sockets;
using Hosting.Silo.Configuration;
using Hosting.Silo.Database;

namespace Hosting.Silo;

public static class SiloProgram
{
    public static async Task<int> Main(string[] args)
    {
        if (args is ["migrate", ..])
        {
            return await MigrateAsync(args[1..]);
        }
        try
        {
            var app = SiloApplication.Build(args);
            await app.RunAsync();
            return 0;
        }
        catch (HostingConfigurationException e)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return 2;
        }
        catch (Exception e) when (FindAddressInUse(e) is { } inUse)
        {
            await Console.Error.WriteLineAsync($"A port this silo needs is already taken: {inUse.Message}. Stop what holds it or choose other ports (--urls, Hosting:SiloPort, Hosting:GatewayPort).");
            return 3;
        }
    }

    /// <summary>
    /// `Hosting.Silo migrate`: applies the PostgreSQL schema to Hosting:Postgres:ConnectionString and exits;
    /// the step a deployment runs before it starts silos (Kubernetes runs it as an init container).
    /// </summary>
    private static async Task<int> MigrateAsync(string[] args)
    {
        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().AddCommandLine(args).Build();
        var connectionString = configuration[$"{HostingOptions.Section}:Postgres:ConnectionString"];
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            await Console.Error.WriteLineAsync("migrate needs Hosting:Postgres:ConnectionString (environment Hosting__Postgres__ConnectionString or --Hosting:Postgres:ConnectionString=...).");
            return 2;
        }
        try
        {
            await using var dataSource = Npgsql.NpgsqlDataSource.Create(connectionString);
            var result = await new SchemaMigrator(dataSource).MigrateAsync();
            foreach (var name in result.Applied)
            {
                Console.WriteLine($"applied  {name}");
            }
            foreach (var name in result.AlreadyCurrent)
            {
                Console.WriteLine($"current  {name}");
            }
            Console.WriteLine($"schema is current ({result.Applied.Count} applied, {result.AlreadyCurrent.Count} already current)");
            return 0;
        }
        catch (SchemaMigrationException e)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return 1;
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync($"Hosting:Postgres:ConnectionString is not a valid connection string: {e.Message}");
            return 2;
        }
    }

    private static Exception? FindAddressInUse(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } || (e is IOException && e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase)))
            {
                return e;
            }
            if (e is AggregateException aggregate && aggregate.InnerExceptions.Select(FindAddressInUse).FirstOrDefault(x => x is not null) is { } found)
            {
                return found;
            }
        }
        return null;
    }
}
