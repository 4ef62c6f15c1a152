using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Hosting.Contracts.Domain;

namespace Hosting.L1.Crypto;

/// <summary>
/// secp256k1 through libsecp256k1 (Bitcoin Core's library, the one go-ethereum uses), called through
/// function pointers resolved once at load. Only the stable 0.2+ API is used, so the Debian package
/// libsecp256k1-1 and later sonames both work. One context serves every thread: libsecp256k1 documents
/// signing, verification and recovery with a const context as thread-safe.
/// </summary>
public sealed unsafe class NativeSecp256k1 : ISecp256k1
{
    internal static readonly string[] LibraryNames = ["libsecp256k1.so.1", "libsecp256k1.so.2", "libsecp256k1.so", "libsecp256k1.dylib", "libsecp256k1", "secp256k1"];

    private const uint ContextSignAndVerify = (1 << 0) | (1 << 8) | (1 << 9);
    private const uint Uncompressed = 1 << 1;

    private readonly nint _context;
    private readonly delegate* unmanaged<nint, byte*, byte*, byte*, nint, nint, int> _signRecoverable;
    private readonly delegate* unmanaged<nint, byte*, int*, byte*, int> _serializeRecoverable;
    private readonly delegate* unmanaged<nint, byte*, byte*, int, int> _parseRecoverable;
    private readonly delegate* unmanaged<nint, byte*, byte*, byte*, int> _recover;
    private readonly delegate* unmanaged<nint, byte*, byte*, int> _parseSignature;
    private readonly delegate* unmanaged<nint, byte*, byte*, byte*, int> _verify;
    private readonly delegate* unmanaged<nint, byte*, byte*, int> _createPublicKey;
    private readonly delegate* unmanaged<nint, byte*, byte*, nuint, int> _parsePublicKey;
    private readonly delegate* unmanaged<nint, byte*, nuint*, byte*, uint, int> _serializePublicKey;

    private NativeSecp256k1(nint library, string name)
    {
        Library = name;
        var create = (delegate* unmanaged<uint, nint>)NativeLibrary.GetExport(library, "secp256k1_context_create");
        var randomize = (delegate* unmanaged<nint, byte*, int>)NativeLibrary.GetExport(library, "secp256k1_context_randomize");
        _signRecoverable = (delegate* unmanaged<nint, byte*, byte*, byte*, nint, nint, int>)NativeLibrary.GetExport(library, "secp256k1_ecdsa_sign_recoverable");
        _serializeRecoverable = (delegate* unmanaged<nint, byte*, int*, byte*, int>)NativeLibrary.GetExport(library, "secp256k1_ecdsa_recoverable_signature_serialize_compact");
        _parseRecoverable = (delegate* unmanaged<nint, byte*, byte*, int, int>)NativeLibrary.GetExport(library, "secp256k1_ecdsa_recoverable_signature_parse_compact");
        _recover = (delegate* unmanaged<nint, byte*, byte*, byte*, int>)NativeLibrary.GetExport(library, "secp256k1_ecdsa_recover");
        _parseSignature = (delegate* unmanaged<nint, byte*, byte*, int>)NativeLibrary.GetExport(library, "secp256k1_ecdsa_signature_parse_compact");
        _verify = (delegate* unmanaged<nint, byte*, byte*, byte*, int>)NativeLibrary.GetExport(library, "secp256k1_ecdsa_verify");
        _createPublicKey = (delegate* unmanaged<nint, byte*, byte*, int>)NativeLibrary.GetExport(library, "secp256k1_ec_pubkey_create");
        _parsePublicKey = (delegate* unmanaged<nint, byte*, byte*, nuint, int>)NativeLibrary.GetExport(library, "secp256k1_ec_pubkey_parse");
        _serializePublicKey = (delegate* unmanaged<nint, byte*, nuint*, byte*, uint, int>)NativeLibrary.GetExport(library, "secp256k1_ec_pubkey_serialize");

        _context = create(ContextSignAndVerify);
        if (_context == 0)
        {
            throw new InvalidOperationException($"secp256k1_context_create in {name} returned no context.");
        }
        // Blinding the context's precomputed tables protects signing against timing and power side channels.
        Span<byte> seed = stackalloc byte[32];
        RandomNumberGenerator.Fill(seed);
        fixed (byte* seedPointer = seed)
        {
            randomize(_context, seedPointer);
        }
    }

    /// <summary>The library file that was loaded.</summary>
    public string Library { get; }

