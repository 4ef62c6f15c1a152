namespace Hosting.Signing.Pkcs11;

/// <summary>Where the HSM is and how to log in. Bind from configuration; keep the PIN in a secret store.</summary>
public sealed class Pkcs11Options
{
    /// <summary>The vendor's PKCS#11 module; SoftHSM2's on Debian by default.</summary>
    public string LibraryPath { get; set; } = "/usr/lib/softhsm/libsofthsm2.so";

    /// <summary>The label of the token that holds the sequencer keys.</summary>
    public string TokenLabel { get; set; } = "";

    /// <summary>The user PIN. Never logged or put in an error message.</summary>
    public string UserPin { get; set; } = "";

    /// <summary>How many sessions sign at once (PKCS#11 sessions are single-threaded).</summary>
    public int Sessions { get; set; } = 4;

    /// <summary>Never prints the PIN.</summary>
    public override string ToString() => $"Pkcs11Options({LibraryPath}, token '{TokenLabel}', {Sessions} sessions)";
}
