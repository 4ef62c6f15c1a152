using BenchmarkDotNet.Running;

namespace Hosting.Benchmarks;

public static class Program
{
    // Run one area with: dotnet run -c Release --project bench/Benchmarks -- --filter '*Keccak*'
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
