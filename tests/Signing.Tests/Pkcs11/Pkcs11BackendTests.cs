using Hosting.L1.Crypto;
using Hosting.Signing.Pkcs11;
using Hosting.Signing.Tests.Support;
using Hosting.TestKit;

namespace Hosting.Signing.Tests.Pkcs11;

/// <summary>
/// The process's SoftHSM2 token from the test kit (<see cref="SoftHsm"/>: a private SOFTHSM2_CONF pointing at a
/// temporary token directory, initialised with softhsm2-util), so no manual set-up is needed (./hosting test
/// installs softhsm2).
/// </summary>
public sealed class SoftHsmToken : IAsyncLifetime
{
    public const string Library = SoftHsm.Library;
    public const string Label = SoftHsm.Label;
    public const string Pin = SoftHsm.Pin;

    public Pkcs11Options Options => new() { LibraryPath = Library, TokenLabel = Label, UserPin = Pin, Sessions = 4 };

    public Task InitializeAsync() => SoftHsm.PinFileAsync();

    public Task DisposeAsync() => Task.CompletedTask;
}

[CollectionDefinition(Name)]
public sealed class SoftHsmCollection : ICollectionFixture<SoftHsmToken>
{
    public const string Name = "softhsm";
}

[Collection(SoftHsmCollection.Name)]
public sealed class Pkcs11BackendTests(SoftHsmToken token) : IAsyncLifetime
{
    private readonly SafetyDatabase _database = new();

    public Task InitializeAsync() => _database.InitializeAsync();

    public Task DisposeAsync() => _database.DisposeAsync();

    [Fact]
    public async Task test_generate_keyStaysInTheToken()
    {
        using var hsm = new Pkcs11Backend(token.Options);
        var (reference, address) = await hsm.GenerateKeyAsync("seq-kept");

        var (sensitive, extractable, neverExtractable) = await hsm.DescribeKeyAsync(reference);

        Assert.True(sensitive);
        Assert.False(extractable);
        Assert.True(neverExtractable);
        Assert.Equal(address, await hsm.ResolveAddressAsync(reference));
        Assert.Equal(address, await hsm.ResolveAddressAsync("seq-kept"));
    }

    [Fact]
    public async Task test_sign_throughGate_lowSRecoversToTheKey()
    {
        using var hsm = new Pkcs11Backend(token.Options);
        var (reference, address) = await hsm.GenerateKeyAsync("seq-gate");
        await using var scope = new GateScope(_database, extraBackends: [hsm]);
        var key = await scope.Custody.RegisterAsync("acme", Contracts.Telemetry.SigningBackend.Pkcs11, reference, "test");
        Assert.Equal(address, key.Address);

        // ECDSA from the token is randomised and high s half the time: many signatures exercise both parities and the s flip.
        for (ulong slot = 1; slot <= 40; slot++)
        {
            var signed = await scope.SignAsync("acme", address, slot, 1);
            Assert.Null(Secp256k1.FindProblem(signed.Signature));
            Assert.Equal(address, Secp256k1.Default.RecoverAddress(signed.PayloadHash, signed.Signature));
        }
        Assert.True((await scope.SignAsync("acme", address, 40, 1)).Repeated);
        Assert.Equal(SigningRefusal.ConflictingPayload, (await Assert.ThrowsAsync<SigningRefusedException>(() => scope.SignAsync("acme", address, 40, 2))).Refusal);
    }

    [Fact]
    public async Task test_tokenMissing_typedErrorNamesTheLabel_nothingSigned()
    {
        using var present = new Pkcs11Backend(token.Options);
        var (reference, address) = await present.GenerateKeyAsync("seq-missing");
        await using var registering = new GateScope(_database, extraBackends: [present]);
        await registering.Custody.RegisterAsync("acme", Contracts.Telemetry.SigningBackend.Pkcs11, reference, "test");

        var options = token.Options;
        options.TokenLabel = "unplugged-token";
        using var missing = new Pkcs11Backend(options);
        await using var scope = new GateScope(_database, "node-b", [missing]);

        var failure = await Assert.ThrowsAsync<HsmException>(() => scope.SignAsync("acme", address, 1, 1));

        Assert.Equal(HsmProblem.TokenMissing, failure.Problem);
        Assert.Contains("unplugged-token", failure.Message, StringComparison.Ordinal);
        Assert.Contains(SoftHsmToken.Label, failure.Message, StringComparison.Ordinal);
        Assert.Equal(0, await _database.CountAsync("select count(*) from signed_duties"));
    }

    [Fact]
    public async Task test_generateThroughCustody_registersTheTenantsKey_labelTakenIsTyped_andAFailedRegistrationDestroysTheKey()
    {
        using var hsm = new Pkcs11Backend(token.Options);
        await using var scope = new GateScope(_database, extraBackends: [hsm]);

        var key = await scope.Custody.GenerateKeyAsync("acme", Contracts.Telemetry.SigningBackend.Pkcs11, "acme.gen-1", "test");
        Assert.Equal(("acme", "pkcs11:object=acme.gen-1"), (key.Tenant, key.KeyReference));
        Assert.Equal(key.Address, await hsm.ResolveAddressAsync("acme.gen-1"));
        var taken = await Assert.ThrowsAsync<HsmException>(() => scope.Custody.GenerateKeyAsync("acme", Contracts.Telemetry.SigningBackend.Pkcs11, "acme.gen-1", "test"));
        Assert.Equal(HsmProblem.LabelTaken, taken.Problem);
        Assert.Single(await scope.Custody.ListKeysAsync("acme"));

        // Custody whose database cannot be reached: the token makes the key, recording it fails, the key is destroyed again.
        await using var unreachable = Npgsql.NpgsqlDataSource.Create("Host=127.0.0.1;Port=1;Username=nobody;Timeout=2");
        var broken = new KeyCustody(unreachable, [hsm]);
        await Assert.ThrowsAnyAsync<Exception>(() => broken.GenerateKeyAsync("acme", Contracts.Telemetry.SigningBackend.Pkcs11, "acme.lost", "test"));
        Assert.Equal(HsmProblem.KeyNotFound, (await Assert.ThrowsAsync<HsmException>(() => hsm.ResolveAddressAsync("acme.lost"))).Problem);
    }

    [Fact]
    public async Task test_unknownKeyLabel_and_missingLibrary_typed()
    {
        using var hsm = new Pkcs11Backend(token.Options);
        var unknown = await Assert.ThrowsAsync<HsmException>(() => hsm.ResolveAddressAsync("pkcs11:object=nobody"));
        Assert.Equal(HsmProblem.KeyNotFound, unknown.Problem);
        Assert.Contains("'nobody'", unknown.Message, StringComparison.Ordinal);

        using var nowhere = new Pkcs11Backend(new Pkcs11Options { LibraryPath = "/nonexistent/libpkcs11.so", TokenLabel = "x", UserPin = "1" });
        var missing = await Assert.ThrowsAsync<HsmException>(() => nowhere.ResolveAddressAsync("k"));
        Assert.Equal(HsmProblem.LibraryMissing, missing.Problem);
        Assert.Contains("/nonexistent/libpkcs11.so", missing.Message, StringComparison.Ordinal);
    }
}
