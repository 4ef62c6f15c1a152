namespace Hosting.L1.Crypto;

/// <summary>
/// A key that is not a valid secp256k1 key. For private keys the message never contains the key material,
/// only what was wrong with it; for public keys it carries the value.
/// </summary>
public sealed class InvalidKeyException(string message) : L1Exception(message);
