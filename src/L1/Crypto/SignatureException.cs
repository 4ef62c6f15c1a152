using Hosting.Contracts.Domain;

namespace Hosting.L1.Crypto;

/// <summary>A signature that breaks a rule of secp256k1 or Ethereum (range, low s, v, recovery).</summary>
public sealed class SignatureException : L1Exception
{
    /// <summary>Creates the error for a signature given as text.</summary>
    public SignatureException(string reason, string signature, Exception? innerException = null)
        : base($"Signature {signature} rejected: {reason}.", innerException)
    {
        Reason = reason;
        Value = signature;
    }

    /// <summary>Creates the error for a parsed signature.</summary>
    public SignatureException(string reason, Signature signature, Exception? innerException = null)
        : this(reason, signature.ToString(), innerException)
    {
    }

    /// <summary>Which rule the signature broke and what was expected.</summary>
    public string Reason { get; }

    /// <summary>The rejected signature as hex (r || s || v, or the raw bytes when they did not parse).</summary>
    public string Value { get; }
}
