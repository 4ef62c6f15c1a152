using System.Numerics;
using Hosting.Contracts.Domain;
using Hosting.L1.Abi;
using Hosting.L1.Crypto;
using Hosting.L1.Transactions;

namespace Hosting.L1.Tests;

/// <summary>Malformed input of every kind is refused with a typed error that names the offending value.</summary>
public sealed class BadInputTests
{
    private static readonly Hash32 Digest = Keccak256.Hash("bad input");

    public static TheoryData<string> Curves => ["managed", "native"];

    [Theory]
    [InlineData("0x123", "even number")]
    [InlineData("0xzz", "'z'")]
    [InlineData("0x12 345", "' ' at 4")]
    public void Malformed_hex_names_the_text_and_the_problem(string text, string problem)
    {
        var error = Assert.Throws<HexFormatException>(() => Hex.Decode(text));
        Assert.Equal(text, error.Value);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0x")]
    [InlineData("12")]
    [InlineData("0xg1")]
    [InlineData("")]
    public void Malformed_quantity_is_refused(string text) =>
        Assert.Equal(text, Assert.Throws<HexFormatException>(() => Hex.DecodeQuantity(text)).Value);

    [Fact]
    public void Wrong_length_data_says_how_long_it_was()
    {
        var error = Assert.Throws<HexFormatException>(() => Hex.Decode("0x1234", 32));
        Assert.Contains("got 2 bytes", error.Message, StringComparison.Ordinal);
        Assert.Throws<HexFormatException>(() => Hex.DecodeUInt64Quantity("0x10000000000000000"));
    }

    [Fact]
    public void Bad_private_keys_are_refused_without_echoing_the_key()
    {
        var tooShort = Assert.Throws<InvalidKeyException>(() => PrivateKey.FromHex("0x1234"));
        Assert.DoesNotContain("1234", tooShort.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidKeyException>(() => PrivateKey.FromHex(new string('0', 64)));
        Assert.Throws<InvalidKeyException>(() => new PrivateKey(Secp256k1.Order));
    }

    [Fact]
    public void A_public_key_off_the_curve_is_refused_with_its_value()
    {
        var bytes = new byte[64];
        bytes[31] = 1;
        bytes[63] = 1;
        var error = Assert.Throws<InvalidKeyException>(() => PublicKey.FromBytes(bytes));
        Assert.Contains(Hex.Encode(bytes), error.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidKeyException>(() => PublicKey.FromBytes(new byte[33]));
    }

    [Theory]
    [MemberData(nameof(Curves))]
    public void High_s_signature_is_refused_by_recover_and_verify(string implementation)
    {
        var curve = Secp256k1.Select(implementation);
        using var key = PrivateKey.FromHex("0x4646464646464646464646464646464646464646464646464646464646464646");
        var low = curve.Sign(Digest, key);
        var high = new Signature(low.R, Subtract(Secp256k1.Order, low.S), (byte)(low.YParity ^ 1));
        var error = Assert.Throws<SignatureException>(() => curve.Recover(Digest, high));
        Assert.Contains("high s", error.Reason, StringComparison.Ordinal);
        Assert.Equal(high.ToString(), error.Value);
        Assert.False(curve.Verify(Digest, high, key.PublicKey));
    }

    [Theory]
    [MemberData(nameof(Curves))]
    public void Zero_or_oversized_r_and_s_are_refused(string implementation)
    {
        var curve = Secp256k1.Select(implementation);
        var one = new byte[32];
        one[31] = 1;
        Assert.Throws<SignatureException>(() => curve.Recover(Digest, new Signature(Hash32.Zero, new Hash32(one), 0)));
        Assert.Throws<SignatureException>(() => curve.Recover(Digest, new Signature(new Hash32(Secp256k1.Order), new Hash32(one), 0)));
        Assert.Throws<SignatureException>(() => curve.Recover(Digest, new Signature(new Hash32(one), Hash32.Zero, 0)));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(26)]
    [InlineData(29)]
    [InlineData(37)]
    public void Wrong_v_is_refused_naming_it(byte v)
    {
        var bytes = new byte[65];
        bytes[31] = 1;
        bytes[63] = 1;
        bytes[64] = v;
        var error = Assert.Throws<SignatureException>(() => Secp256k1.ReadSignature(bytes));
        Assert.Contains($"v is {v}", error.Reason, StringComparison.Ordinal);
        Assert.False(Signature.TryParse(Hex.Encode(bytes), out _));
    }

    [Fact]
    public void Wrong_signature_length_is_refused() =>
        Assert.Contains("got 64", Assert.Throws<SignatureException>(() => Secp256k1.ReadSignature(new byte[64])).Reason, StringComparison.Ordinal);

    [Theory]
    [InlineData("uint8", 256)]
    [InlineData("uint8", -1)]
    [InlineData("int8", 128)]
    [InlineData("int8", -129)]
    [InlineData("uint256", -1)]
    public void Out_of_range_integers_are_refused_naming_the_value_and_range(string type, int value)
    {
        var function = AbiFunction.Parse($"f({type})");
        var error = Assert.Throws<AbiException>(() => function.EncodeCall(new BigInteger(value)));
        Assert.Equal(type, error.Type);
        Assert.Contains(value.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Value, StringComparison.Ordinal);
        Assert.Contains("from", error.Expected, StringComparison.Ordinal);
    }

    [Fact]
    public void Abi_errors_name_the_argument_path()
    {
        var function = AbiFunction.Parse("f((address,bytes4)[])");
        var error = Assert.Throws<AbiException>(() => function.EncodeCall(new object?[] { new object?[] { new object?[] { Address.Zero, new byte[3] } } }));
        Assert.Equal("0[0].1", error.Path);
        Assert.Equal("bytes4", error.Type);
    }

    [Theory]
    [InlineData("0x0000000000000000000000000000000000000000000000000000000000000100", "uint8")]
    [InlineData("0x0000000000000000000000000000000000000000000000000000000000000002", "bool")]
    [InlineData("0x0000000000000000000000010000000000000000000000000000000000000000", "address")]
    [InlineData("0x00000000000000000000000000000000000000000000000000000000000001", "uint256")]
    [InlineData("0x00000000000000000000000000000000000000000000000000000000000000ff", "string")]
    [InlineData("0x0102030000000000000000000000000000000000000000000000000000000001", "bytes3")]
    public void Dirty_or_truncated_abi_data_is_refused(string data, string type)
    {
        var error = Assert.Throws<AbiException>(() => ((AbiTuple)AbiType.Parse($"({type})")).Decode(Hex.Decode(data)));
        Assert.Contains(type == "string" ? "offset" : type, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("uint7")]
    [InlineData("bytes33")]
    [InlineData("uint264")]
    [InlineData("(uint256")]
    [InlineData("address[0]")]
    [InlineData("fixed128x18")]
    public void Unknown_abi_types_are_refused_naming_them(string type) =>
        Assert.Equal(type, Assert.Throws<AbiException>(() => AbiType.Parse(type)).Value);

    [Fact]
    public void Transactions_with_out_of_range_fields_are_refused()
    {
        var transaction = new Eip1559Transaction { ChainId = 1, Nonce = 0, GasLimit = 21000, MaxFeePerGas = BigInteger.One << 256, MaxPriorityFeePerGas = 0 };
        var error = Assert.Throws<TransactionFormatException>(() => transaction.EncodeForSigning());
        Assert.Contains("maxFeePerGas", error.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0x", "no bytes")]
    [InlineData("0x01c0", "type 0x01")]
    [InlineData("0x02c0", "0 fields")]
    [InlineData("0xc0", "0 fields")]
    public void Bytes_that_are_not_a_transaction_are_refused(string raw, string reason) =>
        Assert.Contains(reason, Assert.Throws<TransactionFormatException>(() => SignedTransaction.Decode(Hex.Decode(raw))).Reason, StringComparison.Ordinal);

    [Fact]
    public void Mixed_case_address_with_a_wrong_checksum_is_refused()
    {
        var error = Assert.Throws<HexFormatException>(() => Eip55.Parse("0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD827"));
        Assert.Contains("checksum", error.Expected, StringComparison.Ordinal);
    }

    private static Hash32 Subtract(ReadOnlySpan<byte> order, Hash32 value)
    {
        var difference = new BigInteger(order, isUnsigned: true, isBigEndian: true) - new BigInteger(value.ToArray(), isUnsigned: true, isBigEndian: true);
        var bytes = new byte[32];
        difference.TryWriteBytes(bytes.AsSpan(32 - difference.GetByteCount(isUnsigned: true)), out _, isUnsigned: true, isBigEndian: true);
        return new Hash32(bytes);
    }
}
