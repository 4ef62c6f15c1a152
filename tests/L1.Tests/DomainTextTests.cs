using System.Text.Json;
using Hosting.Contracts.Domain;

namespace Hosting.L1.Tests;

/// <summary>The shared 0x-hex text form of Address, Hash32 and Signature: round trips, case, and the errors that name the text.</summary>
public sealed class DomainTextTests
{
    private const string AddressText = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266";
    private const string HashText = "0x1c8aff950685c2ed4bc3174f3472287b56d9517b9c948127319a09a7a36deac8";
    private const string SignatureText = "0x" + "2233445566778899aabbccddeeff00112233445566778899aabbccddeeff0011" + "2233445566778899aabbccddeeff00112233445566778899aabbccddeeff0011" + "1c";

    [Fact]
    public void Each_value_round_trips_through_text_and_json_in_lower_case_and_reads_a_capital_X()
    {
        Assert.Equal(AddressText, Address.Parse("0X" + AddressText[2..].ToUpperInvariant()).ToString());
        Assert.Equal(HashText, Hash32.Parse(HashText).ToString());
        Assert.Equal(SignatureText[..^2] + "1c", Signature.Parse(SignatureText[..^2] + "01").ToString());
        Assert.Equal($"\"{AddressText}\"", JsonSerializer.Serialize(Address.Parse(AddressText)));
        Assert.Equal(Hash32.Parse(HashText), JsonSerializer.Deserialize<Hash32>($"\"{HashText}\""));
        Assert.Equal(Signature.Parse(SignatureText), JsonSerializer.Deserialize<Signature>(JsonSerializer.Serialize(Signature.Parse(SignatureText))));
    }

    [Theory]
    [InlineData("f39fd6e51aad88f6f4ce6ab8827279cfffb92266")]
    [InlineData("0xf39fd6e51aad88f6f4ce6ab8827279cfffb922")]
    [InlineData("0xg39fd6e51aad88f6f4ce6ab8827279cfffb92266")]
    public void A_malformed_value_is_refused_with_the_text_and_the_expected_shape(string text)
    {
        Assert.Equal($"'{text}' is not an address: expected 0x followed by 40 hex digits.", Assert.Throws<FormatException>(() => Address.Parse(text)).Message);
        Assert.Equal($"'{text}' is not an address: expected 0x followed by 40 hex digits.", Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<Address>($"\"{text}\"")).Message);
        Assert.Equal($"'{text}' is not a 32-byte value: expected 0x followed by 64 hex digits.", Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<Hash32>($"\"{text}\"")).Message);
        Assert.Equal($"'{text}' is not a signature: expected 0x followed by 130 hex digits.", Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<Signature>($"\"{text}\"")).Message);
        Assert.StartsWith($"'{text}' is not a signature: expected 0x followed by 130 hex digits (r, s, v", Assert.Throws<FormatException>(() => Signature.Parse(text)).Message);
        Assert.False(Hash32.TryParse(text, out _));
    }

    [Fact]
    public void A_signature_with_a_v_other_than_0_1_27_or_28_is_refused()
    {
        Assert.False(Signature.TryParse(SignatureText[..^2] + "1d", out _));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<Signature>("12"));
    }
}
