using System.Collections.Concurrent;
using System.Net;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Core;
using Azure.Core.Pipeline;
using Hosting.Contracts.Domain;
using Hosting.L1.Crypto;
using Hosting.Signing.AzureKeyVault;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Hosting.TestKit.AzureKeyVault;

/// <summary>
/// A local HTTPS endpoint (Kestrel, self-signed certificate) that speaks the Key Vault key REST contract the
/// backend uses: Bearer challenge on 401, GET keys/{name}[/{version}], POST keys/{name}/{version}/sign with
/// ES256K, POST keys/{name}/create, and deletion as a soft-deleting vault does it: DELETE keys/{name} answers the
/// deleted-key bundle (recoveryId, scheduledPurgeDate) and keeps the key under deletedkeys/{name}, where a create of
/// the same name is refused (409 ObjectIsDeletedButRecoverable) until DELETE deletedkeys/{name} purges it; a purge is
/// refused with 409 ObjectIsBeingDeleted for <see cref="DeletionTime"/> after the delete, and with 403 when
/// <see cref="PurgeProtection"/> is on. Faults can be queued per request: a status (429 with Retry-After, 403, 500…)
/// for the next N calls.
/// </summary>
public sealed class FakeKeyVault : IAsyncDisposable
{
    public const string TenantId = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    private readonly WebApplication _app;
    private readonly X509Certificate2 _certificate;
    private readonly ConcurrentDictionary<string, (string Version, PrivateKey Key)> _keys = new();
    private readonly ConcurrentQueue<(int Status, string? RetryAfter, string Code)> _faults = new();
    private readonly ConcurrentDictionary<string, (string Version, PrivateKey Key, DateTimeOffset DeletedAt)> _deleted = new();

    private FakeKeyVault(WebApplication app, X509Certificate2 certificate, int port)
    {
        _app = app;
        _certificate = certificate;
        Uri = new Uri($"https://localhost:{port}/");
    }

    public Uri Uri { get; }

    /// <summary>Every request as "METHOD path status", in order.</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>The challenge's resource; a real vault says https://vault.azure.net.</summary>
    public string Resource { get; set; } = "https://vault.azure.net";

    /// <summary>False makes a vault without soft delete (before 2021): a deleted key is gone at once.</summary>
    public bool SoftDelete { get; set; } = true;

    /// <summary>A vault with purge protection: purges are refused with 403 until the retention period ends.</summary>
    public bool PurgeProtection { get; set; }

    /// <summary>How long a deletion takes in the vault: purges answer 409 ObjectIsBeingDeleted meanwhile.</summary>
    public TimeSpan DeletionTime { get; set; } = TimeSpan.FromMilliseconds(600);

    /// <summary>The retention of soft-deleted keys (a vault's default is 90 days).</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(90);

    /// <summary>When true, sign answers carry the high-s twin of the signature (as an HSM may return).</summary>
    public bool HighS { get; set; } = true;

