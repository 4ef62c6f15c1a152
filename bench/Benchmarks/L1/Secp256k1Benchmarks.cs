using BenchmarkDotNet.Attributes;
using Hosting.Contracts.Domain;
using Hosting.L1.Crypto;

namespace Hosting.Benchmarks.L1;

/// <summary>Sign, verify and recover with BouncyCastle (managed) and libsecp256k1 (native, P/Invoke) in the same run.</summary>
[MemoryDiagnoser]
public class Secp256k1Benchmarks
{
    private ISecp256k1 _curve = null!;
    private PrivateKey _key = null!;
    private Hash32 _digest;
    private Signature _signature;

    [Params("native", "managed")]
    public string Implementation { get; set; } = "native";

    [GlobalSetup]
    public void Setup()
    {
        _curve = Secp256k1.Select(Implementation);
        _key = PrivateKey.FromHex("0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318");
        _digest = Keccak256.Hash("benchmark digest");
        _signature = _curve.Sign(_digest, _key);
    }

    [Benchmark]
    public Signature Sign() => _curve.Sign(_digest, _key);

    [Benchmark]
    public bool Verify() => _curve.Verify(_digest, _signature, _key.PublicKey);

    [Benchmark]
    public PublicKey Recover() => _curve.Recover(_digest, _signature);
}
