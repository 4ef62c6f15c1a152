using System.Runtime.InteropServices;

namespace Hosting.TestKit;

/// <summary>
/// One SoftHSM2 token for this test process: SoftHSM reads SOFTHSM2_CONF once, at the first C_Initialize, and the
/// PKCS#11 library stays loaded for the process, so every silo here shares this token (tests keep apart by tenant).
/// The user PIN is written to a file, as an operator mounts it, and given to silos by Hosting:Keys:Pkcs11:UserPinFile.
/// </summary>
public static class SoftHsm
{
    public const string Library = "/usr/lib/softhsm/libsofthsm2.so";
    public const string Label = "hosting-test";
    public const string Pin = "40512";

    private static readonly Lazy<Task<string>> Directory = new(CreateAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The file holding the PIN, once the token exists.</summary>
    public static async Task<string> PinFileAsync() => Path.Combine(await Directory.Value, "user.pin");

    /// <summary>The silo settings that enable the PKCS#11 backend on this token (or on <paramref name="tokenLabel"/>, to name one that is not there).</summary>
    public static async Task<IReadOnlyDictionary<string, string?>> SettingsAsync(string tokenLabel = Label) => new Dictionary<string, string?>
    {
        ["Hosting:Keys:Pkcs11:TokenLabel"] = tokenLabel,
        ["Hosting:Keys:Pkcs11:LibraryPath"] = Library,
        ["Hosting:Keys:Pkcs11:UserPinFile"] = await PinFileAsync(),
    };

    private static async Task<string> CreateAsync()
    {
        if (!File.Exists(Library))
        {
            throw new InvalidOperationException($"SoftHSM2 is not installed ({Library} is missing): apt-get install softhsm2, or run ./hosting test which installs it.");
        }
        var directory = System.IO.Directory.CreateTempSubdirectory("hosting_softhsm_").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => System.IO.Directory.Delete(directory, recursive: true);
        var tokens = Path.Combine(directory, "tokens");
        System.IO.Directory.CreateDirectory(tokens);
        var config = Path.Combine(directory, "softhsm2.conf");
        await File.WriteAllTextAsync(config, $"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n");
        // .NET's SetEnvironmentVariable changes only the managed copy on Linux; SoftHSM calls getenv, so set the native one too.
        Environment.SetEnvironmentVariable("SOFTHSM2_CONF", config);
        if (SetNativeEnvironment("SOFTHSM2_CONF", config, 1) != 0)
        {
            throw new InvalidOperationException("setenv(SOFTHSM2_CONF) failed.");
        }
        (await ProcessRunner.RunAsync("softhsm2-util", ["--init-token", "--free", "--label", Label, "--so-pin", "0000", "--pin", Pin],
            environment: new Dictionary<string, string> { ["SOFTHSM2_CONF"] = config })).EnsureSuccess("softhsm2-util --init-token");
        await File.WriteAllTextAsync(Path.Combine(directory, "user.pin"), Pin + "\n");
        return directory;
    }

    [DllImport("libc.so.6", EntryPoint = "setenv")]
    private static extern int SetNativeEnvironment([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);
}
