using Hosting.Contracts.Domain;
using Hosting.L1;
using Hosting.L1.Crypto;

namespace Hosting.Portal.Delegators;

/// <summary>
/// Checks a signed Sign-In with Ethereum message against what this portal expects: its own host as the
/// domain and URI, the L1 chain id, a nonce it issued and that was not used, the time window, and an
/// EIP-191 signature (personal_sign) that recovers to the message's address. Each refusal says which.
/// </summary>
public sealed class SiweVerifier(ISiweNonces nonces, TimeProvider clock)
{
    /// <summary>Clock difference tolerated between the wallet's machine and ours.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>The longest sign-in a message may ask for (Expiration Time - Issued At).</summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(1);

    /// <summary>The address that signed in, or <see cref="SiweException"/> naming the check that failed.</summary>
    public async Task<SiweMessage> VerifyAsync(string message, string signature, string expectedDomain, ulong expectedChainId)
    {
        var parsed = SiweMessage.Parse(message);
        if (!string.Equals(parsed.Domain, expectedDomain, StringComparison.OrdinalIgnoreCase))
        {
            throw new SiweException("domain", $"the message is for '{parsed.Domain}', this portal is '{expectedDomain}'");
        }
        if (!string.Equals(parsed.Uri.Authority, expectedDomain, StringComparison.OrdinalIgnoreCase))
        {
            throw new SiweException("URI", $"'{parsed.Uri}' is not on this portal ({expectedDomain})");
        }
        if (parsed.ChainId != expectedChainId)
        {
            throw new SiweException("Chain ID", $"the message is for chain {parsed.ChainId}, this portal's L1 is chain {expectedChainId}");
        }
        var now = clock.GetUtcNow();
        if (parsed.IssuedAt > now + ClockSkew)
        {
            throw new SiweException("Issued At", $"{parsed.IssuedAt:O} is in the future (now {now:O})");
        }
        if (parsed.ExpirationTime is not { } expiration)
        {
            throw new SiweException("Expiration Time", "this portal requires an expiration time");
        }
        if (expiration <= now)
        {
            throw new SiweException("Expiration Time", $"the message expired at {expiration:O} (now {now:O})");
        }
        if (expiration - parsed.IssuedAt > MaxLifetime)
        {
            throw new SiweException("Expiration Time", $"a sign-in lasts at most {MaxLifetime.TotalHours:0} hours; the message asks for {(expiration - parsed.IssuedAt).TotalHours:0.#}");
        }
        if (parsed.NotBefore is { } notBefore && notBefore > now + ClockSkew)
        {
            throw new SiweException("Not Before", $"the message is valid only from {notBefore:O} (now {now:O})");
        }

        Signature rsv;
        try
        {
            rsv = Secp256k1.ReadSignature(Hex.Decode(signature));
        }
        catch (Exception exception) when (exception is HexFormatException or SignatureException or ArgumentException)
        {
            throw new SiweException("signature", $"not a 65-byte hex signature (r, s, v): {exception.Message}");
        }
        if (Secp256k1.FindProblem(rsv) is { } problem)
        {
            throw new SiweException("signature", problem);
        }
        Address signer;
        try
        {
            signer = Secp256k1.Default.RecoverAddress(PersonalMessage.Hash(message), rsv);
        }
        catch (SignatureException)
        {
            throw new SiweException("signature", "it recovers to no key");
        }
        if (signer != parsed.Address)
        {
            throw new SiweException("signature", $"it was made by {signer.ToChecksumString()}, not by {parsed.Address.ToChecksumString()} the message names");
        }
        // Spent last, by a message that passed every other check: a replay of it finds the nonce gone, and a
        // refused attempt does not burn the nonce of the page that is still waiting for its wallet.
        if (!await nonces.TryConsumeAsync(parsed.Nonce))
        {
            throw new SiweException("Nonce", $"'{parsed.Nonce}' was not issued by this portal's cluster, was already used, or expired (nonces last {SiweNonces.Lifetime.TotalMinutes:0} minutes)");
        }
        return parsed;
    }
}
