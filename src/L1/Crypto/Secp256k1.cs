using Hosting.Contracts.Domain;

namespace Hosting.L1.Crypto;

/// <summary>
/// The curve's rules and the implementation in use. Setting HOSTING_SECP256K1 to "managed" forces
/// BouncyCastle, "native" demands libsecp256k1 (startup fails without it); unset, the native library is
/// used when present because it is several times faster (bench/results/l1.md).
/// </summary>
public static class Secp256k1
{
    /// <summary>The environment variable that picks the implementation: auto (default), managed or native.</summary>
    public const string ImplementationVariable = "HOSTING_SECP256K1";

    private static readonly Lazy<ISecp256k1> Selected = new(() => Select(Environment.GetEnvironmentVariable(ImplementationVariable)));

    /// <summary>The implementation chosen at first use: libsecp256k1 when it loads, BouncyCastle otherwise.</summary>
    public static ISecp256k1 Default => Selected.Value;

    /// <summary>The group order n, big-endian.</summary>
    public static ReadOnlySpan<byte> Order =>
    [
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE,
        0xBA, 0xAE, 0xDC, 0xE6, 0xAF, 0x48, 0xA0, 0x3B, 0xBF, 0xD2, 0x5E, 0x8C, 0xD0, 0x36, 0x41, 0x41,
    ];

    /// <summary>n / 2 rounded down: the largest s Ethereum accepts since Homestead (EIP-2).</summary>
    public static ReadOnlySpan<byte> HalfOrder =>
    [
        0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0x5D, 0x57, 0x6E, 0x73, 0x57, 0xA4, 0x50, 0x1D, 0xDF, 0xE9, 0x2F, 0x46, 0x68, 0x1B, 0x20, 0xA0,
    ];

    /// <summary>The implementation for a HOSTING_SECP256K1 value (auto, managed, native).</summary>
    public static ISecp256k1 Select(string? choice) => choice?.Trim().ToLowerInvariant() switch
    {
        null or "" or "auto" => (ISecp256k1?)NativeSecp256k1.TryLoad() ?? new ManagedSecp256k1(),
        "managed" or "bouncycastle" => new ManagedSecp256k1(),
        "native" or "libsecp256k1" => NativeSecp256k1.TryLoad()
            ?? throw new InvalidOperationException($"{ImplementationVariable}=native but libsecp256k1 could not be loaded (tried {string.Join(", ", NativeSecp256k1.LibraryNames)}); install the libsecp256k1-1 package or unset {ImplementationVariable}."),
        _ => throw new InvalidOperationException($"{ImplementationVariable}='{choice}' is not understood; expected auto, managed or native."),
    };

    /// <summary>True for a 32-byte big-endian integer in [1, n-1]: a valid private key or signature component.</summary>
    public static bool IsValidScalar(ReadOnlySpan<byte> value) =>
        value.Length == 32 && value.IndexOfAnyExcept((byte)0) >= 0 && value.SequenceCompareTo(Order) < 0;

    /// <summary>Why a signature breaks Ethereum's rules, or null when it is canonical.</summary>
    public static string? FindProblem(Signature signature)
    {
        Span<byte> r = stackalloc byte[32];
        Span<byte> s = stackalloc byte[32];
        signature.R.CopyTo(r);
        signature.S.CopyTo(s);
        if (!IsValidScalar(r))
        {
            return "r must be between 1 and n-1";
        }
        if (!IsValidScalar(s))
        {
            return "s must be between 1 and n-1";
        }
        return s.SequenceCompareTo(HalfOrder) > 0
            ? "s is in the upper half of the group order (high s); Ethereum accepts only s ≤ n/2 (EIP-2)"
            : null;
    }

    /// <summary>Throws <see cref="SignatureException"/> unless the signature is canonical.</summary>
    public static void EnsureCanonical(Signature signature)
    {
        if (FindProblem(signature) is { } problem)
        {
            throw new SignatureException(problem, signature);
        }
    }

    /// <summary>
    /// Reads r || s || v from bytes that came from outside (a contract, a peer, a file), reporting a bad
    /// length or v as a <see cref="SignatureException"/> that carries the bytes.
    /// </summary>
    public static Signature ReadSignature(ReadOnlySpan<byte> rsv)
    {
        if (rsv.Length != Signature.Length)
        {
            throw new SignatureException($"a signature is {Signature.Length} bytes (r, s, v), got {rsv.Length}", Hex.Encode(rsv));
        }
        var v = rsv[64];
        if (v is not (0 or 1 or 27 or 28))
        {
            throw new SignatureException($"v is {v}; expected 27 or 28 (or 0 or 1)", Hex.Encode(rsv));
        }
        return Signature.FromBytes(rsv);
    }

    /// <summary>
    /// Turns the 64-byte r || s that vaults and HSMs return (no recovery id, s maybe high) into an Ethereum
    /// signature: s is lowered and the parity found by recovering against the expected signer.
    /// </summary>
    public static Signature FromCompact(ISecp256k1 curve, Hash32 digest, ReadOnlySpan<byte> rs, Address signer)
    {
        if (rs.Length != 64)
        {
            throw new SignatureException($"a compact signature is 64 bytes (r, s), got {rs.Length}", Hex.Encode(rs));
        }
        if (!IsValidScalar(rs[..32]) || !IsValidScalar(rs[32..]))
        {
            throw new SignatureException("r and s must be between 1 and n-1", Hex.Encode(rs));
        }
        Span<byte> s = stackalloc byte[32];
        rs[32..].CopyTo(s);
        if (s.SequenceCompareTo(HalfOrder) > 0)
        {
            SubtractFromOrder(s);
        }
        var r = new Hash32(rs[..32]);
        foreach (byte parity in (byte[])[0, 1])
        {
            var candidate = new Signature(r, new Hash32(s), parity);
            try
            {
                if (curve.RecoverAddress(digest, candidate) == signer)
                {
                    return candidate;
                }
            }
            catch (SignatureException)
            {
                // This parity names no point; the other one may.
            }
        }
        throw new SignatureException($"recovers to neither parity's key for {signer} over {digest}", Hex.Encode(rs));
    }

    private static void SubtractFromOrder(Span<byte> s)
    {
        var order = Order;
        var borrow = 0;
        for (var i = 31; i >= 0; i--)
        {
            var difference = order[i] - s[i] - borrow;
            borrow = difference < 0 ? 1 : 0;
            s[i] = (byte)(difference + (borrow << 8));
        }
    }
}
