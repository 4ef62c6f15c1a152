using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Hosting.Contracts.Domain;
using Hosting.L1.Crypto;
using Hosting.Signing.Safety;

namespace Hosting.Signing;

/// <summary>
/// The interchange file of signed duties, modelled on EIP-3076 (slashing-protection interchange): metadata,
/// then one entry per sequencer key with everything it signed. Slots are decimal strings and bytes 0x-hex, as
/// in EIP-3076. The format is documented in docs/signing.md.
/// </summary>
public sealed record DutyInterchange(
    [property: JsonPropertyName("metadata")] InterchangeMetadata Metadata,
    [property: JsonPropertyName("data")] IReadOnlyList<InterchangeKey> Data)
{
    /// <summary>The value of <see cref="InterchangeMetadata.Format"/> this signer writes and reads.</summary>
    public const string FormatName = "hosting-sequencer-duties";

    /// <summary>
    /// The version of the format this signer writes. Version 2 names the prover of every commitment authorisation
    /// (the gate keeps one per sequencer, slot and prover); version 1 files, which do not, are still read.
    /// </summary>
    public const string FormatVersion = "2";

    /// <summary>The earlier version, still imported: its commitment authorisations carry no prover.</summary>
    public const string FormatVersion1 = "1";

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <summary>The file's JSON text.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Options);

    /// <summary>Reads and checks a file: format and version, every hash against its payload, every signature against its sequencer.</summary>
    /// <exception cref="FormatException">The file is not an interchange file of this format, or a record does not hold together; the message names the record.</exception>
    public static DutyInterchange Parse(string json)
    {
        DutyInterchange? file;
        try
        {
            file = JsonSerializer.Deserialize<DutyInterchange>(json, Options);
        }
        catch (JsonException failure)
        {
            throw new FormatException($"The interchange file is not valid JSON of the {FormatName} format: {failure.Message}", failure);
        }
        if (file?.Metadata is null || file.Data is null)
        {
            throw new FormatException("The interchange file has no metadata or no data.");
        }
        if (file.Metadata.Format != FormatName || file.Metadata.Version is not (FormatVersion or FormatVersion1))
        {
            throw new FormatException($"The interchange file is format '{file.Metadata.Format}' version '{file.Metadata.Version}'; expected '{FormatName}' version '{FormatVersion}' or '{FormatVersion1}'.");
        }
        foreach (var key in file.Data)
        {
            foreach (var duty in key.SignedDuties)
            {
                duty.ToRecord(key.Sequencer, file.Metadata.Version);
            }
        }
        return file;
    }

    internal static DutyInterchange From(IEnumerable<(SigningKey? Key, Address Sequencer, IReadOnlyList<SignedDutyRecord> Records)> keys, string exportedBy, DateTimeOffset exportedAt) => new(
        new InterchangeMetadata(FormatName, FormatVersion, exportedAt.ToString("O", CultureInfo.InvariantCulture), exportedBy),
        keys.Select(k => new InterchangeKey(
            k.Sequencer,
            k.Key?.Tenant,
            k.Key?.LowWatermark?.ToString(CultureInfo.InvariantCulture),
            k.Records.Select(InterchangeDuty.From).ToList())).ToList());
}

/// <summary>Who wrote the file and in which format.</summary>
public sealed record InterchangeMetadata(
    [property: JsonPropertyName("interchange_format")] string Format,
    [property: JsonPropertyName("interchange_format_version")] string Version,
    [property: JsonPropertyName("exported_at")] string ExportedAt,
    [property: JsonPropertyName("exported_by")] string ExportedBy);

