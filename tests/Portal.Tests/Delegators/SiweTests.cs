using Hosting.Contracts.Domain;
using Hosting.L1.Crypto;
using Hosting.Portal.Delegators;
using Hosting.TestKit;

namespace Hosting.Portal.Tests.Delegators;

/// <summary>EIP-4361 messages: parsed strictly, verified against this portal's domain, chain, nonces and clock, signatures cross-checked with cast.</summary>
public sealed class SiweTests
{
    // anvil's second dev account (mnemonic "test test ... junk"): a well-known test key, never a real one.
    private const string DevKey = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
    private const string Domain = "portal.example:5080";
    private const ulong ChainId = 31337;
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private readonly FixedClock _clock = new(Now);
    private readonly SiweNonces _nonces;
    private readonly SiweVerifier _verifier;
    private readonly PrivateKey _key = PrivateKey.FromHex(DevKey);

    public SiweTests()
    {
        _nonces = new SiweNonces(_clock);
        _verifier = new SiweVerifier(_nonces, _clock);
    }

    private SiweMessage Message(string nonce) => new(
        Domain, _key.Address, "Sign in to the sequencer hosting portal as a delegator.", new Uri($"http://{Domain}/delegator"), "1", ChainId,
        nonce, Now.AddSeconds(-5), Now.AddHours(8));

    private async Task<SiweMessage> MessageAsync() => Message((await _nonces.IssueAsync())!.Value.Nonce);

    private string Sign(string text) => Secp256k1.Default.Sign(PersonalMessage.Hash(text), _key).ToString();

    private Task<SiweException> RefusedAsync(string text, string? signature = null) =>
        Assert.ThrowsAsync<SiweException>(() => _verifier.VerifyAsync(text, signature ?? Sign(text), Domain, ChainId));

    [Fact]
    public void a_message_reads_back_field_for_field_and_its_text_is_the_eip_4361_layout()
    {
        var message = Message("abcDEF123456") with { RequestId = "r-1", NotBefore = Now, Resources = [new Uri("https://example.org/terms")] };
        var text = message.ToString();
        Assert.StartsWith($"{Domain} wants you to sign in with your Ethereum account:\n{_key.Address.ToChecksumString()}\n\nSign in to", text);
        Assert.Contains("\n\nURI: http://portal.example:5080/delegator\nVersion: 1\nChain ID: 31337\nNonce: abcDEF123456\nIssued At: 2026-11-25T11:59:55.000Z\nExpiration Time: 2026-11-25T20:00:00.000Z\nNot Before: 2026-11-25T12:00:00.000Z\nRequest ID: r-1\nResources:\n- https://example.org/terms", text);
        var parsed = SiweMessage.Parse(text);
        Assert.Equal(message.Address, parsed.Address);
        Assert.Equal(message.Statement, parsed.Statement);
        Assert.Equal(message.ExpirationTime, parsed.ExpirationTime);
        Assert.Equal(message.NotBefore, parsed.NotBefore);
        Assert.Equal("r-1", parsed.RequestId);
        Assert.Equal(text, parsed.ToString());
    }

    [Fact]
    public async Task a_message_without_a_statement_has_two_empty_lines_and_parses()
    {
        var text = ((await MessageAsync()) with { Statement = null }).ToString();
        Assert.Contains($"{_key.Address.ToChecksumString()}\n\n\nURI: ", text);
        Assert.Null(SiweMessage.Parse(text).Statement);
    }

    [Fact]
    public async Task a_signed_message_from_this_portal_signs_in_its_address_once()
    {
        var text = (await MessageAsync()).ToString();
        var signature = Sign(text);
        Assert.Equal(_key.Address, (await _verifier.VerifyAsync(text, signature, Domain, ChainId)).Address);
        var replay = await Assert.ThrowsAsync<SiweException>(() => _verifier.VerifyAsync(text, signature, Domain, ChainId));
        Assert.Equal("Nonce", replay.Field);
        Assert.Contains("already used", replay.Message);
    }

    [Theory]
    [InlineData("domain", "evil.example wants you", "this portal is 'portal.example:5080'")]
    [InlineData("URI", "URI: http://evil.example/delegator", "is not on this portal")]
    [InlineData("Chain ID", "Chain ID: 1\n", "for chain 1, this portal's L1 is chain 31337")]
    [InlineData("Nonce", "Nonce: NotIssued42\n", "was not issued by this portal")]
    public async Task a_message_for_another_site_chain_or_nonce_is_refused_naming_the_field(string field, string replacement, string reason)
    {
        var text = (await MessageAsync()).ToString();
        text = field switch
        {
            "domain" => text.Replace($"{Domain} wants you", replacement),
            "URI" => text.Replace($"URI: http://{Domain}/delegator", replacement),
            "Chain ID" => text.Replace("Chain ID: 31337\n", replacement),
            _ => System.Text.RegularExpressions.Regex.Replace(text, "Nonce: [A-Za-z0-9]+\n", replacement),
        };
        var refused = await RefusedAsync(text);
        Assert.Equal(field, refused.Field);
        Assert.Contains(reason, refused.Message);
    }

    [Fact]
    public async Task a_field_changed_after_signing_makes_the_signature_someone_elses()
    {
        var text = (await MessageAsync()).ToString();
        var signature = Sign(text);
        var refused = await RefusedAsync(text.Replace("Sign in to the sequencer", "Sign away all funds to the sequencer"), signature);
        Assert.Equal("signature", refused.Field);
        Assert.Contains($"not by {_key.Address.ToChecksumString()}", refused.Message);
    }