    /// <inheritdoc />
    public string Name => $"libsecp256k1 ({Library})";

    /// <summary>Loads libsecp256k1 when it is installed and exports the recovery module; null otherwise.</summary>
    public static NativeSecp256k1? TryLoad()
    {
        foreach (var name in LibraryNames)
        {
            if (!NativeLibrary.TryLoad(name, typeof(NativeSecp256k1).Assembly, null, out var library))
            {
                continue;
            }
            if (NativeLibrary.TryGetExport(library, "secp256k1_ecdsa_recover", out _)
                && NativeLibrary.TryGetExport(library, "secp256k1_context_randomize", out _))
            {
                return new NativeSecp256k1(library, name);
            }
            NativeLibrary.Free(library);
        }
        return null;
    }

    /// <inheritdoc />
    public Signature Sign(Hash32 digest, PrivateKey key)
    {
        byte* message = stackalloc byte[32];
        digest.CopyTo(new Span<byte>(message, 32));
        byte* signature = stackalloc byte[65];
        byte* compact = stackalloc byte[64];
        int recoveryId;
        fixed (byte* secret = key.Bytes)
        {
            // A null nonce function selects libsecp256k1's RFC 6979 default; the result is always low-s.
            if (_signRecoverable(_context, signature, message, secret, 0, 0) != 1)
            {
                throw new InvalidKeyException("libsecp256k1 refused the private key (zero or not below n).");
            }
        }
        _serializeRecoverable(_context, compact, &recoveryId, signature);
        if (recoveryId > 1)
        {
            throw new SignatureException("the nonce point's x coordinate exceeds n, which v cannot express", digest.ToString());
        }
        var bytes = new ReadOnlySpan<byte>(compact, 64);
        return new Signature(new Hash32(bytes[..32]), new Hash32(bytes[32..]), (byte)recoveryId);
    }

    /// <inheritdoc />
    public PublicKey Recover(Hash32 digest, Signature signature)
    {
        Secp256k1.EnsureCanonical(signature);
        byte* message = stackalloc byte[32];
        digest.CopyTo(new Span<byte>(message, 32));
        byte* compact = stackalloc byte[64];
        signature.R.CopyTo(new Span<byte>(compact, 32));
        signature.S.CopyTo(new Span<byte>(compact + 32, 32));
        byte* parsed = stackalloc byte[65];
        if (_parseRecoverable(_context, parsed, compact, signature.YParity) != 1)
        {
            throw new SignatureException("r or s is not below n", signature);
        }
        byte* publicKey = stackalloc byte[64];
        if (_recover(_context, publicKey, parsed, message) != 1)
        {
            throw new SignatureException("no public key produces it: r is not the x coordinate of a curve point, or the key would be infinity", signature);
        }
        return SerializePublicKey(publicKey);
    }

    /// <inheritdoc />
    public bool Verify(Hash32 digest, Signature signature, PublicKey publicKey)
    {
        if (Secp256k1.FindProblem(signature) is not null)
        {
            return false;
        }
        byte* message = stackalloc byte[32];
        digest.CopyTo(new Span<byte>(message, 32));
        byte* compact = stackalloc byte[64];
        signature.R.CopyTo(new Span<byte>(compact, 32));
        signature.S.CopyTo(new Span<byte>(compact + 32, 32));
        byte* parsedSignature = stackalloc byte[64];
        byte* parsedKey = stackalloc byte[64];
        var encoded = publicKey.ToArray();
        fixed (byte* encodedKey = encoded)
        {
            return _parseSignature(_context, parsedSignature, compact) == 1
                && _parsePublicKey(_context, parsedKey, encodedKey, (nuint)encoded.Length) == 1
                && _verify(_context, parsedSignature, message, parsedKey) == 1;
        }
    }

    /// <inheritdoc />
    public PublicKey DerivePublicKey(PrivateKey key)
    {
        byte* publicKey = stackalloc byte[64];
        fixed (byte* secret = key.Bytes)
        {
            if (_createPublicKey(_context, publicKey, secret) != 1)
            {
                throw new InvalidKeyException("libsecp256k1 refused the private key (zero or not below n).");
            }
        }
        return SerializePublicKey(publicKey);
    }

    private PublicKey SerializePublicKey(byte* publicKey)
    {
        byte* output = stackalloc byte[65];
        nuint length = 65;
        _serializePublicKey(_context, output, &length, publicKey, Uncompressed);
        return PublicKey.FromTrustedCoordinates(new ReadOnlySpan<byte>(output + 1, 64));
    }
}