/// <summary>One sequencer key's history.</summary>
/// <param name="Tenant">The owning tenant at export time; informative, an import never moves a key between tenants.</param>
/// <param name="LowWatermark">The key's low watermark (decimal slot) at export; an import raises the target's watermark to it.</param>
public sealed record InterchangeKey(
    [property: JsonPropertyName("sequencer")] Address Sequencer,
    [property: JsonPropertyName("tenant")] string? Tenant,
    [property: JsonPropertyName("low_watermark")] string? LowWatermark,
    [property: JsonPropertyName("signed_duties")] IReadOnlyList<InterchangeDuty> SignedDuties)
{
    internal ulong? ParsedLowWatermark => LowWatermark is null ? null
        : ulong.TryParse(LowWatermark, NumberStyles.None, CultureInfo.InvariantCulture, out var slot) && slot <= long.MaxValue ? slot
        : throw new FormatException($"Sequencer {Sequencer}: low_watermark '{LowWatermark}' is not a decimal slot.");
}

/// <summary>One signed duty, exactly as the safety record holds it.</summary>
/// <param name="Prover">
/// The prover a commitment authorisation names (version 2; absent in version 1 files and for proposals, and for an
/// authorisation whose prover was never recorded).
/// </param>
public sealed record InterchangeDuty(
    [property: JsonPropertyName("slot")] string Slot,
    [property: JsonPropertyName("duty")] string Duty,
    [property: JsonPropertyName("payload_hash")] Hash32 PayloadHash,
    [property: JsonPropertyName("signature")] Signature Signature,
    [property: JsonPropertyName("payload")] string Payload,
    [property: JsonPropertyName("signer_node")] string SignerNode,
    [property: JsonPropertyName("signed_at")] DateTimeOffset SignedAt,
    [property: JsonPropertyName("prover")] Address? Prover = null)
{
    internal static InterchangeDuty From(SignedDutyRecord record) => new(
        record.Slot.ToString(CultureInfo.InvariantCulture), DutyNames.Of(record.Duty), record.PayloadHash, record.Signature,
        "0x" + Convert.ToHexStringLower(record.Payload.Span), record.SignerNode, record.SignedAt, record.Prover);

    /// <summary>The record this entry describes, after checking that it holds together.</summary>
    internal SignedDutyRecord ToRecord(Address sequencer, string version)
    {
        var where = $"sequencer {sequencer} slot {Slot} duty {Duty}";
        if (!ulong.TryParse(Slot, NumberStyles.None, CultureInfo.InvariantCulture, out var slot) || slot > long.MaxValue)
        {
            throw new FormatException($"{where}: the slot is not a decimal number up to {long.MaxValue}.");
        }
        var duty = DutyNames.Parse(Duty);
        if (duty == Contracts.Telemetry.Duty.Proposal && Prover is { } named)
        {
            throw new FormatException($"{where}: a proposal names no prover, but the record names {named}.");
        }
        if (version == DutyInterchange.FormatVersion1 && Prover is { } early)
        {
            throw new FormatException($"{where}: version {DutyInterchange.FormatVersion1} records name no prover, but this one names {early}; export it again as version {DutyInterchange.FormatVersion}.");
        }
        byte[] payload;
        try
        {
            payload = Convert.FromHexString(Payload.StartsWith("0x", StringComparison.Ordinal) ? Payload[2..] : Payload);
        }
        catch (FormatException)
        {
            throw new FormatException($"{where}: the payload is not 0x-hex.");
        }
        var digest = SigningPayload.Digest(payload);
        if (digest != PayloadHash)
        {
            throw new FormatException($"{where}: payload_hash is {PayloadHash} but keccak256(payload) is {digest}.");
        }
        Address signer;
        try
        {
            signer = Secp256k1.Default.RecoverAddress(digest, Signature);
        }
        catch (SignatureException failure)
        {
            throw new FormatException($"{where}: the signature recovers to no key ({failure.Message}).", failure);
        }
        if (signer != sequencer)
        {
            throw new FormatException($"{where}: the signature was made by {signer}, not by the sequencer.");
        }
        return new SignedDutyRecord(sequencer, slot, duty, PayloadHash, Signature, payload, SignerNode, SignedAt, Prover);
    }
}

/// <summary>What an import did: records added, records that were already there, and conflicts that were kept out.</summary>
public sealed record HistoryImport(int Added, int AlreadyPresent, IReadOnlyList<string> Conflicts);
