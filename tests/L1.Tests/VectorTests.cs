using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using Hosting.Contracts.Domain;
using Hosting.L1.Crypto;
using Hosting.L1.Signing;
using Hosting.L1.Transactions;

namespace Hosting.L1.Tests;

/// <summary>Published test vectors, kept as data files in Vectors/: EIP-155's example and ethereum/tests' RLP cases.</summary>
public sealed class VectorTests
{
    private static JsonElement Load(string file) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Vectors", file))).RootElement;

    [Fact]
    public async Task Eip155_example_signs_to_the_published_transaction()
    {
        var vector = Load("eip155-example.json");
        var transaction = new LegacyTransaction
        {
            Nonce = vector.GetProperty("nonce").GetUInt64(),
            GasPrice = BigInteger.Parse(vector.GetProperty("gasPrice").GetString()!, CultureInfo.InvariantCulture),
            GasLimit = vector.GetProperty("gasLimit").GetUInt64(),
            To = Address.Parse(vector.GetProperty("to").GetString()!),
            Value = BigInteger.Parse(vector.GetProperty("value").GetString()!, CultureInfo.InvariantCulture),
            Data = Hex.Decode(vector.GetProperty("data").GetString()!),
            ChainId = vector.GetProperty("chainId").GetUInt64(),
        };
        Assert.Equal(vector.GetProperty("signingData").GetString(), Hex.Encode(transaction.EncodeForSigning()));
        Assert.Equal(vector.GetProperty("signingHash").GetString(), transaction.SigningHash.ToString());
        using var signer = LocalKeySigner.FromHex(vector.GetProperty("privateKey").GetString()!);
        var signed = await signer.SignTransactionAsync(transaction);
        Assert.Equal(vector.GetProperty("signedTransaction").GetString(), Hex.Encode(signed.Encode()));
        Assert.Equal(new BigInteger(vector.GetProperty("v").GetInt32()), transaction.V(signed.Signature));
        Assert.Equal(vector.GetProperty("r").GetString(), new BigInteger(signed.Signature.R.ToArray(), isUnsigned: true, isBigEndian: true).ToString(CultureInfo.InvariantCulture));
        Assert.Equal(vector.GetProperty("s").GetString(), new BigInteger(signed.Signature.S.ToArray(), isUnsigned: true, isBigEndian: true).ToString(CultureInfo.InvariantCulture));
        var decoded = SignedTransaction.Decode(Hex.Decode(vector.GetProperty("signedTransaction").GetString()!));
        Assert.Equal(1UL, ((LegacyTransaction)decoded.Transaction).ChainId);
        Assert.Equal(signer.Address, decoded.RecoverSender());
    }

    public static TheoryData<string> ValidRlp => [.. Load("rlp-valid.json").EnumerateObject().Where(p => p.Name != "source").Select(p => p.Name)];

    public static TheoryData<string> InvalidRlp => [.. Load("rlp-invalid.json").EnumerateObject().Where(p => p.Name != "source").Select(p => p.Name)];

    [Theory]
    [MemberData(nameof(ValidRlp))]
    public void Rlp_vector_encodes_and_decodes(string name)
    {
        var vector = Load("rlp-valid.json").GetProperty(name);
        var item = ToItem(vector.GetProperty("in"));
        var expected = vector.GetProperty("out").GetString()!;
        Assert.Equal(expected, Hex.Encode(Rlp.Encode(item)));
        Assert.Equal(expected, Hex.Encode(Rlp.Encode(Rlp.Decode(Hex.Decode(expected)))));
    }

    [Theory]
    [MemberData(nameof(InvalidRlp))]
    public void Invalid_rlp_vector_is_refused_with_its_offset(string name)
    {
        var input = Hex.Decode(Load("rlp-invalid.json").GetProperty(name).GetString()!);
        var error = Assert.Throws<RlpException>(() => Rlp.Decode(input));
        Assert.InRange(error.Offset, 0, Math.Max(0, input.Length));
        Assert.Equal(Hex.Encode(input), error.Input);
    }

    private static RlpItem ToItem(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Array => RlpItem.List(value.EnumerateArray().Select(ToItem)),
        JsonValueKind.Number => RlpItem.Of(value.GetUInt64()),
        JsonValueKind.String when value.GetString()!.StartsWith('#') => RlpItem.Of(BigInteger.Parse(value.GetString()![1..], CultureInfo.InvariantCulture)),
        JsonValueKind.String => RlpItem.Of(Encoding.UTF8.GetBytes(value.GetString()!)),
        _ => throw new ArgumentOutOfRangeException(nameof(value), value.GetRawText(), "not an RLP test input"),
    };
}
