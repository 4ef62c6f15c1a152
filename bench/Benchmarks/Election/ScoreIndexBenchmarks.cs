using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Hosting.Grains.Election;

namespace Hosting.Benchmarks.Election;

/// <summary>
/// The score index against the native reference, BenchmarkDotNet's way (short jobs: the machine is shared).
/// Run: <c>dotnet run -c Release --project bench/Benchmarks -- --filter '*ScoreIndex*'</c>.
/// </summary>
[Config(typeof(ShortInProcess))]
[MemoryDiagnoser]
public class ScoreIndexBenchmarks
{
    /// <summary>
    /// In-process, because the generated out-of-process project cannot find ours (the assembly is named
    /// Hosting.Benchmarks, the project Benchmarks), and because it saves a build on a small machine.
    /// </summary>
    private sealed class ShortInProcess : ManualConfig
    {
        public ShortInProcess() => AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance));
    }

    private ScoreIndexWorkload _workload = null!;
    private byte[] _digests = [];
    private ulong _slot = ScoreIndexWorkload.Slot;

    [GlobalSetup]
    public void Setup()
    {
        _workload = new ScoreIndexWorkload();
        _digests = new byte[_workload.Sequencers.Length * 32];
    }

    [Benchmark(Baseline = true, Description = "OpenSSL SHA3-256 EVP_Digest, 100k x 96 B, all cores")]
    public void OpenSslOneShot() => _workload.HashInParallel(_digests, OpenSslSha3.OneShot);

    [Benchmark(Description = "OpenSSL SHA3-256 reused ctx, 100k x 96 B, all cores")]
    public void OpenSslReusedContext() => _workload.HashInParallel(_digests, OpenSslSha3.ReusedContext);

    [Benchmark(Description = "ScoreIndex.Rank, 100k active / 10k hosted")]
    public SlotRanking Rank() => _workload.Index.Rank(_slot++, _workload.Seed);

    [Benchmark(Description = "ScoreIndex.Forecast top 5")]
    public IReadOnlyList<HostedRank> Forecast() => _workload.Index.Forecast(_slot++, _workload.Seed, 5);
}
