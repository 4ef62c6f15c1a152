using System.Globalization;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Slots;
using Hosting.L1.Crypto;

namespace Hosting.Grains.Slots;

/// <summary>
/// What a prover signs to quote (EIP-191 personal message, so `cast wallet sign` over the text makes one): one line
/// naming the rollup, the slot, the prover and its terms, so a quote cannot be replayed for another slot,
/// another deployment or other terms.
/// </summary>
public static class QuoteText
{
    public static string For(ProverQuote quote, Address rollup) => string.Create(CultureInfo.InvariantCulture,
        $"FernetRollup quote: rollup {rollup} slot {quote.Slot} prover {quote.Prover} fee {quote.Fee} bond {quote.Bond} expiry {quote.ExpiryBlock}");

    /// <summary>Why the quote's signature does not show the prover agreed to it, or null when it does.</summary>
    public static string? FindProblem(ProverQuote quote, Address rollup)
    {
        if (quote.Signature is not { } signature)
        {
            return $"The quote of prover {quote.Prover} is unsigned; sign \"{For(quote, rollup)}\" as a personal message.";
        }
        try
        {
            var signer = Secp256k1.Default.RecoverAddress(PersonalMessage.Hash(For(quote, rollup)), signature);
            return signer == quote.Prover ? null : $"The quote names prover {quote.Prover} but was signed by {signer}.";
        }
        catch (SignatureException exception)
        {
            return $"The quote's signature {signature} is not valid: {exception.Message}";
        }
    }
}
