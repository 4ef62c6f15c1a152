using System.Text;
using Hosting.Contracts.Domain;
using Hosting.L1.Crypto;
using Hosting.L1.Signing;
using Hosting.L1.Tests.Peers;

namespace Hosting.L1.Tests;

/// <summary>Keccak, keys, digests and EIP-191 messages: every answer must equal what cast computes for the same input.</summary>
public sealed class CryptoAgainstCastTests
{
    private const int Cases = 60;

    public static TheoryData<string> Curves => ["managed", "native"];

    [Fact]
    public async Task Keccak_of_random_inputs_matches_cast()
    {
        var generated = new Generated(1001);
        var inputs = Enumerable.Range(0, Cases).Select(i => generated.Bytes(i switch { 0 => 0, 1 => 135, 2 => 136, 3 => 137, _ => generated.Int(400) })).ToList();
        var answers = await Cast.BatchAsync(inputs.Select(input => (string[])["keccak", Hex.Encode(input)]));
        for (var i = 0; i < Cases; i++)
        {
            Assert.True(answers[i] == Keccak256.Hash(inputs[i]).ToString(), $"seed {generated.Seed} case {i} ({inputs[i].Length} bytes): cast {answers[i]}");
        }
    }

    [Fact]
    public async Task Addresses_of_random_keys_match_cast_with_eip55_checksums()
    {
        var generated = new Generated(1002);
        var keys = Enumerable.Range(0, Cases).Select(_ => generated.Key()).ToList();
        var answers = await Cast.BatchAsync(keys.Select(key => (string[])["wallet", "address", "--private-key", Hex.Encode(key.Bytes)]));
        for (var i = 0; i < Cases; i++)
        {
            Assert.Equal(answers[i], keys[i].Address.ToChecksumString());
            Assert.Equal(keys[i].Address, Eip55.Parse(answers[i]));
        }
    }

    [Theory]
    [MemberData(nameof(Curves))]
    public async Task Digest_signatures_equal_cast_and_recover_and_verify(string implementation)
    {
        var curve = Secp256k1.Select(implementation);
        var generated = new Generated(1003);
        var cases = Enumerable.Range(0, Cases).Select(_ => (Key: generated.Key(), Digest: generated.Hash())).ToList();
        var answers = await Cast.BatchAsync(cases.Select(c => (string[])["wallet", "sign", "--no-hash", "--private-key", Hex.Encode(c.Key.Bytes), c.Digest.ToString()]));
        for (var i = 0; i < Cases; i++)
        {
            var (key, digest) = cases[i];
            var signature = curve.Sign(digest, key);
            Assert.True(answers[i] == signature.ToString(), $"{curve.Name} seed {generated.Seed} case {i}: cast {answers[i]}, ours {signature}");
            Assert.Equal(key.PublicKey, curve.Recover(digest, signature));
            Assert.True(curve.Verify(digest, signature, key.PublicKey));
            Assert.False(curve.Verify(generated.Hash(), signature, key.PublicKey));
        }
    }

    [Fact]
    public async Task Personal_message_signatures_equal_cast()
    {
        var generated = new Generated(1004);
        var cases = Enumerable.Range(0, Cases).Select(i => (Key: generated.Key(), Message: generated.Bytes(i == 0 ? 0 : generated.Int(300)))).ToList();
        var answers = await Cast.BatchAsync(cases.Select(c => (string[])["wallet", "sign", "--private-key", Hex.Encode(c.Key.Bytes), Hex.Encode(c.Message)]));
        for (var i = 0; i < Cases; i++)
        {
            using var signer = new LocalKeySigner(cases[i].Key);
            var signature = await signer.SignPersonalMessageAsync(cases[i].Message);
            Assert.True(answers[i] == signature.ToString(), $"seed {generated.Seed} case {i}: cast {answers[i]}, ours {signature}");
        }
    }

    [Fact]
    public async Task Personal_message_hash_of_text_equals_cast_hash_message()
    {
        string[] texts = ["", "hello", "Ethereum Signed Message", "ünïcödé ✓", new string('x', 1000)];
        var answers = await Cast.BatchAsync(texts.Select(text => (string[])["hash-message", text]));
        for (var i = 0; i < texts.Length; i++)
        {
            Assert.Equal(answers[i], PersonalMessage.Hash(Encoding.UTF8.GetBytes(texts[i])).ToString());
        }
    }

    [Fact]
    public void Managed_and_native_agree_on_every_operation()
    {
        var managed = Secp256k1.Select("managed");
        var native = Secp256k1.Select("native");
        var generated = new Generated(1005);
        for (var i = 0; i < 200; i++)
        {
            using var key = generated.Key();
            var digest = generated.Hash();
            Assert.Equal(managed.DerivePublicKey(key), native.DerivePublicKey(key));
            var signature = native.Sign(digest, key);
            Assert.Equal(signature, managed.Sign(digest, key));
            Assert.Equal(managed.Recover(digest, signature), native.Recover(digest, signature));
        }
    }

    [Fact]
    public void Signer_refuses_a_backend_that_signs_with_another_key()
    {
        var generated = new Generated(1006);
        var wrong = new MisconfiguredSigner(generated.Key(), generated.Address());
        var error = Assert.Throws<SignerMismatchException>(() => wrong.SignPersonalMessageAsync("hi").GetAwaiter().GetResult());
        Assert.Equal(wrong.Address, error.Expected);
        Assert.Contains(wrong.Address.ToString(), error.Message, StringComparison.Ordinal);
    }

    private sealed class MisconfiguredSigner(PrivateKey key, Address claimed) : IEthSigner
    {
        public Address Address => claimed;

        public Task<Signature> SignDigestAsync(Hash32 digest, CancellationToken cancellationToken = default) =>
            Task.FromResult(Secp256k1.Default.Sign(digest, key));
    }
}
