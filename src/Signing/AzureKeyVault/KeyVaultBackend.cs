using System.Collections.Concurrent;
using System.Text.Json;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Telemetry;
using Hosting.L1.Crypto;

namespace Hosting.Signing.AzureKeyVault;

/// <summary>
/// secp256k1 keys in Azure Key Vault or Managed HSM (key type EC or EC-HSM, curve P-256K), called over the REST
/// API through Azure.Core's pipeline: retries with Retry-After, a challenge-driven bearer token from any
/// Azure.Identity <see cref="TokenCredential"/>. A key reference is the key identifier URL
/// <c>https://{vault}.vault.azure.net/keys/{name}[/{version}]</c>; without a version the version current at
/// first use is pinned for the life of this backend.
/// <list type="bullet">
/// <item><c>GET {vault}/keys/{name}[/{version}]?api-version=7.4</c> → the JWK (crv P-256K, x, y) and its kid.</item>
/// <item><c>POST {kid}/sign?api-version=7.4</c> with <c>{"alg":"ES256K","value":base64url(digest)}</c> → base64url(r ‖ s).</item>
/// </list>
/// The vault's r ‖ s becomes an Ethereum signature by lowering s and recovering the parity against the key's address.
/// </summary>
public sealed class KeyVaultBackend : IKeyBackend
{
    private readonly HttpPipeline _pipeline;
    private readonly KeyVaultOptions _options;
    private readonly ConcurrentDictionary<string, (Uri Kid, Address Address)> _keys = new(StringComparer.Ordinal);

    /// <param name="credential">Any Azure.Identity credential (DefaultAzureCredential, workload identity, managed identity).</param>
    public KeyVaultBackend(TokenCredential credential, KeyVaultOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(credential);
        _options = options ?? new KeyVaultOptions();
        var clientOptions = new KeyVaultClientOptions();
        clientOptions.Retry.MaxRetries = _options.MaxRetries;
        clientOptions.Retry.Delay = _options.RetryDelay;
        clientOptions.Retry.MaxDelay = _options.MaxRetryDelay;
        clientOptions.Retry.Mode = RetryMode.Exponential;
        clientOptions.Retry.NetworkTimeout = _options.NetworkTimeout;
        if (_options.Transport is { } transport)
        {
            clientOptions.Transport = transport;
        }
        _pipeline = HttpPipelineBuilder.Build(clientOptions, new KeyVaultChallengePolicy(credential, _options.VerifyChallengeResource));
    }

    /// <inheritdoc />
    public SigningBackend Backend => SigningBackend.AzureKeyVault;

    /// <inheritdoc />
    public async Task<Address> ResolveAddressAsync(string keyReference, CancellationToken cancellationToken = default) =>
        (await FindKeyAsync(keyReference, cancellationToken).ConfigureAwait(false)).Address;

    /// <summary>True when <see cref="KeyVaultOptions.VaultUri"/> names the vault to generate keys in.</summary>
    public bool GeneratesKeys => _options.VaultUri is not null;

