using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using Hosting.Contracts.Domain;
using Hosting.L1.Crypto;
using Hosting.L1.Eip712;
using Hosting.L1.Signing;
using Hosting.L1.Tests.Peers;
using Hosting.TestKit;

namespace Hosting.L1.Tests;

/// <summary>EIP-712: the specification's Mail example, and random typed data (JSON and C# records) signed identically by cast.</summary>
public sealed class TypedDataTests
{
    private const int Cases = 50;

    [Fact]
    public async Task Mail_example_from_the_eip_hashes_and_signs_as_published()
    {
        using var vector = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Vectors", "eip712-mail.json")));
        var root = vector.RootElement;
        var typedData = TypedData.Parse(root.GetProperty("typedData").GetRawText());
        Assert.Equal(root.GetProperty("encodeType").GetString(), typedData.EncodeType("Mail"));
        Assert.Equal(root.GetProperty("typeHash").GetString(), typedData.TypeHash("Mail").ToString());
        Assert.Equal(root.GetProperty("domainSeparator").GetString(), typedData.DomainSeparator.ToString());
        Assert.Equal(root.GetProperty("messageHash").GetString(), typedData.MessageHash.ToString());
        Assert.Equal(root.GetProperty("digest").GetString(), typedData.Digest.ToString());
        using var signer = LocalKeySigner.FromHex(root.GetProperty("privateKey").GetString()!);
        Assert.Equal(root.GetProperty("signer").GetString(), signer.Address.ToChecksumString());
        Assert.Equal(root.GetProperty("signature").GetString(), (await signer.SignTypedDataAsync(typedData)).ToString());
    }

    [Fact]
    public async Task Mail_example_built_from_records_equals_the_json_form()
    {
        var domain = new Eip712Domain("Ether Mail", "1", 1, Address.Parse("0xcccccccccccccccccccccccccccccccccccccccc"));
        var mail = new Mail(
            new Person("Cow", Address.Parse("0xcd2a3d9f938e13cd947ec05abc7fe734df8dd826")),
            new Person("Bob", Address.Parse("0xbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb")),
            "Hello, Bob!");
        var typedData = TypedData.From(domain, mail);
        Assert.Equal("0xbe609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2", typedData.Digest.ToString());
        Assert.Equal(typedData.Digest, TypedData.Parse(typedData.ToJson()).Digest);
        Assert.Equal(typedData.Digest, await CastDigestSignatureCheck(typedData));
    }

    [Fact]
    public async Task Random_records_sign_like_cast_signs_their_json()
    {
        var generated = new Generated(2001);
        var cases = Enumerable.Range(0, Cases).Select(_ => (Key: generated.Key(), Data: TypedData.From(RandomDomain(generated), RandomOrder(generated)))).ToList();
        await AssertCastSignsAlike(cases, generated.Seed);
    }

    [Fact]
    public async Task Random_json_typed_data_signs_like_cast()
    {
        var generated = new Generated(2002);
        var cases = Enumerable.Range(0, Cases).Select(_ => (Key: generated.Key(), Data: TypedData.Parse(RandomJson(generated)))).ToList();
        await AssertCastSignsAlike(cases, generated.Seed);
    }

    [Theory]
    [InlineData("""{"types":{"A":[{"name":"x","type":"uint8"}]},"primaryType":"A","domain":{},"message":{"x":256}}""", "message.x")]
    [InlineData("""{"types":{"A":[{"name":"x","type":"uint8"}]},"primaryType":"A","domain":{},"message":{}}""", "message.x")]
    [InlineData("""{"types":{"A":[{"name":"x","type":"address"}]},"primaryType":"A","domain":{},"message":{"x":"0x1234"}}""", "message.x")]
    [InlineData("""{"types":{"A":[{"name":"x","type":"bytes4"}]},"primaryType":"A","domain":{},"message":{"x":"0x1234"}}""", "message.x")]
    [InlineData("""{"types":{"A":[{"name":"x","type":"Missing"}]},"primaryType":"A","domain":{},"message":{"x":1}}""", "types.A.x")]
    [InlineData("""{"types":{"A":[{"name":"x","type":"uint8"}]},"primaryType":"B","domain":{},"message":{"x":1}}""", "primaryType")]
    [InlineData("""{"types":{"A":[{"name":"x","type":"uint8[2]"}]},"primaryType":"A","domain":{},"message":{"x":[1]}}""", "message.x")]
    [InlineData("""{"types":{"A":[{"name":"x","type":"bytes"}]},"primaryType":"A","domain":{},"message":{"x":"0xzz"}}""", "message.x")]
    [InlineData("""{"types":{"A":[{"name":"x","type":"uint8"}]},"primaryType":"A","domain":{"chainId":"ten"},"message":{"x":1}}""", "domain.chainId")]
    [InlineData("""{"types":{"A":[{"name":"x","type":"uint8"}]},"primaryType":"A",""", "(document)")]
    public void Bad_typed_data_is_refused_naming_where(string json, string path)
    {
        var error = Assert.Throws<TypedDataException>(() => TypedData.Parse(json));
        Assert.Equal(path, error.Path);
    }

