using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Sequencers;
using Hosting.Contracts.Tenants;
using Hosting.Grains.L1;
using Hosting.L1.Signing;
using Hosting.Silo;
using Microsoft.Extensions.DependencyInjection;

// dotnet run -c Release --project bench/PortalLoad -- [sequencers] [seconds per run] [connections] [seed-only]
// Starts a devnet silo (no L1, no PostgreSQL: the sequencer API needs neither), gives one tenant that many
// sequencers in its index plus one real imported sequencer, and drives the API with wrk (apt-get install wrk).
// "seed-only" times the index writes (new rows, then a status change of every row) and skips wrk.
var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10_000;
var seconds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 15;
var connections = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 32;
var seedOnly = args.Length > 3 && args[3] == "seed-only";
Console.WriteLine($"# {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}, load average {LoadAverage()}");

var port = FreePort();
var app = SiloApplication.Build(
    ["--urls", $"http://127.0.0.1:{port}", "--Hosting:Mode=Devnet", $"--Hosting:SiloPort={FreePort()}", $"--Hosting:GatewayPort={FreePort()}",
     "--Logging:LogLevel:Default=Warning"]);
await app.StartAsync();
using var admin = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
admin.DefaultRequestHeaders.Authorization = new("Bearer", Hosting.Portal.Access.PortalOptions.DevnetAdminToken);
const string tenant = "bench";
(await admin.PutAsJsonAsync($"/api/v1/tenants/{tenant}", new { displayName = "Bench" })).EnsureSuccessStatusCode();
var token = (await (await admin.PostAsJsonAsync($"/api/v1/tenants/{tenant}/tokens", new { label = "wrk" })).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;

var grains = app.Services.GetRequiredService<IGrainFactory>();
var seeding = Stopwatch.StartNew();
var tenantGrain = grains.GetGrain<ITenantGrain>(tenant);
var seeded = new Address[count];
for (var i = 0; i < count; i++)
{
    seeded[i] = new Address(RandomNumberGenerator.GetBytes(20));
    await tenantGrain.RecordSequencerStatusAsync(seeded[i], i % 3 == 0 ? SequencerStatus.Active : SequencerStatus.None);
}
using var key = LocalKeySigner.FromHex(Convert.ToHexString(RandomNumberGenerator.GetBytes(32)));
app.Services.GetRequiredService<AccountKeys>().Add(key);
await grains.GetGrain<ISequencerGrain>(key.Address.ToString()).ImportAsync(tenant);
Console.WriteLine($"Seeded {count} sequencers into the tenant's index in {seeding.Elapsed.TotalSeconds:F1} s (one call each), load average {LoadAverage()}.");
// A mass status change: every row moves once (as when many sequencers activate in one block), one call each.
var moving = Stopwatch.StartNew();
for (var i = 0; i < count; i++)
{
    await tenantGrain.RecordSequencerStatusAsync(seeded[i], i % 3 == 0 ? SequencerStatus.Queued : SequencerStatus.Registering);
}
// Moves are acknowledged from memory and written within a second; the timing includes writing them all.
await tenantGrain.FlushSequencerIndexAsync();
Console.WriteLine($"Moved the status of all {count} in {moving.Elapsed.TotalSeconds:F1} s (one call each), load average {LoadAverage()}.");
var queued = await tenantGrain.ListSequencersAsync(new SequencerQuery(SequencerStatus.Queued, "", 1, 1));
Console.WriteLine($"The index lists {queued.Total} queued (expected {(count + 2) / 3}).");
if (seedOnly)
{
    await app.StopAsync();
    return;
}

var baseUrl = $"http://127.0.0.1:{port}/api/v1/tenants/{tenant}/sequencers";
string[] runs =
[
    $"{baseUrl}?page=1&pageSize=50",
    $"{baseUrl}?page=100&pageSize=50",
    $"{baseUrl}?status=queued&page=20&pageSize=50",
    $"{baseUrl}?search=0xab&pageSize=50",
    $"{baseUrl}/{key.Address}",
];
// Tiered JIT and the garbage of seeding settle first, so the first measured run is not a warm-up.
await RunWrkAsync(runs[0], 10, token, connections, quiet: true);
foreach (var url in runs)
{
    await RunWrkAsync(url, 3, token, connections, quiet: true);
    Console.WriteLine($"\n## GET {url[$"http://127.0.0.1:{port}".Length..]}");
    await RunWrkAsync(url, seconds, token, connections, quiet: false);
}
await app.StopAsync();

static async Task RunWrkAsync(string url, int seconds, string token, int connections, bool quiet)
{
    var wrk = Process.Start(new ProcessStartInfo("wrk", ["-t2", $"-c{connections}", $"-d{seconds}s", "--latency", "-H", $"Authorization: Bearer {token}", url])
    {
        RedirectStandardOutput = true,
    })!;
    var output = await wrk.StandardOutput.ReadToEndAsync();
    await wrk.WaitForExitAsync();
    if (!quiet)
    {
        Console.WriteLine(output.Trim());
    }
}

static string LoadAverage() =>
    File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

static int FreePort()
{
    using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
    listener.Start();
    return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
}
