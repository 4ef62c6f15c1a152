using System.Numerics;
using Hosting.Contracts.Domain;
using Hosting.L1.Crypto;

namespace Hosting.L1.Tests.Peers;

/// <summary>Seeded random inputs: a failure names its seed and case, so it can be replayed.</summary>
internal sealed class Generated(int seed)
{
    private readonly Random _random = new(seed);

    public int Seed { get; } = seed;

    public byte[] Bytes(int length)
    {
        var bytes = new byte[length];
        _random.NextBytes(bytes);
        return bytes;
    }

    public int Int(int max) => _random.Next(max);

    public bool Bool() => _random.Next(2) == 1;

    public PrivateKey Key()
    {
        while (true)
        {
            var bytes = Bytes(32);
            if (Secp256k1.IsValidScalar(bytes))
            {
                return new PrivateKey(bytes);
            }
        }
    }

    public Hash32 Hash() => new(Bytes(32));

    public Address Address() => new(Bytes(20));

    /// <summary>An unsigned integer of up to <paramref name="bits"/> bits, biased to the edges (0, 1, max).</summary>
    public BigInteger Unsigned(int bits)
    {
        var max = (BigInteger.One << bits) - 1;
        return _random.Next(6) switch
        {
            0 => BigInteger.Zero,
            1 => max,
            2 => BigInteger.One,
            _ => new BigInteger(Bytes((bits + 7) / 8), isUnsigned: true, isBigEndian: true) & (max >> _random.Next(bits)),
        };
    }

    public BigInteger Signed(int bits)
    {
        var half = BigInteger.One << (bits - 1);
        return _random.Next(6) switch
        {
            0 => -half,
            1 => half - 1,
            2 => BigInteger.MinusOne,
            _ => Unsigned(bits) - half,
        };
    }

    public string Word(int maxLength)
    {
        const string letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        return new string([.. Enumerable.Range(0, _random.Next(maxLength + 1)).Select(_ => letters[_random.Next(letters.Length)])]);
    }
}
