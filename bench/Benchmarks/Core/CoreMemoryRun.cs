using System.Diagnostics;
using System.Globalization;
using Hosting.Contracts.Sequencers;
using Hosting.Contracts.Tenants;
using Hosting.Grains;
using Hosting.Grains.L1;
using Hosting.L1.Crypto;
using Hosting.L1.Signing;
using Hosting.Silo.Configuration;
using Hosting.Silo.L1;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;

namespace Hosting.Benchmarks.Core;

/// <summary>
/// Memory of hosted identities in one silo: the devnet silo's grains (sequencer, tenant) with their state in
/// Orleans' in-memory storage, in this process. Imports <c>count</c> sequencers over <c>tenants</c> tenants,
/// then measures the process's working set and managed heap with every sequencer grain active, after forcing
/// all idle ones to deactivate, and with them all active again.
/// dotnet run -c Release --project bench/Benchmarks -- core-memory [count] [tenants] [import-only]
/// "import-only" stops after timing the imports (each 10% of them timed, to show how the cost grows).
/// </summary>
public static class CoreMemoryRun
{
    public static async Task RunAsync(string[] args)
    {
        var count = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100_000;
        var tenants = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 100;
        var importOnly = args.Length > 3 && args[3] == "import-only";
        Console.WriteLine($"# core-memory {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, .NET {Environment.Version}, server GC {System.Runtime.GCSettings.IsServerGC}; {count} sequencers over {tenants} tenants; load average {LoadAverage()}");

        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering();
            silo.AddMemoryGrainStorage(GrainStorage.Name);
            silo.UseInMemoryReminderService();
            // Long enough that nothing is collected on its own while the run measures "all active".
            silo.Configure<GrainCollectionOptions>(o => o.CollectionAge = TimeSpan.FromHours(1));
            // Deactivating 100k grains in one management call takes longer than the default 30 s on a busy machine.
            silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromMinutes(10));
        });
        builder.Services.AddL1Follower(new L1Options()); // no RPC URL: the follower and chain stay idle
        using var host = builder.Build();
        await host.StartAsync();
        var grains = host.Services.GetRequiredService<IGrainFactory>();
        var management = grains.GetGrain<IManagementGrain>(0);
        var started = Measure("silo started", await management.GetTotalActivationCount());

        var keys = host.Services.GetRequiredService<AccountKeys>();
        var addresses = new Hosting.Contracts.Domain.Address[count];
        for (var i = 0; i < count; i++)
        {
            var signer = new LocalKeySigner(PrivateKey.Generate());
            keys.Add(signer);
            addresses[i] = signer.Address;
        }
        var keyed = Measure($"{count} keys in the silo's key store", await management.GetTotalActivationCount());

        for (var t = 0; t < tenants; t++)
        {
            await grains.GetGrain<ITenantGrain>(TenantId(t)).SaveAsync($"Tenant {t}");
        }
        var clock = Stopwatch.StartNew();
        var tenth = Math.Max(1, count / 10);
        for (var start = 0; start < count; start += tenth)
        {
            var lap = Stopwatch.StartNew();
            var end = Math.Min(count, start + tenth);
            await Parallel.ForEachAsync(Enumerable.Range(start, end - start), new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (i, _) =>
                await grains.GetGrain<ISequencerGrain>(addresses[i].ToString()).ImportAsync(TenantId(i % tenants)));
            Console.WriteLine($"  imports {start}-{end}: {lap.Elapsed.TotalSeconds:0.0} s ({(end - start) / lap.Elapsed.TotalSeconds:0}/s), load average {LoadAverage()}");
        }
        Console.WriteLine($"imported {count} in {clock.Elapsed.TotalSeconds:0.0} s");
        if (importOnly)
        {
            var listed = await grains.GetGrain<ITenantGrain>(TenantId(0)).ListSequencersAsync(new SequencerQuery(null, "", 1, 1));
            Console.WriteLine($"tenant {TenantId(0)} lists {listed.Total} sequencers (expected {(count + tenants - 1) / tenants})");
            await host.StopAsync();
            return;
        }
        var active = Measure($"{count} imported, every sequencer grain active", await management.GetTotalActivationCount());

        await management.ForceActivationCollection(TimeSpan.Zero);
        await WaitForActivationsBelowAsync(management, count / 100);
        var idle = Measure($"{count} imported, idle sequencer grains deactivated", await management.GetTotalActivationCount());

        clock.Restart();
        var views = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (i, _) =>
        {
            if (await grains.GetGrain<ISequencerGrain>(addresses[i].ToString()).GetAsync() is { Tenant: { Length: > 0 } })
            {
                Interlocked.Increment(ref views);
            }
        });
        Console.WriteLine($"re-activated {count} from stored state in {clock.Elapsed.TotalSeconds:0.0} s; {views} kept their tenant");
        var again = Measure($"{count} re-activated", await management.GetTotalActivationCount());

        Console.WriteLine();
        Console.WriteLine("| figure | value |");
        Console.WriteLine("|---|---:|");
        Row("key store per identity (working set / managed heap)", keyed.WorkingSet - started.WorkingSet, keyed.Heap - started.Heap, count);
        Row("active sequencer grain per identity, over idle (working set / managed heap)", active.WorkingSet - idle.WorkingSet, active.Heap - idle.Heap, active.Activations - idle.Activations);
        Row("re-activated grain per identity, over idle (working set / managed heap)", again.WorkingSet - idle.WorkingSet, again.Heap - idle.Heap, again.Activations - idle.Activations);
        Row("idle identity: stored state + tenant index + key, over the started silo", idle.WorkingSet - started.WorkingSet, idle.Heap - started.Heap, count);
        Console.WriteLine($"| silo working set with {count} identities, grains idle | {Mib(idle.WorkingSet)} |");
        Console.WriteLine($"| silo working set with {count} identities, grains active | {Mib(Math.Max(active.WorkingSet, again.WorkingSet))} |");
        await host.StopAsync();
    }

    private static string TenantId(int i) => $"t{i:000}";

    private sealed record Sample(long WorkingSet, long Heap, int Activations);

    private static Sample Measure(string what, int activations)
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        var sample = new Sample(process.WorkingSet64, GC.GetTotalMemory(false), activations);
        Console.WriteLine($"{what}: working set {Mib(sample.WorkingSet)}, managed heap {Mib(sample.Heap)}, {activations} activations");
        return sample;
    }

    private static async Task WaitForActivationsBelowAsync(IManagementGrain management, int limit)
    {
        for (var i = 0; i < 600 && await management.GetTotalActivationCount() > limit; i++)
        {
            await Task.Delay(500);
        }
    }

    private static void Row(string what, long workingSet, long heap, int per) =>
        Console.WriteLine($"| {what} | {(per == 0 ? "n/a" : $"{workingSet / per:N0} B / {heap / per:N0} B")} |");

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static string Mib(long bytes) => $"{bytes / 1048576.0:0.0} MiB";
}
