using System.Numerics;
using Hosting.Contracts.Domain;

namespace Hosting.L1.Crypto;

/// <summary>A point on secp256k1 other than infinity, held as its two affine coordinates.</summary>
public readonly record struct PublicKey
{
    private PublicKey(Hash32 x, Hash32 y)
    {
        X = x;
        Y = y;
    }

    /// <summary>The x coordinate, big-endian.</summary>
    public Hash32 X { get; }
    /// <summary>The y coordinate, big-endian.</summary>
    public Hash32 Y { get; }

    /// <summary>Reads the uncompressed form: 64 bytes x || y, or 65 bytes with the 0x04 prefix.</summary>
    public static PublicKey FromBytes(ReadOnlySpan<byte> bytes)
    {
        var xy = bytes.Length switch
        {
            64 => bytes,
            65 when bytes[0] == 0x04 => bytes[1..],
            _ => throw new InvalidKeyException(
                $"Public key {Hex.Encode(bytes)} is {bytes.Length} bytes; expected 64 bytes (x || y) or 65 starting with 0x04."),
        };
        if (!IsOnCurve(xy))
        {
            throw new InvalidKeyException($"Public key {Hex.Encode(bytes)} is not a point on secp256k1 (y² ≠ x³ + 7 mod p).");
        }
        return new PublicKey(new Hash32(xy[..32]), new Hash32(xy[32..]));
    }

    /// <summary>For coordinates a curve backend just computed, which are on the curve by construction.</summary>
    internal static PublicKey FromTrustedCoordinates(ReadOnlySpan<byte> xy) => new(new Hash32(xy[..32]), new Hash32(xy[32..64]));

    /// <summary>The account address: the last 20 bytes of keccak(x || y).</summary>
    public Address ToAddress()
    {
        Span<byte> xy = stackalloc byte[64];
        X.CopyTo(xy);
        Y.CopyTo(xy[32..]);
        Span<byte> hash = stackalloc byte[32];
        Keccak256.Hash(xy, hash);
        return new Address(hash[12..]);
    }

    /// <summary>The 65-byte uncompressed encoding 0x04 || x || y.</summary>
    public byte[] ToArray()
    {
        var bytes = new byte[65];
        bytes[0] = 0x04;
        X.CopyTo(bytes.AsSpan(1));
        Y.CopyTo(bytes.AsSpan(33));
        return bytes;
    }

    /// <inheritdoc />
    public override string ToString() => Hex.Encode(ToArray());

    private static readonly BigInteger P = BigInteger.Parse("0FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F", System.Globalization.NumberStyles.HexNumber);

    private static bool IsOnCurve(ReadOnlySpan<byte> xy)
    {
        var x = new BigInteger(xy[..32], isUnsigned: true, isBigEndian: true);
        var y = new BigInteger(xy[32..], isUnsigned: true, isBigEndian: true);
        return x < P && y < P && BigInteger.ModPow(y, 2, P) == (BigInteger.ModPow(x, 3, P) + 7) % P;
    }
}
