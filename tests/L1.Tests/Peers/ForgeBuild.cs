using System.Text.Json;
using Hosting.TestKit;

namespace Hosting.L1.Tests.Peers;

/// <summary>
/// infra/l1 as forge builds it, once per test class: the real ABIs and bytecode. Built in place (infra/l1/out, the
/// artifacts `./hosting test` builds before the .NET tests), so forge's cache answers at once instead of compiling
/// everything again with solcjs into a fresh folder, which took minutes on a loaded machine.
/// </summary>
public sealed class ForgeBuild : IAsyncLifetime
{
    private readonly string _out = RepositoryRoot.Combine("infra", "l1", "out");

    public async Task InitializeAsync()
    {
        // foundry.toml names solc by a path relative to infra/l1, so forge must run from there.
        var script = $"cd '{RepositoryRoot.Combine("infra", "l1")}' && '{Tools.Forge}' build";
        var result = await ProcessRunner.RunAsync("bash", ["-c", script], timeout: TimeSpan.FromMinutes(6));
        result.EnsureSuccess("forge build");
    }

    public bool Has(string contract) => File.Exists(ArtifactPath(contract));

    public JsonElement Artifact(string contract) =>
        JsonDocument.Parse(File.ReadAllText(ArtifactPath(contract))).RootElement.Clone();

    public byte[] Bytecode(string contract) => Hex.Decode(Artifact(contract).GetProperty("bytecode").GetProperty("object").GetString()!);

    private string ArtifactPath(string contract) => Path.Combine(_out, $"{contract}.sol", $"{contract}.json");

    public Task DisposeAsync() => Task.CompletedTask;
}
