using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hosting.Contracts.Domain;
using Hosting.L1.Crypto;

namespace Hosting.Signing.Keystore;

/// <summary>The KDF and its cost for keystores this signer writes.</summary>
/// <param name="Kdf">"scrypt" or "pbkdf2".</param>
/// <param name="Cost">scrypt's n (a power of two) or PBKDF2's iteration count.</param>
public sealed record KeystoreKdf(string Kdf, int Cost)
{
    /// <summary>geth's "standard" scrypt: n=262144, r=8, p=1. About a second of one core per key.</summary>
    public static KeystoreKdf ScryptStandard { get; } = new("scrypt", 262144);

    /// <summary>What foundry's <c>cast wallet new</c> writes (eth-keystore defaults): scrypt n=8192, r=8, p=1.</summary>
    public static KeystoreKdf ScryptCast { get; } = new("scrypt", 8192);

    /// <summary>PBKDF2-HMAC-SHA256 with 262144 iterations, geth's pbkdf2 default.</summary>
    public static KeystoreKdf Pbkdf2 { get; } = new("pbkdf2", 262144);
}

/// <summary>
/// Web3 Secret Storage v3 (the keystore files of geth, cast and clef): a secp256k1 key encrypted with
/// AES-128-CTR under a key derived from the password by scrypt or PBKDF2-HMAC-SHA256, authenticated by
/// keccak256(derivedKey[16..32] ‖ ciphertext). Passwords are the UTF-8 bytes of the text, as geth and cast use them.
/// </summary>
public static class Web3Keystore
{
    private const int ScryptR = 8;
    private const int ScryptP = 1;

