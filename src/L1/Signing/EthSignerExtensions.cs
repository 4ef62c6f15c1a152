using System.Text;
using Hosting.Contracts.Domain;
using Hosting.L1.Crypto;
using Hosting.L1.Eip712;
using Hosting.L1.Transactions;

namespace Hosting.L1.Signing;

/// <summary>
/// Transactions, EIP-191 messages and EIP-712 typed data signed through any <see cref="IEthSigner"/>.
/// Each signature is recovered and checked against the signer's address before it is returned, so a
/// backend that signs with the wrong key is caught here, not on chain.
/// </summary>
public static class EthSignerExtensions
{
    /// <summary>Signs a legacy (EIP-155) or EIP-1559 transaction; the result is ready for eth_sendRawTransaction.</summary>
    public static async Task<SignedTransaction> SignTransactionAsync(this IEthSigner signer, Transaction transaction, CancellationToken cancellationToken = default)
    {
        var signature = await signer.SignCheckedAsync(transaction.SigningHash, cancellationToken).ConfigureAwait(false);
        return transaction.WithSignature(signature);
    }

    /// <summary>personal_sign: signs the EIP-191 digest of <paramref name="message"/>.</summary>
    public static Task<Signature> SignPersonalMessageAsync(this IEthSigner signer, ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default) =>
        signer.SignCheckedAsync(PersonalMessage.Hash(message.Span), cancellationToken);

    /// <summary>personal_sign of the UTF-8 bytes of <paramref name="text"/>.</summary>
    public static Task<Signature> SignPersonalMessageAsync(this IEthSigner signer, string text, CancellationToken cancellationToken = default) =>
        signer.SignPersonalMessageAsync(Encoding.UTF8.GetBytes(text), cancellationToken);

    /// <summary>eth_signTypedData_v4: signs the EIP-712 digest of <paramref name="typedData"/>.</summary>
    public static Task<Signature> SignTypedDataAsync(this IEthSigner signer, TypedData typedData, CancellationToken cancellationToken = default) =>
        signer.SignCheckedAsync(typedData.Digest, cancellationToken);

    /// <summary>Signs a digest and checks that the signature is canonical and recovers to the signer.</summary>
    public static async Task<Signature> SignCheckedAsync(this IEthSigner signer, Hash32 digest, CancellationToken cancellationToken = default)
    {
        var signature = await signer.SignDigestAsync(digest, cancellationToken).ConfigureAwait(false);
        var recovered = Secp256k1.Default.RecoverAddress(digest, signature);
        return recovered == signer.Address
            ? signature
            : throw new SignerMismatchException(signer.Address, recovered, digest, signature);
    }
}