    private static async Task AssertCastSignsAlike(List<(PrivateKey Key, TypedData Data)> cases, int seed)
    {
        var directory = Directory.CreateTempSubdirectory("l1-eip712-");
        try
        {
            var files = new List<string>();
            for (var i = 0; i < cases.Count; i++)
            {
                var file = Path.Combine(directory.FullName, $"{i}.json");
                await File.WriteAllTextAsync(file, cases[i].Data.ToJson());
                files.Add(file);
            }
            var answers = await Cast.BatchAsync(cases.Select((c, i) => (string[])["wallet", "sign", "--data", "--from-file", files[i], "--private-key", Hex.Encode(c.Key.Bytes)]));
            for (var i = 0; i < cases.Count; i++)
            {
                using var signer = new LocalKeySigner(cases[i].Key);
                var ours = await signer.SignTypedDataAsync(cases[i].Data);
                Assert.True(answers[i] == ours.ToString(), $"seed {seed} case {i}: cast {answers[i]}, ours {ours} for {cases[i].Data.ToJson()}");
            }
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>Signs with cast and recovers the digest's signer: equal addresses mean cast hashed to our digest.</summary>
    private static async Task<Hash32> CastDigestSignatureCheck(TypedData typedData)
    {
        using var key = new Generated(2003).Key();
        var file = Path.GetTempFileName();
        await File.WriteAllTextAsync(file, typedData.ToJson());
        try
        {
            var signature = Signature.Parse(await Cast.RunAsync("wallet", "sign", "--data", "--from-file", file, "--private-key", Hex.Encode(key.Bytes)));
            Assert.Equal(key.Address, Secp256k1.Default.RecoverAddress(typedData.Digest, signature));
            return typedData.Digest;
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static Eip712Domain RandomDomain(Generated generated) => new(
        generated.Bool() ? generated.Word(12) : null,
        generated.Bool() ? generated.Int(10).ToString(CultureInfo.InvariantCulture) : null,
        generated.Bool() ? generated.Unsigned(40) : null,
        generated.Bool() ? generated.Address() : null,
        generated.Bool() ? generated.Hash() : null);

    private static Order RandomOrder(Generated generated) => new(
        RandomPerson(generated),
        [.. Enumerable.Range(0, generated.Int(3)).Select(_ => RandomPerson(generated))],
        generated.Unsigned(256),
        generated.Signed(128),
        generated.Hash(),
        generated.Bytes(generated.Int(80)),
        generated.Bool(),
        generated.Bytes(4),
        generated.Word(30),
        [.. Enumerable.Range(0, generated.Int(4)).Select(_ => (uint)generated.Unsigned(32))]);

    private static Person RandomPerson(Generated generated) => new(generated.Word(10), generated.Address());

    private static string RandomJson(Generated generated)
    {
        string[] atomic = ["uint8", "uint64", "uint256", "int8", "int256", "address", "bool", "bytes1", "bytes16", "bytes32", "bytes", "string"];
        var fields = Enumerable.Range(0, 1 + generated.Int(6)).Select(i => (Name: $"f{i}", Type: atomic[generated.Int(atomic.Length)] + (generated.Int(5) == 0 ? "[2]" : generated.Int(5) == 0 ? "[]" : ""))).ToList();
        var json = new StringBuilder("""{"types":{"EIP712Domain":[{"name":"name","type":"string"},{"name":"chainId","type":"uint256"}],"Inner":[{"name":"v","type":"uint16"}],"Item":[""");
        json.AppendJoin(',', fields.Select(field => $$"""{"name":"{{field.Name}}","type":"{{field.Type}}"}"""));
        json.Append($$"""
            ,{"name":"inner","type":"Inner[]"}]},"primaryType":"Item","domain":{"name":"{{generated.Word(8)}}","chainId":{{generated.Unsigned(31)}}},"message":{
            """);
        json.AppendJoin(',', fields.Select(field => $"\"{field.Name}\":{RandomJsonValue(generated, field.Type)}"));
        json.Append(",\"inner\":[").AppendJoin(',', Enumerable.Range(0, generated.Int(3)).Select(_ => $"{{\"v\":{generated.Unsigned(16)}}}")).Append("]}}");
        return json.ToString();
    }

    private static string RandomJsonValue(Generated generated, string type)
    {
        if (type.EndsWith("[2]", StringComparison.Ordinal))
        {
            return $"[{RandomJsonValue(generated, type[..^3])},{RandomJsonValue(generated, type[..^3])}]";
        }
        if (type.EndsWith("[]", StringComparison.Ordinal))
        {
            return "[" + string.Join(',', Enumerable.Range(0, generated.Int(3)).Select(_ => RandomJsonValue(generated, type[..^2]))) + "]";
        }
        return type switch
        {
            "uint8" => generated.Unsigned(8).ToString(CultureInfo.InvariantCulture),
            "uint64" => $"\"{generated.Unsigned(64)}\"",
            "uint256" => $"\"{Hex.EncodeQuantity(generated.Unsigned(256))}\"",
            "int8" => generated.Signed(8).ToString(CultureInfo.InvariantCulture),
            "int256" => $"\"{generated.Signed(256)}\"",
            "address" => $"\"{generated.Address()}\"",
            "bool" => generated.Bool() ? "true" : "false",
            "bytes" => $"\"{Hex.Encode(generated.Bytes(generated.Int(70)))}\"",
            "string" => $"\"{generated.Word(20)}\"",
            _ when type.StartsWith("bytes", StringComparison.Ordinal) => $"\"{Hex.Encode(generated.Bytes(int.Parse(type[5..], CultureInfo.InvariantCulture)))}\"",
            _ => throw new ArgumentOutOfRangeException(nameof(type), type, "no generator"),
        };
    }

    [Eip712Struct("Person")]
    public sealed record Person(string Name, Address Wallet);

    [Eip712Struct("Mail")]
    public sealed record Mail(Person From, Person To, string Contents);

    [Eip712Struct("Order")]
    public sealed record Order(
        Person Maker,
        Person[] Witnesses,
        BigInteger Amount,
        [property: Eip712Field(Type = "int128")] BigInteger Delta,
        Hash32 Salt,
        byte[] Payload,
        bool Urgent,
        [property: Eip712Field(Name = "tag", Type = "bytes4")] byte[] Label,
        string Memo,
        IReadOnlyList<uint> Numbers);
}
