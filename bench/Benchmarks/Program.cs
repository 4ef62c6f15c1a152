using BenchmarkDotNet.Running;

namespace Hosting.Benchmarks;

public static class Program
{
    // Run one area with: dotnet run -c Release --project bench/Benchmarks -- --filter '*Keccak*'
    // The score index's ratio harness: dotnet run -c Release --project bench/Benchmarks -- score-index [rounds]
    // Memory per hosted identity: dotnet run -c Release --project bench/Benchmarks -- core-memory [count] [tenants]
    public static void Main(string[] args)
    {
        if (args is ["core-memory", ..])
        {
            Core.CoreMemoryRun.RunAsync(args).GetAwaiter().GetResult();
            return;
        }
        if (args is ["score-index", ..])
        {
            Election.ScoreIndexRun.Run(args);
            return;
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