    /// <summary>Decrypts a keystore. Throws <see cref="KeystoreException"/> naming the keystore and the problem.</summary>
    public static PrivateKey Decrypt(string json, string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        var file = KeystoreFile.Parse(json);
        var passwordBytes = Encoding.UTF8.GetBytes(password);
        var derived = new byte[file.DerivedKeyLength];
        var plain = new byte[file.Ciphertext.Length];
        try
        {
            file.DeriveKey(passwordBytes, derived);
            Span<byte> macInput = stackalloc byte[16 + file.Ciphertext.Length];
            derived.AsSpan(16, 16).CopyTo(macInput);
            file.Ciphertext.CopyTo(macInput[16..]);
            var mac = Keccak256.Hash(macInput);
            if (!CryptographicOperations.FixedTimeEquals(mac.ToArray(), file.Mac))
            {
                throw new KeystoreException(KeystoreProblem.WrongPassword, $"Keystore {file.Name}: the password is wrong (the MAC does not match).");
            }
            AesCtr(derived.AsSpan(0, 16), file.Iv, file.Ciphertext, plain);
            PrivateKey key;
            try
            {
                key = new PrivateKey(plain);
            }
            catch (InvalidKeyException)
            {
                throw new KeystoreException(KeystoreProblem.Corrupt, $"Keystore {file.Name}: the MAC matches but the decrypted secret is not a secp256k1 private key ({plain.Length} bytes).");
            }
            if (file.Address is { } address && address != key.Address)
            {
                var actual = key.Address;
                key.Dispose();
                throw new KeystoreException(KeystoreProblem.AddressMismatch, $"Keystore {file.Name}: it says address {address} but the key inside is {actual}.");
            }
            return key;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(passwordBytes);
            CryptographicOperations.ZeroMemory(derived);
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    /// <summary>
    /// Encrypts the 32-byte private key <paramref name="privateKey"/> into a v3 keystore (scrypt n=262144 unless told
    /// otherwise). Takes raw bytes because the in-memory <see cref="PrivateKey"/> never hands its bytes out.
    /// </summary>
    public static string Encrypt(ReadOnlySpan<byte> privateKey, string password, KeystoreKdf? kdf = null)
    {
        ArgumentNullException.ThrowIfNull(password);
        using var key = new PrivateKey(privateKey);
        kdf ??= KeystoreKdf.ScryptStandard;
        var salt = RandomNumberGenerator.GetBytes(32);
        var iv = RandomNumberGenerator.GetBytes(16);
        var passwordBytes = Encoding.UTF8.GetBytes(password);
        var derived = new byte[32];
        var secret = privateKey.ToArray();
        var ciphertext = new byte[32];
        try
        {
            JsonObject kdfParams;
            switch (kdf.Kdf)
            {
                case "scrypt":
                    Scrypt.DeriveKey(passwordBytes, salt, kdf.Cost, ScryptR, ScryptP, derived);
                    kdfParams = new JsonObject { ["dklen"] = 32, ["n"] = kdf.Cost, ["p"] = ScryptP, ["r"] = ScryptR, ["salt"] = Convert.ToHexStringLower(salt) };
                    break;
                case "pbkdf2":
                    Rfc2898DeriveBytes.Pbkdf2(passwordBytes, salt, derived, kdf.Cost, HashAlgorithmName.SHA256);
                    kdfParams = new JsonObject { ["c"] = kdf.Cost, ["dklen"] = 32, ["prf"] = "hmac-sha256", ["salt"] = Convert.ToHexStringLower(salt) };
                    break;
                default:
                    throw new ArgumentException($"KDF '{kdf.Kdf}' is not one a v3 keystore uses; expected scrypt or pbkdf2.", nameof(kdf));
            }
            AesCtr(derived.AsSpan(0, 16), iv, secret, ciphertext);
            var macInput = derived.AsSpan(16, 16).ToArray().Concat(ciphertext).ToArray();
            var document = new JsonObject
            {
                ["address"] = Convert.ToHexStringLower(key.Address.ToArray()),
                ["crypto"] = new JsonObject
                {
                    ["cipher"] = "aes-128-ctr",
                    ["cipherparams"] = new JsonObject { ["iv"] = Convert.ToHexStringLower(iv) },
                    ["ciphertext"] = Convert.ToHexStringLower(ciphertext),
                    ["kdf"] = kdf.Kdf,
                    ["kdfparams"] = kdfParams,
                    ["mac"] = Convert.ToHexStringLower(Keccak256.Hash(macInput).ToArray()),
                },
                ["id"] = Guid.NewGuid().ToString(),
                ["version"] = 3,
            };
            return document.ToJsonString();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(passwordBytes);
            CryptographicOperations.ZeroMemory(derived);
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    /// <summary>The id and address a keystore states about itself, without decrypting it.</summary>
    public static (string Id, Address? Address) Describe(string json)
    {
        var file = KeystoreFile.Parse(json);
        return (file.Id, file.Address);
    }

    /// <summary>AES-128 in counter mode with a 128-bit big-endian counter starting at the IV: XOR with E(k, iv + i).</summary>
    private static void AesCtr(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> input, Span<byte> output)
    {
        using var aes = Aes.Create();
        aes.Key = key.ToArray();
        Span<byte> counter = stackalloc byte[16];
        Span<byte> stream = stackalloc byte[16];
        iv.CopyTo(counter);
        for (var offset = 0; offset < input.Length; offset += 16)
        {
            aes.EncryptEcb(counter, stream, PaddingMode.None);
            var length = Math.Min(16, input.Length - offset);
            for (var i = 0; i < length; i++)
            {
                output[offset + i] = (byte)(input[offset + i] ^ stream[i]);
            }
            var high = BinaryPrimitives.ReadUInt64BigEndian(counter);
            var low = BinaryPrimitives.ReadUInt64BigEndian(counter[8..]) + 1;
            BinaryPrimitives.WriteUInt64BigEndian(counter[8..], low);
            if (low == 0)
            {
                BinaryPrimitives.WriteUInt64BigEndian(counter, high + 1);
            }
        }
        CryptographicOperations.ZeroMemory(stream);
    }

    /// <summary>The fields of a v3 keystore, checked for shape; every complaint names the field.</summary>
    private sealed record KeystoreFile(string Id, Address? Address, string Kdf, byte[] Salt, int Cost, int R, int P, int DerivedKeyLength, byte[] Iv, byte[] Ciphertext, byte[] Mac)
    {
        public string Name => Address is { } address ? $"{Id} ({address})" : Id;

        public void DeriveKey(byte[] password, Span<byte> derived)
        {
            if (Kdf == "scrypt")
            {
                Scrypt.DeriveKey(password, Salt, Cost, R, P, derived);
            }
            else
            {
                Rfc2898DeriveBytes.Pbkdf2(password, Salt, derived, Cost, HashAlgorithmName.SHA256);
            }
        }

        public static KeystoreFile Parse(string json)
        {
            ArgumentNullException.ThrowIfNull(json);
            JsonElement root;
            try
            {
                using var document = JsonDocument.Parse(json);
                root = document.RootElement.Clone();
            }
            catch (JsonException failure)
            {
                throw new KeystoreException(KeystoreProblem.Corrupt, $"The keystore is not valid JSON: {failure.Message}", failure);
            }
            var id = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("id", out var idElement) && idElement.ValueKind == JsonValueKind.String ? idElement.GetString()! : "(no id)";
            try
            {
                return Read(root, id);
            }
            catch (Exception failure) when (failure is InvalidOperationException or FormatException or KeyNotFoundException or ArgumentException)
            {
                throw new KeystoreException(KeystoreProblem.Corrupt, $"Keystore {id}: {failure.Message}", failure);
            }
        }

        private static KeystoreFile Read(JsonElement root, string id)
        {
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException("a keystore is a JSON object");
            }
            if (!root.TryGetProperty("version", out var version) || version.ValueKind != JsonValueKind.Number || version.GetInt32() != 3)
            {
                throw new KeystoreException(KeystoreProblem.Unsupported, $"Keystore {id}: version is {(root.TryGetProperty("version", out var v) ? v.ToString() : "missing")}; only Web3 Secret Storage version 3 is supported.");
            }
            Address? address = null;
            if (root.TryGetProperty("address", out var addressElement) && addressElement.GetString() is { Length: > 0 } addressText)
            {
                address = Contracts.Domain.Address.Parse(addressText.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? addressText : "0x" + addressText);
            }
            var crypto = root.TryGetProperty("crypto", out var lower) ? lower
                : root.TryGetProperty("Crypto", out var upper) ? upper
                : throw new FormatException("the field 'crypto' is missing");
            var cipher = Text(crypto, "cipher");
            if (cipher != "aes-128-ctr")
            {
                throw new KeystoreException(KeystoreProblem.Unsupported, $"Keystore {id}: cipher '{cipher}' is not supported; expected aes-128-ctr.");
            }
            var iv = Bytes(Field(crypto, "cipherparams"), "iv");
            if (iv.Length != 16)
            {
                throw new FormatException($"cipherparams.iv is {iv.Length} bytes; expected 16");
            }
            var ciphertext = Bytes(crypto, "ciphertext");
            if (ciphertext.Length != 32)
            {
                throw new FormatException($"ciphertext is {ciphertext.Length} bytes; a secp256k1 key is 32");
            }
            var mac = Bytes(crypto, "mac");
            if (mac.Length != 32)
            {
                throw new FormatException($"mac is {mac.Length} bytes; expected 32");
            }
            var kdf = Text(crypto, "kdf");
            var parameters = Field(crypto, "kdfparams");
            var derivedKeyLength = Number(parameters, "dklen");
            if (derivedKeyLength < 32 || derivedKeyLength > 64)
            {
                throw new FormatException($"kdfparams.dklen is {derivedKeyLength}; expected 32 (16 for AES, 16 for the MAC)");
            }
            var salt = Bytes(parameters, "salt");
            switch (kdf)
            {
                case "scrypt":
                    var n = Number(parameters, "n");
                    var r = Number(parameters, "r");
                    var p = Number(parameters, "p");
                    if (n < 2 || (n & (n - 1)) != 0 || r < 1 || p < 1 || (long)n * r > 1L << 26)
                    {
                        throw new KeystoreException(KeystoreProblem.Unsupported, $"Keystore {id}: scrypt n={n}, r={r}, p={p} is not supported; n must be a power of two and 128·n·r at most 8 GiB.");
                    }
                    return new KeystoreFile(id, address, kdf, salt, n, r, p, derivedKeyLength, iv, ciphertext, mac);
                case "pbkdf2":
                    var prf = Text(parameters, "prf");
                    if (prf != "hmac-sha256")
                    {
                        throw new KeystoreException(KeystoreProblem.Unsupported, $"Keystore {id}: pbkdf2 prf '{prf}' is not supported; expected hmac-sha256.");
                    }
                    var c = Number(parameters, "c");
                    if (c < 1)
                    {
                        throw new FormatException($"kdfparams.c is {c}; expected a positive iteration count");
                    }
                    return new KeystoreFile(id, address, kdf, salt, c, 0, 0, derivedKeyLength, iv, ciphertext, mac);
                default:
                    throw new KeystoreException(KeystoreProblem.Unsupported, $"Keystore {id}: kdf '{kdf}' is not supported; expected scrypt or pbkdf2.");
            }
        }

        private static JsonElement Field(JsonElement parent, string name) =>
            parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) ? value : throw new FormatException($"the field '{name}' is missing");

        private static string Text(JsonElement parent, string name) =>
            Field(parent, name) is { ValueKind: JsonValueKind.String } value ? value.GetString()! : throw new FormatException($"the field '{name}' is not text");

        private static int Number(JsonElement parent, string name) =>
            Field(parent, name) is { ValueKind: JsonValueKind.Number } value && value.TryGetInt32(out var number) ? number : throw new FormatException($"the field '{name}' is not a 32-bit integer");

        private static byte[] Bytes(JsonElement parent, string name)
        {
            var text = Text(parent, name);
            try
            {
                return Convert.FromHexString(text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text);
            }
            catch (FormatException)
            {
                throw new FormatException($"the field '{name}' is not hex");
            }
        }
    }
}
