using System.Text.Json;
using Hosting.TestKit;

namespace Hosting.L1.Tests.Peers;

/// <summary>infra/l1 compiled by forge into a temporary folder once per test class: the real ABIs and bytecode.</summary>
public sealed class ForgeBuild : IAsyncLifetime
{
    private readonly string _out = Directory.CreateTempSubdirectory("l1-forge-out-").FullName;

    public async Task InitializeAsync()
    {
        // foundry.toml names solc by a path relative to infra/l1, so forge must run from there.
        var script = $"cd '{RepositoryRoot.Combine("infra", "l1")}' && '{Tools.Forge}' build --out '{_out}'";
        var result = await ProcessRunner.RunAsync("bash", ["-c", script], timeout: TimeSpan.FromMinutes(3));
        result.EnsureSuccess("forge build");
    }

    public bool Has(string contract) => File.Exists(ArtifactPath(contract));

    public JsonElement Artifact(string contract) =>
        JsonDocument.Parse(File.ReadAllText(ArtifactPath(contract))).RootElement.Clone();

    public byte[] Bytecode(string contract) => Hex.Decode(Artifact(contract).GetProperty("bytecode").GetProperty("object").GetString()!);

    private string ArtifactPath(string contract) => Path.Combine(_out, $"{contract}.sol", $"{contract}.json");

    public Task DisposeAsync()
    {
        Directory.Delete(_out, recursive: true);
        return Task.CompletedTask;
    }
}
