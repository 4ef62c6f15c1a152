using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Hosting.Contracts.Keys;
using Hosting.Contracts.Telemetry;
using Hosting.Contracts.Tenants;
using Hosting.Portal.Access;
using Hosting.Signing;
using Hosting.Signing.AzureKeyVault;
using Hosting.Signing.Pkcs11;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Hosting.Portal.Keys;

/// <summary>
/// Keys made for a tenant inside the HSM (or the configured Key Vault): the private key is generated there (sensitive, never extractable),
/// recorded in key custody as the tenant's and imported as one of its sequencers, as a keystore import is; it is then
/// listed by <c>GET /eth/v1/remotekeys</c>. The operator page's form calls the same <see cref="GenerateAsync"/>.
/// </summary>
public static partial class KeyGenerationEndpoints
{
    public static IEndpointRouteBuilder MapKeyGeneration(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/api/v1/tenants/{tenantId}/keys", PostAsync)
            .WithTags("Keys").RequireAuthorization(TenantAccessRequirement.Policy)
            .WithSummary("Generate a key inside the configured HSM for the tenant; it becomes one of the tenant's sequencers")
            .Accepts<GenerateKeyRequest>("application/json")
            .Produces<GeneratedKey>(201).ProducesValidationProblem().ProducesProblem(404).ProducesProblem(409).ProducesProblem(503);
        return routes;
    }

    /// <summary>
    /// The backends a key can be generated in from this server, by their API names: in this process's custody, or on a
    /// silo of the cluster configured for the backend (asked through its key-backend grain).
    /// </summary>
    public static async Task<IReadOnlyList<string>> GeneratingBackendsAsync(IServiceProvider services, IGrainFactory grains)
    {
        var custody = services.GetService<KeyCustody>();
        var found = new List<string>();
        foreach (var backend in new[] { SigningBackend.Pkcs11, SigningBackend.AzureKeyVault })
        {
            var name = KeyNames.Of(backend);
            if (custody?.HasBackend(backend) == true ? custody.CanGenerate(backend) : await GeneratesOnAnySiloAsync(grains, name))
            {
                found.Add(name);
            }
        }
        return found;
    }

    private static async Task<bool> GeneratesOnAnySiloAsync(IGrainFactory grains, string backend)
    {
        try
        {
            return await grains.GetGrain<IKeyBackendGrain>(backend).GeneratesKeysAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception e) when (e is OrleansException or TimeoutException or InvalidOperationException)
        {
            return false;
        }
    }

    private static async Task<IResult> PostAsync(HttpContext http, string tenantId, IGrainFactory grains)
    {
        var (request, bad) = await RequestBody.ReadAsync<GenerateKeyRequest>(http.Request);
        if (bad is not null)
        {
            return bad;
        }
        var outcome = await GenerateAsync(http.RequestServices, grains, tenantId, request!.Backend, request.Label,
            http.User.FindFirst(ClaimTypes.Name)?.Value ?? "unknown", http.RequestAborted);
        if (outcome.Key is { } key)
        {
            return Results.Created($"/api/v1/tenants/{tenantId}/sequencers/{key.Address}", key);
        }
        return outcome.Status == StatusCodes.Status400BadRequest
            ? RequestBody.Invalid(outcome.Field!, outcome.Message)
            : Results.Problem(title: outcome.Title, detail: outcome.Message, statusCode: outcome.Status,
                extensions: outcome.Field is { } field ? new Dictionary<string, object?> { ["field"] = field } : null);
    }

