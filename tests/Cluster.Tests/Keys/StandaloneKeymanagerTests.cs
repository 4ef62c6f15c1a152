using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Hosting.Cluster.Tests.L1;
using Hosting.Cluster.Tests.Postgres;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Keys;
using Hosting.Contracts.Telemetry;
using Hosting.Grains.L1;
using Hosting.Grains.Slots;
using Hosting.L1.Crypto;
using Hosting.Portal;
using Hosting.TestKit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans.TestingHost;

namespace Hosting.Cluster.Tests.Keys;

/// <summary>
/// The standalone portal (src/Portal/Program.cs, started here as production starts it: an Orleans client of the
/// cluster, no key custody) serves the Keymanager API through a silo that has custody: a cast-made keystore is
/// decrypted and held there, signs duties asked on either silo, and is deleted with its history returned. The
/// password crosses the Orleans link and must appear in no log line of the portal or the silos, and in no row.
/// </summary>
[Collection(ChainCollection.Name)] // With StandalonePublisherTests: both set the silos' static log sink, so they share a lane.
public sealed class StandaloneKeymanagerTests
{
    internal const string AdminToken = "standalone-admin-token-0123456789abcdef";

    [Fact]
    public async Task A_keystore_imported_through_the_standalone_portal_is_held_on_a_silo_signs_there_and_deleting_it_returns_its_history_and_stops_it()
    {
        var database = await PostgresCluster.CreateMigratedDatabaseAsync();
        var logs = new CapturedLogs();
        SiloWithCapturedLogs.Sink = logs;
        var cluster = await PostgresCluster.StartAsync(database, 2, configure: builder =>
        {
            // The standalone portal connects to the silos' gateways over TCP, as in production.
            builder.Options.ConnectionTransport = ConnectionTransportType.TcpSocket;
            builder.AddSiloBuilderConfigurator<CustodyKeySigningTests.SiloWithCustody>();
            builder.AddSiloBuilderConfigurator<SiloWithCapturedLogs>();
        });
        var password = $"pw-{Guid.NewGuid():N}";
        var wrong = $"wrong-{Guid.NewGuid():N}";
        try
        {
            await using var portal = await StartPortalAsync(database, cluster, logs);
            using var admin = Client(portal, AdminToken);
            var (acme, acmeToken) = await CreateTenantAsync(admin);
            var (_, otherToken) = await CreateTenantAsync(admin);
            using var http = Client(portal, acmeToken);
            using var intruder = Client(portal, otherToken);
            var (json, address) = await CastKeystoreAsync(password);

            // A wrong password fails its own entry, naming the password; nothing is stored or listed.
            var refused = await ImportAsync(http, json, wrong);
            Assert.Equal("error", refused[0].GetProperty("status").GetString());
            Assert.Contains("password is wrong", refused[0].GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.Empty(await ListAsync(http));
            Assert.Equal(0L, await PostgresCluster.QueryScalarAsync<long>(database, $"select count(*) from signing_keys where address = '\\x{address.ToString()[2..]}'::bytea"));

            // Another tenant's token reaches nothing of acme's: 403 on import, list and delete, and nothing changes.
            using (var foreign = await intruder.PostAsJsonAsync($"/eth/v1/keystores?tenant={acme}", new { keystores = new[] { json }, passwords = new[] { password } }))
            {
                Assert.Equal(HttpStatusCode.Forbidden, foreign.StatusCode);
            }
            Assert.Equal(HttpStatusCode.Forbidden, (await intruder.GetAsync($"/eth/v1/keystores?tenant={acme}")).StatusCode);
            Assert.Empty(await ListAsync(http));
            using (var anonymous = Client(portal, null))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/eth/v1/keystores")).StatusCode);
            }

            // Imported through the portal: decrypted and held on a silo; listed; a second import is a duplicate.
            var imported = await ImportAsync(http, json, password);
            Assert.Equal(("imported", $"{address} imported."), (imported[0].GetProperty("status").GetString(), imported[0].GetProperty("message").GetString()));
            Assert.Equal("duplicate", (await ImportAsync(http, json, password))[0].GetProperty("status").GetString());
            Assert.Equal([address.ToString()], await ListAsync(http));
            Assert.Empty(await ListAsync(intruder));

            // The key signs duties asked on either silo: on the one that holds it unlocked, and routed there from the other.
            var silos = cluster.Silos.Select(Services).ToArray();
            Assert.True(await Eventually.WaitAsync(async () => silos.All(s => s.GetRequiredService<AccountKeys>().HostsSequencer(address))
                && await PostgresCluster.QueryScalarAsync<long>(database, $"select count(*) from key_holders where address = '\\x{address.ToString()[2..]}'::bytea") == 1,
                TimeSpan.FromSeconds(30)), "the silos never hosted the imported key, or no silo listed it as held");
            Assert.Single(silos, s => s.GetRequiredService<Hosting.Silo.Keys.HostedKeys>().CanSignHere(address));
            var signatures = new List<string>();
            for (var i = 0; i < silos.Length; i++)
            {
                var slot = 30UL + (ulong)i;
                var proposal = CustodyKeys.Proposal(slot, $"archive {slot}");
                var signature = await silos[i].GetRequiredService<IDutySigner>().SignAsync(new DutyRequest(acme, address, slot, Duty.Proposal, proposal, $"slot/{slot}"));
                Assert.Equal(address, Secp256k1.Default.RecoverAddress(CustodyKeys.Digest(proposal), signature));
                signatures.Add(signature.ToString());
            }

            // Another tenant cannot delete it; acme deletes it and gets its history back; a second delete is not_active.
            using (var foreign = await SendAsync(intruder, HttpMethod.Delete, $"/eth/v1/keystores?tenant={acme}", new { pubkeys = new[] { address.ToString() } }))
            {
                Assert.Equal(HttpStatusCode.Forbidden, foreign.StatusCode);
            }
            var notOurs = await DeleteAsync(intruder, address);
            Assert.Equal("not_found", notOurs.GetProperty("data")[0].GetProperty("status").GetString());
            Assert.Equal([address.ToString()], await ListAsync(http));
            var deleted = await DeleteAsync(http, address);
            Assert.Equal("deleted", deleted.GetProperty("data")[0].GetProperty("status").GetString());
            var interchange = deleted.GetProperty("slashing_protection").GetString()!;
            Assert.All(signatures, s => Assert.Contains(s, interchange, StringComparison.OrdinalIgnoreCase));
            Assert.Equal("not_active", (await DeleteAsync(http, address)).GetProperty("data")[0].GetProperty("status").GetString());
            Assert.Empty(await ListAsync(http));
            foreach (var silo in silos)
            {
                var stopped = await Assert.ThrowsAnyAsync<Exception>(() => silo.GetRequiredService<IDutySigner>().SignAsync(
                    new DutyRequest(acme, address, 40, Duty.Proposal, CustodyKeys.Proposal(40, "archive 40"), "slot/40")));
                Assert.Contains("deleted", stopped.Message, StringComparison.OrdinalIgnoreCase);
            }

            // A call that fails inside the grain (a malformed upload) carries the password as an argument: neither
            // the exception nor Orleans' logging of the failed call prints it.
            var failed = await Assert.ThrowsAnyAsync<Exception>(() => cluster.Client.GetGrain<IKeymanagerGrain>(IKeymanagerGrain.Key)
                .ImportKeystoresAsync(acme, new KeystoreUpload(null!, new KeystorePasswords([password]), null), "test"));
            Assert.DoesNotContain(password, failed.ToString(), StringComparison.Ordinal);

            // No log line of the portal or the silos, and no row of any table, holds either password.
            Assert.NotEmpty(logs.Lines);
            Assert.Contains(logs.Lines, line => line.Contains("Orleans", StringComparison.Ordinal));
            foreach (var secret in new[] { password, wrong })
            {
                Assert.DoesNotContain(logs.Lines, line => line.Contains(secret, StringComparison.Ordinal));
                Assert.Empty(await RowsContainingAsync(database, secret));
            }
            Assert.Contains("1 keystore password(s), redacted", new KeystoreUpload([json], new KeystorePasswords([password]), null).ToString(), StringComparison.Ordinal);
        }
        finally
        {
            await cluster.StopAsync();
        }
    }

