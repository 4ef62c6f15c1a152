using System.Runtime.InteropServices;

namespace Hosting.Benchmarks.Election;

/// <summary>
/// The native reference for the score loop: OpenSSL's SHA3-256 runs the same Keccak-f[1600] permutation over
/// the same 96-byte block (only the pad byte differs), so its throughput is what a native Keccak costs here.
/// Two ways in: the one-shot EVP_Digest, and a fetched digest with one reused context per worker.
/// </summary>
internal static unsafe partial class OpenSslSha3
{
    private const string LibCrypto = "libcrypto.so.3";

    private static readonly nint Sha3 = EVP_sha3_256();
    private static readonly nint FetchedSha3 = EVP_MD_fetch(0, "SHA3-256", null);

    /// <summary>Hashes <paramref name="count"/> consecutive messages of <paramref name="length"/> bytes with EVP_Digest, writing 32 bytes each.</summary>
    public static void OneShot(ReadOnlySpan<byte> messages, int length, Span<byte> digests)
    {
        var count = messages.Length / length;
        fixed (byte* input = messages)
        fixed (byte* output = digests)
        {
            uint size;
            for (var i = 0; i < count; i++)
            {
                Check(EVP_Digest(input + i * length, (nuint)length, output + i * 32, &size, Sha3, 0), "EVP_Digest");
            }
        }
    }

    /// <summary>As <see cref="OneShot"/>, but with a pre-fetched digest and one context reused for every message.</summary>
    public static void ReusedContext(ReadOnlySpan<byte> messages, int length, Span<byte> digests)
    {
        var count = messages.Length / length;
        var context = EVP_MD_CTX_new();
        try
        {
            fixed (byte* input = messages)
            fixed (byte* output = digests)
            {
                uint size;
                for (var i = 0; i < count; i++)
                {
                    Check(EVP_DigestInit_ex(context, FetchedSha3, 0), "EVP_DigestInit_ex");
                    Check(EVP_DigestUpdate(context, input + i * length, (nuint)length), "EVP_DigestUpdate");
                    Check(EVP_DigestFinal_ex(context, output + i * 32, &size), "EVP_DigestFinal_ex");
                }
            }
        }
        finally
        {
            EVP_MD_CTX_free(context);
        }
    }

    private static void Check(int result, string call)
    {
        if (result != 1)
        {
            throw new InvalidOperationException($"{call} returned {result}, expected 1.");
        }
    }

    [LibraryImport(LibCrypto)]
    private static partial nint EVP_sha3_256();

    [LibraryImport(LibCrypto, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint EVP_MD_fetch(nint libraryContext, string algorithm, string? properties);

    [LibraryImport(LibCrypto)]
    private static partial int EVP_Digest(byte* data, nuint count, byte* digest, uint* size, nint type, nint engine);

    [LibraryImport(LibCrypto)]
    private static partial nint EVP_MD_CTX_new();

    [LibraryImport(LibCrypto)]
    private static partial void EVP_MD_CTX_free(nint context);

    [LibraryImport(LibCrypto)]
    private static partial int EVP_DigestInit_ex(nint context, nint type, nint engine);

    [LibraryImport(LibCrypto)]
    private static partial int EVP_DigestUpdate(nint context, byte* data, nuint count);

    [LibraryImport(LibCrypto)]
    private static partial int EVP_DigestFinal_ex(nint context, byte* digest, uint* size);
}
