using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;

namespace Hosting.Portal.Access;

/// <summary>
/// What the portal does with a request before it reaches an endpoint: believes forwarded headers only from the
/// proxies it was told about (so behind one the SIWE domain is the host the browser used, and the client address
/// is the browser's), and nothing from anyone else.
/// </summary>
public static class PortalEdge
{
    /// <summary>Call before authentication and the rate limiter, in every host of the portal.</summary>
    public static IApplicationBuilder UsePortalForwardedHeaders(this IApplicationBuilder app, PortalOptions options)
    {
        if (options.KnownProxies.Length == 0 && options.KnownNetworks.Length == 0)
        {
            return app;
        }
        var forwarded = new ForwardedHeadersOptions
        {
            ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedHost | ForwardedHeaders.XForwardedProto,
        };
        // The defaults trust loopback; only what was configured is trusted here.
        forwarded.KnownProxies.Clear();
        forwarded.KnownIPNetworks.Clear();
        foreach (var proxy in options.KnownProxies)
        {
            forwarded.KnownProxies.Add(IPAddress.Parse(proxy));
        }
        foreach (var network in options.KnownNetworks)
        {
            forwarded.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
        }
        return app.UseForwardedHeaders(forwarded);
    }
}

/// <summary>
/// The nonce endpoint's limit per client address: a nonce is the one SIWE resource anyone may ask for, and each
/// one is held in the cluster for ten minutes. Over the limit: 429, Retry-After, and a problem saying when.
/// </summary>
public sealed class SiweNonceRateLimit(PortalOptions options) : IRateLimiterPolicy<string>
{
    public const string Policy = "siwe-nonce";

    public RateLimitPartition<string> GetPartition(HttpContext httpContext) => RateLimitPartition.GetFixedWindowLimiter(
        httpContext.Connection.RemoteIpAddress?.ToString() ?? "unknown",
        _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = options.NoncePermitsPerWindow,
            Window = TimeSpan.FromSeconds(options.NonceWindowSeconds),
            QueueLimit = 0,
        });

    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected => async (rejected, _) =>
    {
        var response = rejected.HttpContext.Response;
        var seconds = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
            ? (int)Math.Ceiling(retryAfter.TotalSeconds)
            : options.NonceWindowSeconds;
        response.StatusCode = StatusCodes.Status429TooManyRequests;
        response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        response.Headers.CacheControl = "no-store";
        await Results.Problem(
            title: "Too many sign-in attempts",
            detail: $"This address may ask for {options.NoncePermitsPerWindow} sign-in nonces per {options.NonceWindowSeconds} s; try again in {seconds} s.",
            statusCode: StatusCodes.Status429TooManyRequests,
            extensions: new Dictionary<string, object?> { ["retryAfterSeconds"] = seconds }).ExecuteAsync(rejected.HttpContext);
    };
}
