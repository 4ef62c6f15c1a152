using System.Runtime.InteropServices;

namespace Hosting.Signing.Keystore;

/// <summary>
/// scrypt (RFC 7914) for keystore KDFs. Uses OpenSSL's EVP_PBE_scrypt from libcrypto, which .NET already
/// depends on for TLS on Linux, because managed scrypt is several times slower and keystore import is
/// scrypt-bound (bench/results/signing.md); falls back to BouncyCastle when libcrypto cannot be loaded.
/// </summary>
public static unsafe class Scrypt
{
    private static readonly delegate* unmanaged<byte*, nuint, byte*, nuint, ulong, ulong, ulong, ulong, byte*, nuint, int> Native = LoadNative();

    /// <summary>"openssl" or "bouncycastle": which implementation derives keys in this process.</summary>
    public static string Implementation => Native != null ? "openssl" : "bouncycastle";

    /// <summary>Derives <paramref name="output"/>.Length bytes; n must be a power of two above 1.</summary>
    public static void DeriveKey(ReadOnlySpan<byte> password, ReadOnlySpan<byte> salt, int n, int r, int p, Span<byte> output, bool forceManaged = false)
    {
        if (n < 2 || (n & (n - 1)) != 0 || r < 1 || p < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(n), $"scrypt needs n a power of two above 1 and r, p at least 1; got n={n}, r={r}, p={p}");
        }
        if (Native != null && !forceManaged)
        {
            // Room for the working memory (128·r·n) and the p parallel blocks (128·r·p), plus slack OpenSSL asks for.
            var maxMemory = 128UL * (ulong)r * ((ulong)n + (ulong)p + 2) + (1UL << 20);
            fixed (byte* passwordPointer = password)
            fixed (byte* saltPointer = salt)
            fixed (byte* outputPointer = output)
            {
                if (Native(passwordPointer, (nuint)password.Length, saltPointer, (nuint)salt.Length, (ulong)n, (ulong)r, (ulong)p, maxMemory, outputPointer, (nuint)output.Length) != 1)
                {
                    throw new InvalidOperationException($"OpenSSL's scrypt failed for n={n}, r={r}, p={p} (out of memory?).");
                }
            }
            return;
        }
        var derived = Org.BouncyCastle.Crypto.Generators.SCrypt.Generate(password.ToArray(), salt.ToArray(), n, r, p, output.Length);
        derived.CopyTo(output);
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(derived);
    }

    private static delegate* unmanaged<byte*, nuint, byte*, nuint, ulong, ulong, ulong, ulong, byte*, nuint, int> LoadNative()
    {
        if (Environment.GetEnvironmentVariable("HOSTING_SCRYPT") is "managed" or "bouncycastle")
        {
            return null;
        }
        foreach (var name in (string[])["libcrypto.so.3", "libcrypto.so", "libcrypto.3.dylib"])
        {
            if (NativeLibrary.TryLoad(name, out var library) && NativeLibrary.TryGetExport(library, "EVP_PBE_scrypt", out var export))
            {
                return (delegate* unmanaged<byte*, nuint, byte*, nuint, ulong, ulong, ulong, ulong, byte*, nuint, int>)export;
            }
        }
        return null;
    }
}
