using Hosting.Signing.Pkcs11;

namespace Hosting.Silo.Configuration;

/// <summary>
/// The PKCS#11 HSM that holds tenant keys (section Hosting:Keys:Pkcs11). Set <see cref="TokenLabel"/> to enable it.
/// The user PIN is never a setting itself: it is read from a file (a mounted secret) or an environment variable the
/// settings name, and it never reaches a log or an error message.
/// </summary>
public sealed class Pkcs11KeysOptions
{
    public const string Section = "Hosting:Keys:Pkcs11";

    /// <summary>The label of the token that holds the sequencer keys; empty leaves the backend off.</summary>
    public string? TokenLabel { get; set; }

    /// <summary>The HSM vendor's PKCS#11 module.</summary>
    public string LibraryPath { get; set; } = "/usr/lib/softhsm/libsofthsm2.so";

    /// <summary>A file holding the user PIN (a trailing line break is ignored).</summary>
    public string? UserPinFile { get; set; }

    /// <summary>The name of an environment variable holding the user PIN.</summary>
    public string? UserPinVariable { get; set; }

    /// <summary>How many PKCS#11 sessions sign at once.</summary>
    public int Sessions { get; set; } = 4;

    public bool Enabled => !string.IsNullOrWhiteSpace(TokenLabel);

    /// <summary>Every problem, each naming the setting; the PIN itself is never quoted.</summary>
    public IReadOnlyList<string> Validate(bool custodyConfigured)
    {
        var errors = new List<string>();
        if (!Enabled)
        {
            if (!string.IsNullOrWhiteSpace(UserPinFile) || !string.IsNullOrWhiteSpace(UserPinVariable))
            {
                errors.Add($"{Section}:TokenLabel is required when a PKCS#11 user PIN is configured: name the token that holds the sequencer keys.");
            }
            return errors;
        }
        if (!custodyConfigured)
        {
            errors.Add($"{Section} needs Hosting:Postgres:ConnectionString: HSM keys are recorded in key custody and signed through the signing gate, both in PostgreSQL.");
        }
        if (TokenLabel!.Length > 32)
        {
            errors.Add($"{Section}:TokenLabel has at most 32 characters (a PKCS#11 token label), got {TokenLabel.Length}.");
        }
        if (string.IsNullOrWhiteSpace(LibraryPath) || !File.Exists(LibraryPath))
        {
            errors.Add($"{Section}:LibraryPath '{LibraryPath}' is not a file: expected the HSM vendor's PKCS#11 module (SoftHSM2: /usr/lib/softhsm/libsofthsm2.so).");
        }
        if (Sessions is < 1 or > 64)
        {
            errors.Add($"{Section}:Sessions must be between 1 and 64, got {Sessions}.");
        }
        var (_, pinError) = ReadUserPin();
        if (pinError is not null)
        {
            errors.Add(pinError);
        }
        return errors;
    }

    /// <summary>The backend's options with the PIN read from its file or variable.</summary>
    /// <exception cref="InvalidOperationException">The PIN cannot be read (the message names the setting, never the PIN).</exception>
    public Pkcs11Options ToBackendOptions()
    {
        var (pin, error) = ReadUserPin();
        return error is not null
            ? throw new InvalidOperationException(error)
            : new Pkcs11Options { LibraryPath = LibraryPath, TokenLabel = TokenLabel!, UserPin = pin!, Sessions = Sessions };
    }

    private (string? Pin, string? Error) ReadUserPin()
    {
        var file = string.IsNullOrWhiteSpace(UserPinFile) ? null : UserPinFile;
        var variable = string.IsNullOrWhiteSpace(UserPinVariable) ? null : UserPinVariable;
        if (file is null && variable is null)
        {
            return (null, $"{Section} needs the token's user PIN: set {Section}:UserPinFile to a file holding it, or {Section}:UserPinVariable to the name of an environment variable holding it.");
        }
        if (file is not null && variable is not null)
        {
            return (null, $"{Section}:UserPinFile and {Section}:UserPinVariable are both set; set only one, so it is clear which PIN is used.");
        }
        if (variable is not null)
        {
            var value = Environment.GetEnvironmentVariable(variable);
            return string.IsNullOrEmpty(value)
                ? (null, $"{Section}:UserPinVariable names the environment variable '{variable}', which is not set or empty.")
                : (value, null);
        }
        if (!File.Exists(file))
        {
            return (null, $"{Section}:UserPinFile '{file}' is not a file.");
        }
        string text;
        try
        {
            text = File.ReadAllText(file!);
        }
        catch (Exception failure) when (failure is IOException or UnauthorizedAccessException)
        {
            return (null, $"{Section}:UserPinFile '{file}' cannot be read: {failure.GetType().Name}.");
        }
        var pin = text.TrimEnd('\r', '\n');
        return pin.Length == 0 ? (null, $"{Section}:UserPinFile '{file}' is empty.") : (pin, null);
    }

    /// <summary>Never prints the PIN.</summary>
    public override string ToString() => $"Pkcs11KeysOptions({LibraryPath}, token '{TokenLabel}', {Sessions} sessions)";
}
