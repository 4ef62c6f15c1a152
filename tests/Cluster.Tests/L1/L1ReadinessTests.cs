using System.Net;
using System.Text.Json;
using Hosting.Silo;
using Hosting.TestKit;

namespace Hosting.Cluster.Tests.L1;

/// <summary>/readyz says ready only while the follower keeps up with a live L1, and names "l1" when it does not.</summary>
[Collection(ChainCollection.Name)]
public sealed class L1ReadinessTests
{
    [Fact]
    public async Task Readiness_follows_the_l1_and_names_it_when_the_node_goes_away()
    {
        var file = Path.Combine(RepositoryRoot.Combine(".run"), "tests", $"deployment-{Guid.NewGuid():N}.json");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        var anvil = await ChainUnderTest.StartDeployedAnvilAsync(file);
        var httpPort = FreePort.Next();
        var app = SiloApplication.Build([
            "--Hosting:Mode=Devnet",
            $"--Hosting:SiloPort={FreePort.Next()}",
            $"--Hosting:GatewayPort={FreePort.Next()}",
            $"--Hosting:L1:RpcUrls:0={anvil.RpcUrl}",
            $"--Hosting:L1:DeploymentFile={file}",
            "--Hosting:L1:PollMilliseconds=200",
            $"--urls=http://127.0.0.1:{httpPort}",
        ]);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
        try
        {
            await app.StartAsync();
            await anvil.MineAsync(3);
            Assert.True(await Eventually.WaitAsync(async () => (await ReadyAsync(http)).Status == HttpStatusCode.OK, TimeSpan.FromSeconds(60)),
                "the silo never became ready while following a live anvil");
            var ready = await ReadyAsync(http);
            Assert.Equal("Healthy", ready.Body.GetProperty("checks").GetProperty("l1").GetProperty("status").GetString());

            await anvil.DisposeAsync();
            Assert.True(await Eventually.WaitAsync(async () => (await ReadyAsync(http)).Status == HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(30)),
                "readiness stayed green with the L1 node gone");
            var failing = (await ReadyAsync(http)).Body.GetProperty("failing").EnumerateArray().Select(e => e.GetString()).ToList();
            Assert.Contains("l1", failing);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            await anvil.DisposeAsync();
            File.Delete(file);
        }
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> ReadyAsync(HttpClient http)
    {
        using var response = await http.GetAsync("/readyz");
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }
}