    public static async Task<FakeKeyVault> StartAsync()
    {
        var certificate = CreateCertificate();
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port, listen => listen.UseHttps(certificate)));
        var app = builder.Build();
        var vault = new FakeKeyVault(app, certificate, port);
        app.Run(vault.HandleAsync);
        await app.StartAsync();
        return vault;
    }

    /// <summary>A key as the vault would create it (kty EC-HSM, crv P-256K); returns its identifier without version.</summary>
    public (string KeyId, Address Address) CreateKey(string name)
    {
        var key = PrivateKey.Generate();
        _keys[name] = (Guid.NewGuid().ToString("N"), key);
        return (new Uri(Uri, $"keys/{name}").AbsoluteUri, key.Address);
    }

    public void Fail(int status, int times = 1, string? retryAfter = null, string code = "Fault")
    {
        for (var i = 0; i < times; i++)
        {
            _faults.Enqueue((status, retryAfter, code));
        }
    }

    /// <summary>Options that trust only this server's certificate, with fast retries.</summary>
    public KeyVaultOptions Options(int maxRetries = 3) => new()
    {
        MaxRetries = maxRetries,
        RetryDelay = TimeSpan.FromMilliseconds(20),
        MaxRetryDelay = TimeSpan.FromSeconds(2),
        NetworkTimeout = TimeSpan.FromSeconds(5),
        VerifyChallengeResource = false,
        Transport = new HttpClientTransport(new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) => certificate?.Thumbprint == _certificate.Thumbprint,
        }),
    };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _certificate.Dispose();
        foreach (var (_, key) in _keys.Values)
        {
            key.Dispose();
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        var status = await AnswerAsync(context);
        Requests.Enqueue($"{context.Request.Method} {context.Request.Path} {status}");
    }

    private async Task<int> AnswerAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        if (request.Query["api-version"] != "7.4")
        {
            return await ErrorAsync(response, 400, "BadParameter", $"api-version '{request.Query["api-version"]}' is not 7.4");
        }
        if (request.Headers.Authorization.ToString() != $"Bearer {FakeCredential.TokenFor(TenantId, Resource + "/.default")}")
        {
            response.Headers.WWWAuthenticate = $"Bearer authorization=\"https://login.microsoftonline.com/{TenantId}\", resource=\"{Resource}\"";
            return await ErrorAsync(response, 401, "Unauthorized", "AKV10000: Request is missing a Bearer or PoP token.");
        }
        if (_faults.TryDequeue(out var fault))
        {
            if (fault.RetryAfter is not null)
            {
                response.Headers.RetryAfter = fault.RetryAfter;
            }
            return await ErrorAsync(response, fault.Status, fault.Code, $"injected {fault.Status}");
        }
        var segments = request.Path.Value!.Trim('/').Split('/');
        if (request.Method == "POST" && segments.Length == 3 && segments[0] == "keys" && segments[2] == "create")
        {
            if (_deleted.ContainsKey(segments[1]))
            {
                return await ErrorAsync(response, 409, "Conflict", $"Key {segments[1]} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the key can only be recovered or purged.", "ObjectIsDeletedButRecoverable");
            }
            return await CreateAsync(request, response, segments[1]);
        }
        if (segments.Length == 2 && segments[0] == "deletedkeys")
        {
            return await DeletedKeyAsync(request, response, segments[1]);
        }
        if (segments.Length < 2 || segments[0] != "keys" || !_keys.TryGetValue(segments[1], out var stored))
        {
            return await ErrorAsync(response, 404, "KeyNotFound", $"A key with (name/id) {(segments.Length > 1 ? segments[1] : "")} was not found in this key vault.");
        }
        var kid = new Uri(Uri, $"keys/{segments[1]}/{stored.Version}").AbsoluteUri;
        if (request.Method == "GET" && segments.Length <= 3)
        {
            await response.WriteAsJsonAsync(KeyBundle(kid, stored.Key));
            return 200;
        }
        if (request.Method == "DELETE" && segments.Length == 2)
        {
            _keys.TryRemove(segments[1], out _);
            Deleted.Enqueue(segments[1]);
            var bundle = KeyBundle(kid, stored.Key);
            if (SoftDelete)
            {
                var now = DateTimeOffset.UtcNow;
                _deleted[segments[1]] = (stored.Version, stored.Key, now);
                bundle["recoveryId"] = new Uri(Uri, $"deletedkeys/{segments[1]}").AbsoluteUri;
                bundle["deletedDate"] = now.ToUnixTimeSeconds();
                bundle["scheduledPurgeDate"] = (now + Retention).ToUnixTimeSeconds();
            }
            await response.WriteAsJsonAsync(bundle);
            return 200;
        }
        if (request.Method == "POST" && segments.Length == 4 && segments[2] == stored.Version && segments[3] == "sign")
        {
            using var body = await JsonDocument.ParseAsync(request.Body);
            if (body.RootElement.GetProperty("alg").GetString() != "ES256K")
            {
                return await ErrorAsync(response, 400, "BadParameter", "alg must be ES256K for a P-256K key");
            }
            var digest = FromBase64Url(body.RootElement.GetProperty("value").GetString()!);
            if (digest.Length != 32)
            {
                return await ErrorAsync(response, 400, "BadParameter", "ES256K signs a 32-byte digest");
            }
            var signature = Secp256k1.Default.Sign(new Hash32(digest), stored.Key);
            var s = signature.S.ToArray();
            if (HighS)
            {
                s = (Order - new BigInteger(s, isUnsigned: true, isBigEndian: true)).ToByteArray(isUnsigned: true, isBigEndian: true);
            }
            await response.WriteAsJsonAsync(new JsonObject { ["kid"] = kid, ["value"] = Base64Url([.. signature.R.ToArray(), .. new byte[32 - s.Length], .. s]) });
            return 200;
        }
        return await ErrorAsync(response, 405, "MethodNotAllowed", $"{request.Method} {request.Path} is not part of this fake");
    }

    /// <summary>GET deletedkeys/{name} (the deleted-key bundle) and DELETE deletedkeys/{name} (purge: 204).</summary>
    private async Task<int> DeletedKeyAsync(HttpRequest request, HttpResponse response, string name)
    {
        if (!_deleted.TryGetValue(name, out var deleted))
        {
            return await ErrorAsync(response, 404, "KeyNotFound", $"Deleted Key not found: {name}");
        }
        if (request.Method == "GET")
        {
            await response.WriteAsJsonAsync(KeyBundle(new Uri(Uri, $"keys/{name}/{deleted.Version}").AbsoluteUri, deleted.Key));
            return 200;
        }
        if (request.Method != "DELETE")
        {
            return await ErrorAsync(response, 405, "MethodNotAllowed", $"{request.Method} deletedkeys/{name} is not part of this fake");
        }
        if (DateTimeOffset.UtcNow - deleted.DeletedAt < DeletionTime)
        {
            return await ErrorAsync(response, 409, "Conflict", $"Key {name} is currently being deleted.", "ObjectIsBeingDeleted");
        }
        if (PurgeProtection)
        {
            return await ErrorAsync(response, 403, "Forbidden", $"Operation \"purge\" is not allowed because purge protection is enabled for this vault. Key Vault service will automatically purge it after the retention period has passed.");
        }
        _deleted.TryRemove(name, out _);
        Purged.Enqueue(name);
        response.StatusCode = 204;
        return 204;
    }

    /// <summary>Keys purged by DELETE deletedkeys/{name}.</summary>
    public ConcurrentQueue<string> Purged { get; } = new();

    /// <summary>Whether the vault holds a soft-deleted key of that name (recoverable, name not reusable).</summary>
    public bool HoldsDeleted(string name) => _deleted.ContainsKey(name);

    /// <summary>POST keys/{name}/create as the vault answers it: a new key (or a new version of an existing one) of kty EC or EC-HSM on P-256K.</summary>
    private async Task<int> CreateAsync(HttpRequest request, HttpResponse response, string name)
    {
        using var body = await JsonDocument.ParseAsync(request.Body);
        var kty = body.RootElement.TryGetProperty("kty", out var t) ? t.GetString() : null;
        var crv = body.RootElement.TryGetProperty("crv", out var c) ? c.GetString() : null;
        if (kty is not ("EC" or "EC-HSM") || crv != "P-256K")
        {
            return await ErrorAsync(response, 400, "BadParameter", $"kty '{kty}' / crv '{crv}': this fake makes EC or EC-HSM keys on P-256K");
        }
        var key = PrivateKey.Generate();
        var version = Guid.NewGuid().ToString("N");
        _keys[name] = (version, key);
        Created.Enqueue((name, kty!));
        await response.WriteAsJsonAsync(KeyBundle(new Uri(Uri, $"keys/{name}/{version}").AbsoluteUri, key));
        return 200;
    }

    /// <summary>Keys made by POST keys/{name}/create: name and kty.</summary>
    public ConcurrentQueue<(string Name, string Kty)> Created { get; } = new();

    /// <summary>Keys deleted by DELETE keys/{name}.</summary>
    public ConcurrentQueue<string> Deleted { get; } = new();

    /// <summary>Whether the vault holds a key of that name now.</summary>
    public bool Holds(string name) => _keys.ContainsKey(name);

    private static JsonObject KeyBundle(string kid, PrivateKey key) => new()
    {
        ["key"] = new JsonObject
        {
            ["kid"] = kid, ["kty"] = "EC-HSM", ["key_ops"] = new JsonArray("sign", "verify"), ["crv"] = "P-256K",
            ["x"] = Base64Url(key.PublicKey.X.ToArray()), ["y"] = Base64Url(key.PublicKey.Y.ToArray()),
        },
        ["attributes"] = new JsonObject { ["enabled"] = true, ["exportable"] = false },
    };

    private static readonly BigInteger Order = new(Secp256k1.Order, isUnsigned: true, isBigEndian: true);

    private static async Task<int> ErrorAsync(HttpResponse response, int status, string code, string message, string? innerCode = null)
    {
        response.StatusCode = status;
        var error = new JsonObject { ["code"] = code, ["message"] = message };
        if (innerCode is not null)
        {
            error["innererror"] = new JsonObject { ["code"] = innerCode };
        }
        await response.WriteAsJsonAsync(new JsonObject { ["error"] = error });
        return status;
    }

    private static X509Certificate2 CreateCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] FromBase64Url(string text)
    {
        var base64 = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '='));
    }
}

/// <summary>A TokenCredential that records what it was asked for and hands out a token naming tenant and scope.</summary>
public sealed class FakeCredential : TokenCredential
{
    public ConcurrentQueue<TokenRequestContext> Requests { get; } = new();

    public static string TokenFor(string? tenant, string scope) => $"token.{tenant}.{scope.Replace('/', '_')}";

    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
    {
        Requests.Enqueue(requestContext);
        return new AccessToken(TokenFor(requestContext.TenantId, requestContext.Scopes.Single()), DateTimeOffset.UtcNow.AddHours(1));
    }

    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        ValueTask.FromResult(GetToken(requestContext, cancellationToken));
}
