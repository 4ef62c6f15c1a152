using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Hosting.Contracts.Domain;
using Hosting.L1.Crypto;
using Hosting.Signing.Keystore;
using Hosting.TestKit;

namespace Hosting.Signing.Tests.Keystore;

/// <summary>Keystores travel both ways between this signer and foundry's cast (the real binary from node_modules).</summary>
public sealed partial class KeystoreInteropTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("signing_keystores_").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task test_decrypt_castWalletNew_sameAddress()
    {
        var created = await Cast("wallet", "new", _directory, "--unsafe-password", "cast pw");
        var address = Eip55.Parse(AddressLine().Match(created.Output).Groups[1].Value);
        var file = Directory.GetFiles(_directory).Single();

        using var key = Web3Keystore.Decrypt(await File.ReadAllTextAsync(file), "cast pw");

        Assert.Equal(address, key.Address);
        var kdf = JsonNode.Parse(await File.ReadAllTextAsync(file))!["crypto"]!["kdfparams"]!;
        Assert.Equal(8192, (int)kdf["n"]!); // cast's default cost, which KeystoreKdf.ScryptCast states.
    }

    [Fact]
    public async Task test_decrypt_castWalletImport_signsLikeCast()
    {
        const string secret = "0x8da4ef21b864d2cc526dbdb2a120bd2874c36c9d0a1fb7f8c63d7f7a8b41de8f";
        await Cast("wallet", "import", "imported", "--private-key", secret, "-k", _directory, "--unsafe-password", "pw");
        var json = await File.ReadAllTextAsync(Path.Combine(_directory, "imported"));
        var digest = Keccak256.Hash("a proposal");

        using var key = Web3Keystore.Decrypt(json, "pw");
        var ours = Secp256k1.Default.Sign(digest, key);

        var theirs = await Cast("wallet", "sign", "--no-hash", "--private-key", secret, digest.ToString());
        Assert.Equal(theirs.Output, ours.ToString());
    }

    [Theory]
    [InlineData("scrypt", 8192)]
    [InlineData("pbkdf2", 10000)]
    public async Task test_encrypt_castDecryptsAndSignsTheSame(string kdf, int cost)
    {
        var secret = Convert.FromHexString("b71c71a67e1177ad4e901695e1b4b9ee17ae16c6668d313eac2f96dbcda3f291");
        using var key = new PrivateKey(secret);
        var path = Path.Combine(_directory, "ours.json");
        await File.WriteAllTextAsync(path, Web3Keystore.Encrypt(secret, "our pw ✓", new KeystoreKdf(kdf, cost)));
        var digest = Keccak256.Hash("a commitment");

        var address = await Cast("wallet", "address", "--keystore", path, "--password", "our pw ✓");
        var signature = await Cast("wallet", "sign", "--no-hash", "--keystore", path, "--password", "our pw ✓", digest.ToString());
        var decrypted = await Cast("wallet", "decrypt-keystore", "-k", _directory, "ours.json", "--unsafe-password", "our pw ✓");

        Assert.Equal(key.Address, Eip55.Parse(address.Output));
        Assert.Equal(Secp256k1.Default.Sign(digest, key).ToString(), signature.Output);
        Assert.Contains("b71c71a67e1177ad4e901695e1b4b9ee17ae16c6668d313eac2f96dbcda3f291", decrypted.Output, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void test_decrypt_wrongPassword_namesKeystoreNotPassword()
    {
        var json = Web3Keystore.Encrypt(RandomSecret(), "right", Support.TestKeys.Cheap);
        var id = Web3Keystore.Describe(json).Id;

        var failure = Assert.Throws<KeystoreException>(() => Web3Keystore.Decrypt(json, "wrong-guess"));

        Assert.Equal(KeystoreProblem.WrongPassword, failure.Problem);
        Assert.Contains(id, failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-guess", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("right", failure.Message.Replace("password", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not json at all", KeystoreProblem.Corrupt, "JSON")]
    [InlineData("""{"version":3,"id":"k1","crypto":{"cipher":"aes-128-ctr"}}""", KeystoreProblem.Corrupt, "cipherparams")]
    [InlineData("""{"version":4,"id":"k2"}""", KeystoreProblem.Unsupported, "version")]
    [InlineData("""{"version":3,"id":"k3","crypto":{"cipher":"aes-256-gcm"}}""", KeystoreProblem.Unsupported, "aes-256-gcm")]
    public void test_decrypt_corrupt_namesTheField(string json, KeystoreProblem problem, string named)
    {
        var failure = Assert.Throws<KeystoreException>(() => Web3Keystore.Decrypt(json, "pw"));
        Assert.Equal(problem, failure.Problem);
        Assert.Contains(named, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void test_decrypt_alteredCiphertext_failsMac()
    {
        var node = JsonNode.Parse(Web3Keystore.Encrypt(RandomSecret(), "pw", Support.TestKeys.Cheap))!;
        var ciphertext = (string)node["crypto"]!["ciphertext"]!;
        node["crypto"]!["ciphertext"] = (ciphertext[0] == '0' ? "1" : "0") + ciphertext[1..];
        Assert.Equal(KeystoreProblem.WrongPassword, Assert.Throws<KeystoreException>(() => Web3Keystore.Decrypt(node.ToJsonString(), "pw")).Problem);
    }

    [Fact]
    public void test_decrypt_unsupportedKdf()
    {
        var node = JsonNode.Parse(Web3Keystore.Encrypt(RandomSecret(), "pw", Support.TestKeys.Cheap))!;
        node["crypto"]!["kdf"] = "argon2id";
        var failure = Assert.Throws<KeystoreException>(() => Web3Keystore.Decrypt(node.ToJsonString(), "pw"));
        Assert.Equal(KeystoreProblem.Unsupported, failure.Problem);
        Assert.Contains("argon2id", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void test_scrypt_nativeAndManagedAgree()
    {
        var derivedNative = new byte[32];
        var derivedManaged = new byte[32];
        Scrypt.DeriveKey("password"u8, "salt"u8, 1024, 8, 1, derivedNative);
        Scrypt.DeriveKey("password"u8, "salt"u8, 1024, 8, 1, derivedManaged, forceManaged: true);
        Assert.Equal(derivedManaged, derivedNative);
        // RFC 7914 test vector: scrypt("password", "NaCl", N=1024, r=8, p=16, dkLen=64).
        var vector = new byte[64];
        Scrypt.DeriveKey("password"u8, "NaCl"u8, 1024, 8, 16, vector);
        Assert.StartsWith("fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162", Convert.ToHexStringLower(vector), StringComparison.Ordinal);
    }

    [Fact]
    public async Task test_unlockMany_parallel_oneBadEntryFailsAlone()
    {
        var inputs = Enumerable.Range(0, 24).Select(i => new KeystoreInput(Web3Keystore.Encrypt(RandomSecret(), $"pw{i}", KeystoreKdf.ScryptCast), $"pw{i}")).ToList();
        inputs[5] = inputs[5] with { Password = "not it" };
        inputs[9] = inputs[9] with { Json = "{" };
        using var backend = new KeystoreBackend();

        var started = Stopwatch.StartNew();
        var unlocking = backend.UnlockManyAsync(inputs);
        Assert.True(started.ElapsedMilliseconds < 500, "UnlockManyAsync returned to the caller only after decrypting");
        var results = await unlocking;

        Assert.Equal(24, results.Count);
        Assert.Equal(KeystoreProblem.WrongPassword, results[5].Error!.Problem);
        Assert.Equal(KeystoreProblem.Corrupt, results[9].Error!.Problem);
        Assert.Equal(22, results.Count(r => r.Address is not null));
        Assert.Equal(22, backend.UnlockedCount);
    }

    private static byte[] RandomSecret()
    {
        var secret = new byte[32];
        do
        {
            System.Security.Cryptography.RandomNumberGenerator.Fill(secret);
        }
        while (!Secp256k1.IsValidScalar(secret));
        return secret;
    }

    private static async Task<ProcessResult> Cast(params string[] arguments) =>
        (await ProcessRunner.RunAsync(Tools.Cast, arguments)).EnsureSuccess($"cast {arguments[0]} {arguments[1]}");

    [GeneratedRegex(@"Address:\s+(0x[0-9a-fA-F]{40})")]
    private static partial Regex AddressLine();
}
