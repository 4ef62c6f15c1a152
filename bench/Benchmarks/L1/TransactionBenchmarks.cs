using System.Numerics;
using BenchmarkDotNet.Attributes;
using Hosting.Contracts.Domain;
using Hosting.L1.Abi;
using Hosting.L1.Crypto;
using Hosting.L1.Transactions;

namespace Hosting.Benchmarks.L1;

/// <summary>
/// The publisher's hot path: ABI-encode a block proposal, wrap it in an EIP-1559 transaction, sign it and
/// serialise it. The proposal shape stands in for FernetRollup.propose until its ABI lands.
/// </summary>
[MemoryDiagnoser]
public class TransactionBenchmarks
{
    private static readonly AbiFunction Propose = AbiFunction.Parse(
        "propose((uint256,bytes32,bytes32,bytes,bytes32[]),(uint8,bytes32,bytes32)[])");

    private object?[] _arguments = null!;
    private PrivateKey _key = null!;
    private Eip1559Transaction _transaction = null!;
    private ISecp256k1 _curve = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(3);
        Hash32 Word()
        {
            var bytes = new byte[32];
            random.NextBytes(bytes);
            return new Hash32(bytes);
        }
        var header = new byte[600];
        random.NextBytes(header);
        _arguments =
        [
            new object?[] { new BigInteger(123_456), Word(), Word(), header, Enumerable.Range(0, 32).Select(_ => (object?)Word()).ToArray() },
            Enumerable.Range(0, 4).Select(_ => (object?)new object?[] { (byte)27, Word(), Word() }).ToArray(),
        ];
        _key = PrivateKey.FromHex("0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318");
        _curve = Secp256k1.Default;
        _transaction = new Eip1559Transaction
        {
            ChainId = 1,
            Nonce = 42,
            MaxPriorityFeePerGas = 2_000_000_000,
            MaxFeePerGas = 60_000_000_000,
            GasLimit = 500_000,
            To = new Address(new byte[20]),
            Data = Propose.EncodeCall(_arguments),
        };
    }

    [Benchmark]
    public byte[] AbiEncodeProposal() => Propose.EncodeCall(_arguments);

    [Benchmark]
    public byte[] Eip1559EncodeAndSign() => _transaction.WithSignature(_curve.Sign(_transaction.SigningHash, _key)).Encode();
}
