using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hosting.TestKit;

namespace Hosting.Portal.Tests;

/// <summary>Tenants, their tokens and real keystores (made by foundry's cast) for the portal tests.</summary>
public static class PortalTenants
{
    /// <summary>A new tenant and a token of its own.</summary>
    public static async Task<(string Tenant, string Token)> CreateAsync(DevnetSilo silo)
    {
        var id = "t-" + Guid.NewGuid().ToString("N")[..10];
        (await silo.Http.PutAsJsonAsync($"/api/v1/tenants/{id}", new { displayName = id })).EnsureSuccessStatusCode();
        var issued = await silo.Http.PostAsJsonAsync($"/api/v1/tenants/{id}/tokens", new { label = "ops" });
        Assert.Equal(HttpStatusCode.Created, issued.StatusCode);
        return (id, (await issued.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!);
    }

    /// <summary>A fresh keystore file written by <c>cast wallet new</c>: its path, JSON and address (lower case).</summary>
    public static async Task<(string Path, string Json, string Address)> CastKeystoreAsync(string password)
    {
        var directory = Directory.CreateTempSubdirectory("portal-keystore-").FullName;
        var result = (await ProcessRunner.RunAsync(Tools.Cast, ["wallet", "new", directory, "--unsafe-password", password]))
            .EnsureSuccess("cast wallet new");
        var address = result.Output.Split('\n').Single(l => l.StartsWith("Address:", StringComparison.Ordinal))["Address:".Length..].Trim().ToLowerInvariant();
        var path = Directory.GetFiles(directory).Single();
        var json = await File.ReadAllTextAsync(path);
        var named = System.IO.Path.Combine(directory, "keystore.json");
        File.Move(path, named);
        return (named, json, address);
    }
}
