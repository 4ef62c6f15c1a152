using System.Globalization;
using System.Text;
using Hosting.Contracts.Domain;
using Hosting.L1.Crypto;

namespace Hosting.Portal.Delegators;

/// <summary>
/// A Sign-In with Ethereum message (EIP-4361): the text a wallet shows and signs with personal_sign. Parsing
/// is strict, line by line, because the signature covers the exact text: anything the wallet showed that the
/// server did not read the same way would be a way to make a user sign one thing and be signed in as another.
/// </summary>
public sealed record SiweMessage(
    string Domain,
    Address Address,
    string? Statement,
    Uri Uri,
    string Version,
    ulong ChainId,
    string Nonce,
    DateTimeOffset IssuedAt,
    DateTimeOffset? ExpirationTime = null,
    DateTimeOffset? NotBefore = null,
    string? RequestId = null,
    IReadOnlyList<Uri>? Resources = null)
{
    private const string Preamble = " wants you to sign in with your Ethereum account:";

    /// <summary>The EIP-4361 text, with the address in its EIP-55 checksum form as the standard requires.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(Domain).Append(Preamble).Append('\n')
            .Append(Address.ToChecksumString()).Append('\n')
            .Append('\n');
        if (Statement is not null)
        {
            text.Append(Statement).Append('\n');
        }
        text.Append('\n')
            .Append("URI: ").Append(Uri.OriginalString).Append('\n')
            .Append("Version: ").Append(Version).Append('\n')
            .Append("Chain ID: ").Append(ChainId.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append("Nonce: ").Append(Nonce).Append('\n')
            .Append("Issued At: ").Append(Timestamp(IssuedAt));
        if (ExpirationTime is { } expiration)
        {
            text.Append("\nExpiration Time: ").Append(Timestamp(expiration));
        }
        if (NotBefore is { } notBefore)
        {
            text.Append("\nNot Before: ").Append(Timestamp(notBefore));
        }
        if (RequestId is not null)
        {
            text.Append("\nRequest ID: ").Append(RequestId);
        }
        if (Resources is { Count: > 0 })
        {
            text.Append("\nResources:");
            foreach (var resource in Resources)
            {
                text.Append("\n- ").Append(resource.OriginalString);
            }
        }
        return text.ToString();
    }

    /// <summary>Reads an EIP-4361 message; <see cref="SiweException"/> names the line or field that is wrong.</summary>
    public static SiweMessage Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Contains('\r'))
        {
            throw new SiweException("message", "lines must end with LF only (no CR)");
        }
        var lines = text.Split('\n');
        var at = 0;
        string Next(string what) => at < lines.Length ? lines[at++] : throw new SiweException(what, "the message ends before it");

        var first = Next("domain");
        if (!first.EndsWith(Preamble, StringComparison.Ordinal))
        {
            throw new SiweException("domain", $"the first line must be '<domain>{Preamble}', got '{Shorten(first)}'");
        }
        var domain = first[..^Preamble.Length];
        if (domain.Length == 0 || domain.Contains("://", StringComparison.Ordinal) || !Uri.TryCreate("https://" + domain, UriKind.Absolute, out var domainUri)
            || domainUri.PathAndQuery != "/" || domainUri.UserInfo.Length > 0)
        {
            throw new SiweException("domain", $"'{Shorten(domain)}' is not a host with an optional port");
        }

        var addressText = Next("address");
        Address address;
        try
        {
            address = Eip55.Parse(addressText);
        }
        catch (Exception exception) when (exception is FormatException or L1.HexFormatException)
        {
            throw new SiweException("address", $"'{Shorten(addressText)}' is not an address with a valid EIP-55 checksum");
        }
        if (addressText != address.ToChecksumString())
        {
            throw new SiweException("address", $"'{addressText}' must be written in its EIP-55 checksum form {address.ToChecksumString()}");
        }

        if (Next("statement") != "")
        {
            throw new SiweException("statement", "the address must be followed by an empty line");
        }
        string? statement = null;
        var line = Next("URI");
        if (line != "")
        {
            if (line.StartsWith("URI: ", StringComparison.Ordinal))
            {
                throw new SiweException("statement", "a message without a statement has two empty lines before 'URI: '");
            }
            statement = line;
            if (Next("URI") != "")
            {
                throw new SiweException("statement", "the statement is one line and must be followed by an empty line");
            }
        }

        var uriText = Field(Next("URI"), "URI");
        if (!Uri.TryCreate(uriText, UriKind.Absolute, out var uri))
        {
            throw new SiweException("URI", $"'{Shorten(uriText)}' is not an absolute URI");
        }
        var version = Field(Next("Version"), "Version");
        if (version != "1")
        {
            throw new SiweException("Version", $"'{Shorten(version)}' is not supported; only version 1 is");
        }
        var chainText = Field(Next("Chain ID"), "Chain ID");
        if (!ulong.TryParse(chainText, NumberStyles.None, CultureInfo.InvariantCulture, out var chainId) || chainId == 0)
        {
            throw new SiweException("Chain ID", $"'{Shorten(chainText)}' is not a positive decimal chain id");
        }
        var nonce = Field(Next("Nonce"), "Nonce");
        if (nonce.Length < 8 || !nonce.All(char.IsAsciiLetterOrDigit))
        {
            throw new SiweException("Nonce", $"'{Shorten(nonce)}' is not a nonce: at least 8 letters and digits");
        }
        var issuedAt = Time(Field(Next("Issued At"), "Issued At"), "Issued At");

        DateTimeOffset? expiration = null, notBefore = null;
        string? requestId = null;
        List<Uri>? resources = null;
        while (at < lines.Length)
        {
            line = lines[at++];
            if (expiration is null && notBefore is null && requestId is null && line.StartsWith("Expiration Time: ", StringComparison.Ordinal))
            {
                expiration = Time(line["Expiration Time: ".Length..], "Expiration Time");
            }
            else if (notBefore is null && requestId is null && line.StartsWith("Not Before: ", StringComparison.Ordinal))
            {
                notBefore = Time(line["Not Before: ".Length..], "Not Before");
            }
            else if (requestId is null && line.StartsWith("Request ID: ", StringComparison.Ordinal))
            {
                requestId = line["Request ID: ".Length..];
            }
            else if (line == "Resources:")
            {
                resources = [];
                while (at < lines.Length)
                {
                    var item = lines[at++];
                    if (!item.StartsWith("- ", StringComparison.Ordinal) || !Uri.TryCreate(item[2..], UriKind.Absolute, out var resource))
                    {
                        throw new SiweException("Resources", $"'{Shorten(item)}' is not a '- <URI>' line");
                    }
                    resources.Add(resource);
                }
            }
            else
            {
                throw new SiweException("message", $"line {at} '{Shorten(line)}' is not an EIP-4361 field in its place (Expiration Time, Not Before, Request ID, Resources, in that order)");
            }
        }
        return new SiweMessage(domain, address, statement, uri, version, chainId, nonce, issuedAt, expiration, notBefore, requestId, resources);
    }

    private static string Field(string line, string name) =>
        line.StartsWith(name + ": ", StringComparison.Ordinal)
            ? line[(name.Length + 2)..]
            : throw new SiweException(name, $"expected a '{name}: ' line, got '{Shorten(line)}'");

    private static DateTimeOffset Time(string text, string field) =>
        DateTimeOffset.TryParseExact(text, ["yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mm:ssK"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var time)
            ? time
            : throw new SiweException(field, $"'{Shorten(text)}' is not an RFC 3339 date-time such as 2026-01-02T03:04:05Z");

    private static string Timestamp(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..77] + "...";
}

/// <summary>A Sign-In with Ethereum message or signature that was refused; <see cref="Field"/> names what was wrong.</summary>
public sealed class SiweException(string field, string reason) : Exception($"{field}: {reason}")
{
    public string Field { get; } = field;
    public string Reason { get; } = reason;
}
