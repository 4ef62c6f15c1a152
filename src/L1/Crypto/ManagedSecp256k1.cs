using Hosting.Contracts.Domain;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.EC;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Math.EC;
using Org.BouncyCastle.Math.EC.Multiplier;
using Org.BouncyCastle.Utilities;

namespace Hosting.L1.Crypto;

/// <summary>
/// secp256k1 in managed code on BouncyCastle's fast paths: the custom SecP256K1 field arithmetic, a
/// fixed-point comb table for k·G, and GLV-accelerated Shamir's trick (r⁻¹(s·R − e·G)) for recovery.
/// Used where libsecp256k1 is not installed; tests hold it to the same answers as the native library.
/// </summary>
public sealed class ManagedSecp256k1 : ISecp256k1
{
    // CustomNamedCurves (not SecNamedCurves) gives the specialised curve with the GLV endomorphism configured.
    private static readonly X9ECParameters Parameters = CustomNamedCurves.GetByName("secp256k1");
    private static readonly ECCurve Curve = Parameters.Curve;
    private static readonly ECPoint G = Parameters.G;
    private static readonly BigInteger N = Parameters.N;
    private static readonly BigInteger HalfN = N.ShiftRight(1);
    private static readonly FixedPointCombMultiplier BaseMultiplier = new();

    /// <inheritdoc />
    public string Name => "BouncyCastle";

    /// <inheritdoc />
    public Signature Sign(Hash32 digest, PrivateKey key)
    {
        var d = new BigInteger(1, key.Bytes);
        var message = digest.ToArray();
        var e = new BigInteger(1, message).Mod(N);
        var nonces = new HMacDsaKCalculator(new Sha256Digest());
        nonces.Init(N, d, message);
        while (true)
        {
            var k = nonces.NextK();
            var point = BaseMultiplier.Multiply(G, k).Normalize();
            var x = point.AffineXCoord.ToBigInteger();
            var r = x.Mod(N);
            if (r.SignValue == 0)
            {
                continue;
            }
            var s = BigIntegers.ModOddInverse(N, k).Multiply(e.Add(d.Multiply(r))).Mod(N);
            if (s.SignValue == 0)
            {
                continue;
            }
            var parity = point.AffineYCoord.TestBitZero() ? 1 : 0;
            if (x.CompareTo(N) >= 0)
            {
                // R.x ≥ n happens with probability about 2^-128; v cannot express it, and libsecp256k1 would give recovery id 2 or 3.
                throw new SignatureException("the nonce point's x coordinate exceeds n, which v cannot express", Hex.Encode(message));
            }
            if (s.CompareTo(HalfN) > 0)
            {
                s = N.Subtract(s);
                parity ^= 1;
            }
            return new Signature(ToHash(r), ToHash(s), (byte)parity);
        }
    }

    /// <inheritdoc />
    public PublicKey Recover(Hash32 digest, Signature signature)
    {
        Secp256k1.EnsureCanonical(signature);
        Span<byte> compressed = stackalloc byte[33];
        compressed[0] = (byte)(0x02 | signature.YParity);
        signature.R.CopyTo(compressed[1..]);
        ECPoint noncePoint;
        try
        {
            noncePoint = Curve.DecodePoint(compressed);
        }
        catch (ArgumentException exception)
        {
            throw new SignatureException("r is not the x coordinate of a point on the curve", signature, exception);
        }
        var r = ToBig(signature.R);
        var rInverse = BigIntegers.ModOddInverseVar(N, r);
        var u1 = N.Subtract(ToBig(digest).Mod(N)).Multiply(rInverse).Mod(N);
        var u2 = ToBig(signature.S).Multiply(rInverse).Mod(N);
        var q = ECAlgorithms.SumOfTwoMultiplies(G, u1, noncePoint, u2).Normalize();
        if (q.IsInfinity)
        {
            throw new SignatureException("it recovers to the point at infinity", signature);
        }
        return ToPublicKey(q);
    }

    /// <inheritdoc />
    public bool Verify(Hash32 digest, Signature signature, PublicKey publicKey)
    {
        if (Secp256k1.FindProblem(signature) is not null)
        {
            return false;
        }
        var q = Curve.DecodePoint(publicKey.ToArray());
        var r = ToBig(signature.R);
        var w = BigIntegers.ModOddInverseVar(N, ToBig(signature.S));
        var u1 = ToBig(digest).Mod(N).Multiply(w).Mod(N);
        var u2 = r.Multiply(w).Mod(N);
        var point = ECAlgorithms.SumOfTwoMultiplies(G, u1, q, u2).Normalize();
        return !point.IsInfinity && point.AffineXCoord.ToBigInteger().Mod(N).Equals(r);
    }

    /// <inheritdoc />
    public PublicKey DerivePublicKey(PrivateKey key) =>
        ToPublicKey(BaseMultiplier.Multiply(G, new BigInteger(1, key.Bytes)).Normalize());

    private static PublicKey ToPublicKey(ECPoint point)
    {
        Span<byte> xy = stackalloc byte[64];
        BigIntegers.AsUnsignedByteArray(point.AffineXCoord.ToBigInteger(), xy[..32]);
        BigIntegers.AsUnsignedByteArray(point.AffineYCoord.ToBigInteger(), xy[32..]);
        return PublicKey.FromTrustedCoordinates(xy);
    }

    private static BigInteger ToBig(Hash32 value)
    {
        Span<byte> bytes = stackalloc byte[32];
        value.CopyTo(bytes);
        return new BigInteger(1, bytes);
    }

    private static Hash32 ToHash(BigInteger value)
    {
        Span<byte> bytes = stackalloc byte[32];
        BigIntegers.AsUnsignedByteArray(value, bytes);
        return new Hash32(bytes);
    }
}