    [Fact]
    public async Task a_message_naming_another_address_than_the_signer_is_refused()
    {
        using var other = PrivateKey.Generate();
        var text = ((await MessageAsync()) with { Address = other.Address }).ToString();
        var refused = await RefusedAsync(text);
        Assert.Equal("signature", refused.Field);
        Assert.Contains($"made by {_key.Address.ToChecksumString()}", refused.Message);
    }

    [Fact]
    public async Task an_expired_or_not_yet_valid_or_endless_message_is_refused_and_keeps_its_nonce_for_a_valid_one()
    {
        var nonce = (await _nonces.IssueAsync())!.Value.Nonce;
        Assert.Equal("Expiration Time", (await RefusedAsync((Message(nonce) with { ExpirationTime = Now.AddSeconds(-1) }).ToString())).Field);
        Assert.Contains("requires an expiration", (await RefusedAsync((Message(nonce) with { ExpirationTime = null }).ToString())).Message);
        Assert.Contains("at most 24 hours", (await RefusedAsync((Message(nonce) with { ExpirationTime = Now.AddDays(30) }).ToString())).Message);
        Assert.Equal("Not Before", (await RefusedAsync((Message(nonce) with { NotBefore = Now.AddHours(1) }).ToString())).Field);
        Assert.Equal("Issued At", (await RefusedAsync((Message(nonce) with { IssuedAt = Now.AddHours(1) }).ToString())).Field);
        var text = Message(nonce).ToString();
        Assert.Equal(_key.Address, (await _verifier.VerifyAsync(text, Sign(text), Domain, ChainId)).Address);
    }

    [Fact]
    public async Task a_nonce_expires_after_its_lifetime()
    {
        var text = (await MessageAsync()).ToString();
        _clock.Now = Now + SiweNonces.Lifetime + TimeSpan.FromSeconds(1);
        var refused = await Assert.ThrowsAsync<SiweException>(() => _verifier.VerifyAsync(text, Sign(text), Domain, ChainId));
        Assert.Equal("Nonce", refused.Field);
    }

    [Theory]
    [InlineData("0x1234", "not a 65-byte")]
    [InlineData("not hex", "not a 65-byte")]
    public async Task a_signature_that_is_not_65_bytes_is_refused(string signature, string reason)
    {
        var refused = await RefusedAsync((await MessageAsync()).ToString(), signature);
        Assert.Equal("signature", refused.Field);
        Assert.Contains(reason, refused.Message);
    }

    [Fact]
    public async Task a_high_s_signature_is_refused_even_though_it_recovers()
    {
        var text = (await MessageAsync()).ToString();
        var low = Secp256k1.Default.Sign(PersonalMessage.Hash(text), _key);
        var n = new System.Numerics.BigInteger(Secp256k1.Order, isUnsigned: true, isBigEndian: true);
        var s = new System.Numerics.BigInteger(low.S.ToArray(), isUnsigned: true, isBigEndian: true);
        var highS = (n - s).ToByteArray(isUnsigned: true, isBigEndian: true);
        var high = new Signature(low.R, new Hash32(highS), (byte)(1 - low.YParity));
        var refused = await RefusedAsync(text, high.ToString());
        Assert.Contains("high s", refused.Message);
    }

    [Theory]
    [InlineData("wants you to sign in", "wants to sign in", "domain")]
    [InlineData("\nVersion: 1\n", "\nVersion: 2\n", "Version")]
    [InlineData("\nIssued At: 2026-11-25T11:59:55.000Z", "\nIssued At: yesterday", "Issued At")]
    [InlineData("\nChain ID: 31337\nNonce:", "\nNonce:", "Chain ID")]
    [InlineData("\nExpiration Time:", "\nColour: blue\nExpiration Time:", "message")]
    public void a_malformed_message_names_the_line_that_is_wrong(string from, string to, string field)
    {
        var text = Message("abcDEF123456").ToString().Replace(from, to);
        Assert.Equal(field, Assert.Throws<SiweException>(() => SiweMessage.Parse(text)).Field);
    }

    [Fact]
    public void an_address_not_in_its_checksum_form_is_refused()
    {
        var text = Message("abcDEF123456").ToString();
        var refused = Assert.Throws<SiweException>(() => SiweMessage.Parse(text.Replace(_key.Address.ToChecksumString(), _key.Address.ToString())));
        Assert.Equal("address", refused.Field);
        Assert.Contains(_key.Address.ToChecksumString(), refused.Message);
    }

    [Fact]
    public async Task cast_signs_what_we_verify_and_verifies_what_we_sign()
    {
        var text = (await MessageAsync()).ToString();
        var castSignature = (await ProcessRunner.RunAsync(Tools.Cast, "wallet", "sign", "--private-key", DevKey, text)).EnsureSuccess("cast wallet sign").Output;
        Assert.Equal(Sign(text), castSignature);
        Assert.Equal(_key.Address, (await _verifier.VerifyAsync(text, castSignature, Domain, ChainId)).Address);

        var other = (await MessageAsync()).ToString();
        (await ProcessRunner.RunAsync(Tools.Cast, "wallet", "verify", "--address", _key.Address.ToChecksumString(), other, Sign(other))).EnsureSuccess("cast wallet verify");
        var tampered = await ProcessRunner.RunAsync(Tools.Cast, "wallet", "verify", "--address", _key.Address.ToChecksumString(), other.Replace("Chain ID: 31337", "Chain ID: 1"), Sign(other));
        Assert.NotEqual(0, tampered.ExitCode);
    }
}