    /// <summary>
    /// Creates a P-256K key (<see cref="KeyVaultOptions.GeneratedKeyType"/>, sign and verify only) in the configured
    /// vault: <c>POST {vault}/keys/{name}/create</c>. The name is the label with every character a vault name cannot
    /// hold (anything but letters, digits and '-') made '-'. A name the vault already holds is refused (a create would
    /// add a version to that key). Returns the versioned key identifier, so the key registered is exactly this one.
    /// </summary>
    public async Task<(string KeyReference, Address Address)> GenerateKeyAsync(string label, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(label);
        var vault = _options.VaultUri ?? throw new NotSupportedException("No vault to generate keys in: set KeyVaultOptions.VaultUri.");
        var name = string.Concat(label.Select(c => char.IsAsciiLetterOrDigit(c) || c == '-' ? c : '-'));
        var key = new Uri(vault, $"keys/{name}").AbsoluteUri;
        try
        {
            using var existing = await SendAsync(RequestMethod.Get, new Uri(key), null, key, cancellationToken, expected: [404]).ConfigureAwait(false);
            throw new KeyVaultException(VaultError.Other, 409, KeyExists, $"Vault {vault.Host} already holds a key named '{name}'; labels name keys, so pick another.");
        }
        catch (KeyVaultException missing) when (missing.Error == VaultError.KeyNotFound)
        {
            // The name is free.
        }
        var body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["kty"] = _options.GeneratedKeyType, ["crv"] = "P-256K", ["key_ops"] = new[] { "sign", "verify" },
        });
        JsonDocument document;
        try
        {
            document = await SendAsync(RequestMethod.Post, new Uri(key + "/create"), body, key, cancellationToken).ConfigureAwait(false);
        }
        catch (KeyVaultException conflict) when (conflict.Status == 409)
        {
            // The vault keeps a deleted key of that name (ObjectIsDeletedButRecoverable): the name is taken until it is purged.
            throw new KeyVaultException(VaultError.Other, 409, KeyExists,
                $"Vault {vault.Host} still holds a deleted key named '{name}', recoverable until the vault purges it, so the name is taken; pick another label (or purge it; the silo does so with Hosting:Keys:KeyVault:PurgeDeletedKeys). {conflict.Message}", conflict);
        }
        using var created = document;
        var (kid, address) = ReadKey(document.RootElement, key, new Uri(key));
        _keys[kid.AbsoluteUri] = (kid, address);
        return (kid.AbsoluteUri, address);
    }

    /// <summary>
    /// Deletes a key this backend generated (its registration failed, or custody deleted it): <c>DELETE {vault}/keys/{name}</c>.
    /// A soft-deleting vault (every vault made since 2021) keeps the key recoverable until its scheduled purge date;
    /// with <see cref="KeyVaultOptions.PurgeDeletedKeys"/> it is then purged (<c>DELETE {vault}/deletedkeys/{name}</c>,
    /// retried while the vault still answers 409 "being deleted"), so it is gone for good and its name is free again.
    /// Returns what happened, for the audit trail.
    /// </summary>
    /// <exception cref="KeyVaultException">The delete failed; or the key was deleted but purging it was refused (purge
    /// protection, or no purge permission) or did not finish within <see cref="KeyVaultOptions.PurgeWait"/>: the message
    /// says the key stays recoverable until when.</exception>
    public async Task<string> DestroyGeneratedKeyAsync(string keyReference, CancellationToken cancellationToken = default)
    {
        var uri = new Uri(keyReference);
        var name = uri.AbsolutePath.Trim('/').Split('/')[1];
        using (var deleted = await SendAsync(RequestMethod.Delete, new Uri(uri, $"/keys/{name}"), null, keyReference, cancellationToken).ConfigureAwait(false))
        {
            _keys.TryRemove(keyReference, out _);
            if (!deleted.RootElement.TryGetProperty("recoveryId", out _))
            {
                return $"deleted from vault {uri.Host} (the vault does not soft-delete, so the key is gone)";
            }
            var until = deleted.RootElement.TryGetProperty("scheduledPurgeDate", out var date) && date.TryGetInt64(out var seconds)
                ? $"until {DateTimeOffset.FromUnixTimeSeconds(seconds):yyyy-MM-dd HH:mm} UTC"
                : "until the vault's retention period ends";
            if (!_options.PurgeDeletedKeys)
            {
                return $"deleted from vault {uri.Host}; recoverable there {until} (soft delete), then purged by the vault (PurgeDeletedKeys is off)";
            }
            await PurgeAsync(uri, name, keyReference, until, cancellationToken).ConfigureAwait(false);
            return $"deleted and purged from vault {uri.Host}: gone for good, and the name '{name}' is free";
        }
    }

    private async Task PurgeAsync(Uri vault, string name, string keyReference, string until, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + _options.PurgeWait;
        var wait = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            try
            {
                // 204 when purged. 409 (ObjectIsBeingDeleted) and 404 while the vault is still deleting: deletion is asynchronous.
                using var purged = await SendAsync(RequestMethod.Delete, new Uri(vault, $"/deletedkeys/{name}"), null, keyReference, cancellationToken, expected: [404, 409]).ConfigureAwait(false);
                return;
            }
            catch (KeyVaultException still) when (still.Status is 404 or 409 && DateTimeOffset.UtcNow + wait < deadline)
            {
                await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, TimeSpan.FromSeconds(4).Ticks));
            }
            catch (KeyVaultException refused) when (refused.Status is 403 or 404 or 409)
            {
                var why = refused.Status == 403
                    ? "the vault refused the purge (purge protection is on, or this identity lacks the keys/purge permission)"
                    : $"the vault was still deleting it after {_options.PurgeWait.TotalSeconds:0} s";
                throw new KeyVaultException(refused.Error, refused.Status, refused.ErrorCode,
                    $"Key '{name}' was deleted from vault {vault.Host} but not purged: {why}; it stays recoverable there {until}. {refused.Message}", refused);
            }
        }
    }

    /// <summary>The error code of a refused generation whose name the vault already holds.</summary>
    public const string KeyExists = "KeyExists";

    /// <inheritdoc />
    public async Task<Signature> SignDigestAsync(SigningKey key, Hash32 digest, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        var (kid, address) = await FindKeyAsync(key.KeyReference, cancellationToken).ConfigureAwait(false);
        if (address != key.Address)
        {
            throw new KeyVaultException(VaultError.Other, 200, null, $"Vault key {kid} is {address}, not the registered {key.Address}; nothing was signed.");
        }
        var body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["alg"] = "ES256K", ["value"] = Base64Url(digest.ToArray()) });
        using var document = await SendAsync(RequestMethod.Post, new Uri(kid.AbsoluteUri.TrimEnd('/') + "/sign"), body, key.KeyReference, cancellationToken).ConfigureAwait(false);
        var rs = FromBase64Url(Property(document.RootElement, "value", kid));
        try
        {
            return Secp256k1.FromCompact(Secp256k1.Default, digest, rs, address);
        }
        catch (SignatureException failure)
        {
            throw new KeyVaultException(VaultError.Other, 200, null, $"Vault key {kid} returned a signature that is not ES256K by {address}: {failure.Message}", failure);
        }
    }

    private async Task<(Uri Kid, Address Address)> FindKeyAsync(string keyReference, CancellationToken cancellationToken)
    {
        if (_keys.TryGetValue(keyReference, out var known))
        {
            return known;
        }
        if (!Uri.TryCreate(keyReference, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps || !uri.AbsolutePath.StartsWith("/keys/", StringComparison.Ordinal))
        {
            throw new KeyVaultException(VaultError.KeyNotFound, 0, null, $"'{keyReference}' is not a Key Vault key identifier; expected https://<vault>/keys/<name>[/<version>].");
        }
        using var document = await SendAsync(RequestMethod.Get, uri, null, keyReference, cancellationToken).ConfigureAwait(false);
        return _keys[keyReference] = ReadKey(document.RootElement, keyReference, uri);
    }

    /// <summary>The kid and the address of the JWK in a get-key or create-key answer.</summary>
    private static (Uri Kid, Address Address) ReadKey(JsonElement root, string keyReference, Uri uri)
    {
        var jwk = root.TryGetProperty("key", out var k) ? k : throw Malformed(keyReference, "no 'key'");
        var curve = jwk.TryGetProperty("crv", out var crv) ? crv.GetString() : null;
        if (curve != "P-256K")
        {
            throw new KeyVaultException(VaultError.Other, 200, null, $"Vault key {keyReference} is curve '{curve}'; a sequencer key must be P-256K (secp256k1).");
        }
        var xy = new byte[64];
        var x = FromBase64Url(Property(jwk, "x", uri));
        var y = FromBase64Url(Property(jwk, "y", uri));
        if (x.Length > 32 || y.Length > 32)
        {
            throw Malformed(keyReference, "x or y longer than 32 bytes");
        }
        x.CopyTo(xy, 32 - x.Length);
        y.CopyTo(xy, 64 - y.Length);
        Address address;
        try
        {
            address = PublicKey.FromBytes(xy).ToAddress();
        }
        catch (InvalidKeyException failure)
        {
            throw new KeyVaultException(VaultError.Other, 200, null, $"Vault key {keyReference} is not a point on secp256k1: {failure.Message}", failure);
        }
        return (new Uri(Property(jwk, "kid", uri)), address);
    }

    /// <param name="expected">Error statuses that are expected answers (404 for a name checked before it is created, 409 while a
    /// purge waits for the deletion): thrown as usual but not counted as vault failures.</param>
    private async Task<JsonDocument> SendAsync(RequestMethod method, Uri uri, byte[]? body, string keyReference, CancellationToken cancellationToken, int[]? expected = null)
    {
        using var message = _pipeline.CreateMessage();
        var request = message.Request;
        request.Method = method;
        var builder = new RequestUriBuilder();
        builder.Reset(uri);
        builder.AppendQuery("api-version", _options.ApiVersion);
        request.Uri = builder;
        request.Headers.Add("Accept", "application/json");
        if (body is not null)
        {
            request.Headers.Add("Content-Type", "application/json");
            request.Content = RequestContent.Create(body);
        }
        try
        {
            await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException failure)
        {
            // Raised by the pipeline when every attempt failed without a response (connection refused, TLS, timeouts).
            PlatformMetrics.VaultFailed(Backend, VaultError.Unavailable);
            throw new KeyVaultException(VaultError.Unavailable, failure.Status, failure.ErrorCode, $"Vault {uri.Host} could not be reached for key {keyReference} after {_options.MaxRetries} retries: {failure.Message}", failure);
        }
        catch (OperationCanceledException failure) when (!cancellationToken.IsCancellationRequested)
        {
            PlatformMetrics.VaultFailed(Backend, VaultError.Timeout);
            throw new KeyVaultException(VaultError.Timeout, 0, null, $"Vault {uri.Host} did not answer for key {keyReference} within {_options.NetworkTimeout} per attempt ({_options.MaxRetries} retries).", failure);
        }
        var response = message.Response;
        if (response.Status is >= 200 and < 300)
        {
            // A purge answers 204 with no body.
            return response.Status == 204 || response.ContentStream is null
                ? JsonDocument.Parse("{}")
                : await JsonDocument.ParseAsync(response.ContentStream, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        var (code, text) = ReadError(response);
        var error = response.Status switch
        {
            401 or 403 => VaultError.Unauthorised,
            404 => VaultError.KeyNotFound,
            408 => VaultError.Timeout,
            429 or >= 500 => VaultError.Unavailable,
            _ => VaultError.Other,
        };
        if (response.Status == 429)
        {
            PlatformMetrics.VaultThrottled(Backend);
        }
        if (expected?.Contains(response.Status) != true)
        {
            PlatformMetrics.VaultFailed(Backend, error);
        }
        var retried = response.Status is 408 or 429 or >= 500 ? $" (after {_options.MaxRetries} retries)" : "";
        throw new KeyVaultException(error, response.Status, code,
            $"Vault {uri.Host} answered {response.Status} {response.ReasonPhrase}{retried} to {method} for key {keyReference}: {code ?? "no error code"}: {text ?? "no message"}.");
    }

    private static (string? Code, string? Message) ReadError(Response response)
    {
        try
        {
            if (response.ContentStream is null)
            {
                return (null, null);
            }
            using var document = JsonDocument.Parse(response.ContentStream);
            if (document.RootElement.TryGetProperty("error", out var error))
            {
                return (error.TryGetProperty("code", out var code) ? code.GetString() : null, error.TryGetProperty("message", out var text) ? text.GetString() : null);
            }
        }
        catch (JsonException)
        {
            // Not JSON (a proxy's HTML page): the status says enough.
        }
        return (null, null);
    }

    private static string Property(JsonElement element, string name, object where) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : throw Malformed(where.ToString()!, $"no '{name}'");

    private static KeyVaultException Malformed(string where, string what) =>
        new(VaultError.Other, 200, null, $"Vault answer for {where} is not the Key Vault contract: {what}.");

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] FromBase64Url(string text)
    {
        var base64 = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '='));
    }

    private sealed class KeyVaultClientOptions : ClientOptions;
}
