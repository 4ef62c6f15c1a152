namespace Hosting.TestKit;

/// <summary>The pinned foundry binaries from the repository's node_modules (npm ci installs them).</summary>
public static class Tools
{
    public static string Anvil => Find("anvil");
    public static string Cast => Find("cast");
    public static string Forge => Find("forge");

    private static string Find(string name)
    {
        var path = RepositoryRoot.Combine("node_modules", "@foundry-rs", $"{name}-linux-amd64", "bin", name);
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"{name} is not installed at {path}: run ./hosting test (it runs npm ci) or npm ci at the repository root.", path);
    }
}
