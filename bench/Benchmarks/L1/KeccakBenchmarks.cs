using BenchmarkDotNet.Attributes;
using Hosting.L1.Crypto;

namespace Hosting.Benchmarks.L1;

/// <summary>Keccak-256 of a word (selectors, mapping keys) and of a kilobyte (calldata, transactions).</summary>
[MemoryDiagnoser]
public class KeccakBenchmarks
{
    private readonly byte[] _word = new byte[32];
    private readonly byte[] _kilobyte = new byte[1024];
    private readonly byte[] _output = new byte[32];

    [GlobalSetup]
    public void Setup()
    {
        new Random(1).NextBytes(_word);
        new Random(2).NextBytes(_kilobyte);
    }

    [Benchmark]
    public void Keccak32Bytes() => Keccak256.Hash(_word, _output);

    [Benchmark]
    public void Keccak1KiB() => Keccak256.Hash(_kilobyte, _output);
}