    /// <summary>
    /// Generates a key for <paramref name="tenant"/> in the backend named <paramref name="backendName"/>
    /// (<c>pkcs11</c>, <c>azure_key_vault</c>) and hosts it. Every failure names the field or setting that was wrong; when the HSM fails
    /// nothing is recorded.
    /// </summary>
    public static async Task<KeyGeneration> GenerateAsync(IServiceProvider services, IGrainFactory grains, string tenant, string? backendName, string? label, string requestedBy, CancellationToken cancellationToken)
    {
        var name = backendName?.Trim().ToLowerInvariant();
        SigningBackend backend;
        switch (name)
        {
            case null or "":
                return KeyGeneration.Invalid("backend", "Name the backend to generate the key in: pkcs11 or azure_key_vault.");
            case "pkcs11":
                backend = SigningBackend.Pkcs11;
                break;
            case "azure_key_vault":
                backend = SigningBackend.AzureKeyVault;
                break;
            case "keystore":
                return KeyGeneration.Invalid("backend", "Keystore keys are not generated by the platform: import a keystore (POST /eth/v1/keystores) or name an HSM backend: pkcs11 or azure_key_vault.");
            default:
                return KeyGeneration.Invalid("backend", $"'{backendName}' is not a key backend; expected pkcs11 or azure_key_vault.");
        }
        // Here when this process holds the backend (the co-hosted portal of a silo configured for it); otherwise on a
        // silo that does, through its key-backend grain (the standalone portal has no custody of its own).
        var local = services.GetService<KeyCustody>() is { } custody && custody.HasBackend(backend) ? custody : null;
        if (local is not null && !local.CanGenerate(backend))
        {
            return KeyGeneration.Invalid("backend", $"The {name} backend does not generate keys here: create the key there and register it with POST /eth/v1/remotekeys.");
        }
        var given = label?.Trim();
        if (given is { Length: > 0 } && !LabelPattern().IsMatch(given))
        {
            return KeyGeneration.Invalid("label", $"'{given}' is not a key label: use 1-64 letters, digits, dots, dashes and underscores, starting with a letter or digit.");
        }
        if (await grains.GetGrain<ITenantGrain>(tenant).GetAsync() is null)
        {
            return KeyGeneration.Failed(StatusCodes.Status404NotFound, "Unknown tenant", null, $"No tenant has the id '{tenant}'.");
        }
        // Labels name keys in the whole token: the tenant's id in front keeps one tenant's names apart from another's.
        var tokenLabel = $"{tenant}.{(given is { Length: > 0 } ? given : Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)))}";
        var outcome = local is not null
            ? await GenerateHereAsync(local, tenant, backend, tokenLabel, requestedBy, cancellationToken)
            : await GenerateOnBackendSiloAsync(grains, name, tenant, tokenLabel, requestedBy, cancellationToken);
        if (outcome.Address is not { } address)
        {
            return outcome.Failure switch
            {
                KeyBackendFailure.NotConfigured => KeyGeneration.Failed(StatusCodes.Status503ServiceUnavailable, "Backend not configured", "backend", backend == SigningBackend.Pkcs11
                    ? $"The pkcs11 backend is not configured on any silo of the cluster: the platform admin sets Hosting:Keys:Pkcs11:TokenLabel, LibraryPath and UserPinFile (or UserPinVariable) on at least one. ({outcome.Message})"
                    : $"The azure_key_vault backend is not configured on any silo of the cluster: the platform admin sets Hosting:Keys:KeyVault:VaultUrl (and Credential) on at least one. ({outcome.Message})"),
                KeyBackendFailure.LabelTaken => KeyGeneration.Failed(StatusCodes.Status409Conflict, "Label taken", "label", $"This tenant already has a key labelled '{given}' in the {name} backend; pick another label. ({outcome.Message})"),
                KeyBackendFailure.Refused => KeyGeneration.Failed(StatusCodes.Status409Conflict, "Not recorded", null, $"The key was generated but custody refused it, so it was destroyed again: {outcome.Message}"),
                _ => KeyGeneration.Failed(StatusCodes.Status503ServiceUnavailable, "The backend could not generate the key", "backend", $"Nothing was generated or recorded: {outcome.Message}"),
            };
        }
        if (await KeyManagerEndpoints.HostAsync(grains, tenant, address) is { } refused)
        {
            return KeyGeneration.Failed(StatusCodes.Status409Conflict, "Not hosted", null, $"The key {address} is in custody but not hosted: {refused}");
        }
        return new KeyGeneration(new GeneratedKey(address.ToString(), name, outcome.KeyReference!, tokenLabel), StatusCodes.Status201Created, null, null, "");
    }

    private static async Task<KeyBackendOutcome> GenerateHereAsync(KeyCustody custody, string tenant, SigningBackend backend, string label, string requestedBy, CancellationToken cancellationToken)
    {
        try
        {
            var key = await custody.GenerateKeyAsync(tenant, backend, label, requestedBy, cancellationToken);
            return new KeyBackendOutcome(key.Address, key.KeyReference, KeyBackendFailure.None, "", "");
        }
        catch (KeyBackendException failure) when (failure is HsmException { Problem: HsmProblem.LabelTaken } or KeyVaultException { ErrorCode: KeyVaultBackend.KeyExists })
        {
            return new KeyBackendOutcome(null, null, KeyBackendFailure.LabelTaken, failure.Message, "");
        }
        catch (KeyBackendException failure)
        {
            return new KeyBackendOutcome(null, null, KeyBackendFailure.BackendFailed, failure.Message, "");
        }
        catch (KeyCustodyException failure)
        {
            return new KeyBackendOutcome(null, null, KeyBackendFailure.Refused, failure.Message, "");
        }
    }

    private static async Task<KeyBackendOutcome> GenerateOnBackendSiloAsync(IGrainFactory grains, string backend, string tenant, string label, string requestedBy, CancellationToken cancellationToken)
    {
        try
        {
            return await grains.GetGrain<IKeyBackendGrain>(backend).GenerateAsync(tenant, label, requestedBy).WaitAsync(cancellationToken);
        }
        catch (Exception e) when (e is OrleansException or TimeoutException or InvalidOperationException)
        {
            // No silo could take the call (a silo without key custody places nothing for a backend).
            return new KeyBackendOutcome(null, null, KeyBackendFailure.NotConfigured, $"no silo took the generation: {e.Message}", "");
        }
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex LabelPattern();
}

/// <summary>
/// What to generate: <c>backend</c> is <c>pkcs11</c> or <c>azure_key_vault</c>; <c>label</c> (optional, 1-64 letters, digits, <c>.-_</c>)
/// names the key in the token after the tenant's id, a random one when absent.
/// </summary>
public sealed record GenerateKeyRequest([property: JsonPropertyName("backend")] string? Backend, [property: JsonPropertyName("label")] string? Label);

/// <summary>The key made: its address (the sequencer), the backend, the reference registered (a pkcs11: URI) and its label in the token.</summary>
public sealed record GeneratedKey(
    [property: JsonPropertyName("address")] string Address,
    [property: JsonPropertyName("backend")] string Backend,
    [property: JsonPropertyName("url")] string Url,
    [property: JsonPropertyName("label")] string Label);

/// <summary>A generated key, or the status, the field and the message of why not.</summary>
public sealed record KeyGeneration(GeneratedKey? Key, int Status, string? Field, string? Title, string Message)
{
    internal static KeyGeneration Invalid(string field, string message) => new(null, StatusCodes.Status400BadRequest, field, "Invalid request", message);

    internal static KeyGeneration Failed(int status, string title, string? field, string message) => new(null, status, field, title, message);
}