    [Fact]
    public async Task Without_a_silo_with_custody_the_standalone_portal_answers_503_saying_so()
    {
        var database = await PostgresCluster.CreateMigratedDatabaseAsync();
        // A silo without custody, as SiloApplication wires one without PostgreSQL for keys: the placement director only.
        var cluster = await PostgresCluster.StartAsync(database, 1, configure: builder =>
        {
            builder.Options.ConnectionTransport = ConnectionTransportType.TcpSocket;
            builder.AddSiloBuilderConfigurator<SiloWithoutCustody>();
        });
        try
        {
            await using var portal = await StartPortalAsync(database, cluster, new CapturedLogs());
            using var admin = Client(portal, AdminToken);
            var (tenant, token) = await CreateTenantAsync(admin);
            using var http = Client(portal, token);

            var response = await http.GetAsync("/eth/v1/keystores");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            var detail = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString();
            Assert.Contains("Key custody is not configured on any live silo of the cluster", detail, StringComparison.Ordinal);
            Assert.Contains("Hosting:Postgres:ConnectionString", detail, StringComparison.Ordinal);
            var (json, _) = CustodyKeys.NewKeystore("unused");
            using var import = await http.PostAsJsonAsync("/eth/v1/keystores", new { keystores = new[] { json }, passwords = new[] { "unused" } });
            Assert.Equal(HttpStatusCode.ServiceUnavailable, import.StatusCode);
            // Adding a publisher account is routed the same way, and says the same.
            using var publisher = await http.PostAsJsonAsync($"/api/v1/tenants/{tenant}/publishers", new { keystore = json, password = "unused" });
            Assert.Equal(HttpStatusCode.ServiceUnavailable, publisher.StatusCode);
            var publisherProblem = await publisher.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("Key custody is not configured", publisherProblem.GetProperty("title").GetString());
            Assert.Contains("Key custody is not configured on any live silo of the cluster", publisherProblem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.Equal(0L, await PostgresCluster.QueryScalarAsync<long>(database, "select count(*) from signing_keys"));
        }
        finally
        {
            await cluster.StopAsync();
        }
    }

    internal static async Task<WebApplication> StartPortalAsync(string database, TestCluster cluster, CapturedLogs logs)
    {
        var port = FreePort.Next();
        var app = PortalProgram.Build(
        [
            $"--Hosting:Postgres:ConnectionString={database}",
            $"--Hosting:ClusterId={cluster.Options.ClusterId}",
            $"--Hosting:ServiceId={cluster.Options.ServiceId}",
            $"--Hosting:Portal:AdminToken={AdminToken}",
            $"--urls=http://127.0.0.1:{port}",
        ], host => host.Logging.SetMinimumLevel(LogLevel.Debug).AddProvider(logs));
        await app.StartAsync();
        return app;
    }

    internal static HttpClient Client(WebApplication portal, string? token)
    {
        var client = new HttpClient { BaseAddress = new Uri(portal.Urls.First()) };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return client;
    }

    internal static async Task<(string Tenant, string Token)> CreateTenantAsync(HttpClient admin)
    {
        var id = "t-" + Guid.NewGuid().ToString("N")[..10];
        (await admin.PutAsJsonAsync($"/api/v1/tenants/{id}", new { displayName = id })).EnsureSuccessStatusCode();
        var issued = await admin.PostAsJsonAsync($"/api/v1/tenants/{id}/tokens", new { label = "ops" });
        Assert.Equal(HttpStatusCode.Created, issued.StatusCode);
        return (id, (await issued.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!);
    }

    /// <summary>A fresh keystore written by <c>cast wallet new</c> (scrypt, as operators make them) and its address.</summary>
    internal static async Task<(string Json, Address Address)> CastKeystoreAsync(string password)
    {
        var directory = Directory.CreateTempSubdirectory("standalone-keystore-").FullName;
        try
        {
            var made = (await ProcessRunner.RunAsync(Tools.Cast, ["wallet", "new", directory, "--unsafe-password", password])).EnsureSuccess("cast wallet new");
            var address = made.Output.Split('\n').Single(l => l.StartsWith("Address:", StringComparison.Ordinal))["Address:".Length..].Trim();
            return (await File.ReadAllTextAsync(Directory.GetFiles(directory).Single()), Address.Parse(address));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<JsonElement> ImportAsync(HttpClient http, string json, string password)
    {
        using var response = await http.PostAsJsonAsync("/eth/v1/keystores", new { keystores = new[] { json }, passwords = new[] { password } });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("data");
    }

    private static async Task<List<string>> ListAsync(HttpClient http)
    {
        using var response = await http.GetAsync("/eth/v1/keystores");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return [.. (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("data").EnumerateArray().Select(k => k.GetProperty("validating_pubkey").GetString()!)];
    }

    private static async Task<JsonElement> DeleteAsync(HttpClient http, Address address)
    {
        using var response = await SendAsync(http, HttpMethod.Delete, "/eth/v1/keystores", new { pubkeys = new[] { address.ToString() } });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient http, HttpMethod method, string path, object body) =>
        http.SendAsync(new HttpRequestMessage(method, path) { Content = JsonContent.Create(body) });

    /// <summary>The tables (public schema) with a row whose text holds <paramref name="secret"/>.</summary>
    internal static async Task<List<string>> RowsContainingAsync(string database, string secret)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand("select tablename from pg_tables where schemaname = 'public'", connection))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }
        Assert.Contains("signing_keys", tables);
        var holding = new List<string>();
        foreach (var table in tables)
        {
            await using var search = new NpgsqlCommand($"select count(*) from \"{table}\" t where t::text like '%' || $1 || '%'", connection);
            search.Parameters.Add(new NpgsqlParameter { Value = secret });
            if ((long)(await search.ExecuteScalarAsync())! > 0)
            {
                holding.Add(table);
            }
        }
        return holding;
    }

    internal static IServiceProvider Services(SiloHandle silo) => ((InProcessSiloHandle)silo).SiloHost.Services;

    public sealed class SiloWithoutCustody : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder) =>
            siloBuilder.Services.AddPlacementDirector<Hosting.Grains.Keys.KeyBackendPlacement, Hosting.Silo.Keys.KeyBackendPlacementDirector>();
    }

    /// <summary>Adds the test's log capture to each silo, at Debug (Orleans' own messaging and call-failure lines included).</summary>
    public sealed class SiloWithCapturedLogs : ISiloConfigurator
    {
        public static CapturedLogs? Sink { get; set; }

        public void Configure(ISiloBuilder siloBuilder)
        {
            siloBuilder.Services.AddSingleton<ILoggerProvider>(_ => Sink ?? new CapturedLogs());
            siloBuilder.Services.Configure<LoggerFilterOptions>(o => o.MinLevel = LogLevel.Debug);
        }
    }
}

/// <summary>Every log line written through it: category, message, each structured value and the exception.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(" ", pairs.Select(p => $"{p.Key}={p.Value}")) : "";
            lines.Enqueue($"{category} {logLevel}: {formatter(state, exception)} {values} {exception}");
        }
    }
}
