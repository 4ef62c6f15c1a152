using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Telemetry;
using Hosting.L1.Crypto;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace Hosting.Signing.Pkcs11;

/// <summary>
/// secp256k1 keys inside a PKCS#11 token (SoftHSM2 in tests, a network HSM in production) through
/// Pkcs11Interop. Keys are generated in the token, sensitive and never extractable; the token signs the digest
/// with CKM_ECDSA and returns r ‖ s, which becomes an Ethereum signature by lowering s and finding the recovery
/// id against the key's address. A key reference is the key's label (CKA_LABEL), or an RFC 7512 URI
/// <c>pkcs11:object=&lt;label&gt;</c>.
/// </summary>
public sealed class Pkcs11Backend : IKeyBackend, IDisposable
{
    /// <summary>DER of the secp256k1 OID 1.3.132.0.10, the CKA_EC_PARAMS of every key here.</summary>
    private static readonly byte[] Secp256k1Parameters = [0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x0A];

    // PKCS#11 is initialised once per process and library; every backend on the same module shares it.
    private static readonly ConcurrentDictionary<string, Lazy<IPkcs11Library>> Libraries = new();

    private readonly Pkcs11Options _options;
    private readonly Pkcs11InteropFactories _factories = new();
    private readonly Lazy<ISlot> _slot;
    private readonly ConcurrentBag<ISession> _idle = [];
    private readonly SemaphoreSlim _sessions;
    private readonly ConcurrentDictionary<string, (IObjectHandle Handle, Address Address)> _keys = new();
    private int _loggedIn;

    static Pkcs11Backend()
    {
        // Pkcs11Interop binds dlopen from "libdl", which .NET looks up as libdl.so: a development symlink that
        // runtime images (Debian 12, our container) do not have. glibc's real files are libdl.so.2 and libc.so.6.
        NativeLibrary.SetDllImportResolver(typeof(Pkcs11InteropFactories).Assembly, (name, assembly, path) =>
            name == "libdl" && OperatingSystem.IsLinux()
                ? (NativeLibrary.TryLoad("libdl.so.2", out var handle) || NativeLibrary.TryLoad("libc.so.6", out handle) ? handle : IntPtr.Zero)
                : IntPtr.Zero);
    }

    /// <summary>Connects lazily: the library loads and the token is found at the first call, so a missing token is a typed error then, not a start-up crash.</summary>
    public Pkcs11Backend(Pkcs11Options options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _sessions = new SemaphoreSlim(Math.Max(1, options.Sessions));
        _slot = new Lazy<ISlot>(FindSlot, LazyThreadSafetyMode.PublicationOnly);
    }

    /// <inheritdoc />
    public SigningBackend Backend => SigningBackend.Pkcs11;

    /// <summary>
    /// Generates a secp256k1 key pair inside the token: the private key is CKA_SENSITIVE, not CKA_EXTRACTABLE and
    /// signs only. Returns the reference to register and the key's address.
    /// </summary>
    public Task<(string KeyReference, Address Address)> GenerateKeyAsync(string label, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(label);
        return WithSessionAsync($"generating key '{label}'", session =>
        {
            if (FindObjects(session, CKO.CKO_PRIVATE_KEY, label).Count > 0)
            {
                throw new HsmException(HsmProblem.LabelTaken, $"Token '{_options.TokenLabel}' already holds a key labelled '{label}'; labels name keys, so pick another.");
            }
            var id = Encoding.UTF8.GetBytes(label);
            var attributes = _factories.ObjectAttributeFactory;
            List<IObjectAttribute> publicTemplate =
            [
                attributes.Create(CKA.CKA_TOKEN, true),
                attributes.Create(CKA.CKA_PRIVATE, false),
                attributes.Create(CKA.CKA_VERIFY, true),
                attributes.Create(CKA.CKA_LABEL, label),
                attributes.Create(CKA.CKA_ID, id),
                attributes.Create(CKA.CKA_EC_PARAMS, Secp256k1Parameters),
            ];
            List<IObjectAttribute> privateTemplate =
            [
                attributes.Create(CKA.CKA_TOKEN, true),
                attributes.Create(CKA.CKA_PRIVATE, true),
                attributes.Create(CKA.CKA_SENSITIVE, true),
                attributes.Create(CKA.CKA_EXTRACTABLE, false),
                attributes.Create(CKA.CKA_SIGN, true),
                attributes.Create(CKA.CKA_DERIVE, false),
                attributes.Create(CKA.CKA_LABEL, label),
                attributes.Create(CKA.CKA_ID, id),
            ];
            using var mechanism = _factories.MechanismFactory.Create(CKM.CKM_EC_KEY_PAIR_GEN);
            session.GenerateKeyPair(mechanism, publicTemplate, privateTemplate, out var publicKey, out var privateKey);
            var address = ReadAddress(session, publicKey, label);
            _keys[label] = (privateKey, address);
            return ($"pkcs11:object={label}", address);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public bool GeneratesKeys => true;

    /// <summary>
    /// Destroys the private and public key labelled as <paramref name="keyReference"/> names (a key whose registration
    /// failed, or a deleted key). A token that holds neither answers <see cref="HsmProblem.KeyNotFound"/>.
    /// </summary>
    public Task<string> DestroyGeneratedKeyAsync(string keyReference, CancellationToken cancellationToken = default) =>
        WithSessionAsync($"destroying key '{keyReference}'", session =>
        {
            var label = LabelOf(keyReference);
            _keys.TryRemove(label, out _);
            var objects = FindObjects(session, CKO.CKO_PRIVATE_KEY, label).Concat(FindObjects(session, CKO.CKO_PUBLIC_KEY, label)).ToList();
            if (objects.Count == 0)
            {
                throw KeyNotFound(label);
            }
            foreach (var handle in objects)
            {
                session.DestroyObject(handle);
            }
            return $"its {objects.Count} object(s) labelled '{label}' destroyed in the token";
        }, cancellationToken);

    /// <summary>The private key's CKA_SENSITIVE, CKA_EXTRACTABLE and CKA_NEVER_EXTRACTABLE, as the token reports them.</summary>
    public Task<(bool Sensitive, bool Extractable, bool NeverExtractable)> DescribeKeyAsync(string keyReference, CancellationToken cancellationToken = default) =>
        WithSessionAsync($"reading key '{keyReference}'", session =>
        {
            var label = LabelOf(keyReference);
            var handle = FindObjects(session, CKO.CKO_PRIVATE_KEY, label).FirstOrDefault() ?? throw KeyNotFound(label);
            var values = session.GetAttributeValue(handle, [CKA.CKA_SENSITIVE, CKA.CKA_EXTRACTABLE, CKA.CKA_NEVER_EXTRACTABLE]);
            return (values[0].GetValueAsBool(), values[1].GetValueAsBool(), values[2].GetValueAsBool());
        }, cancellationToken);

    /// <inheritdoc />
    public Task<Address> ResolveAddressAsync(string keyReference, CancellationToken cancellationToken = default) =>
        WithSessionAsync($"reading key '{keyReference}'", session => FindKey(session, LabelOf(keyReference)).Address, cancellationToken);

    /// <inheritdoc />
    public Task<Signature> SignDigestAsync(SigningKey key, Hash32 digest, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return WithSessionAsync($"signing with key '{key.KeyReference}'", session =>
        {
            var (handle, address) = FindKey(session, LabelOf(key.KeyReference));
            if (address != key.Address)
            {
                throw new HsmException(HsmProblem.Failed, $"Token '{_options.TokenLabel}' key '{key.KeyReference}' is {address}, not the registered {key.Address}; nothing was signed.");
            }
            using var mechanism = _factories.MechanismFactory.Create(CKM.CKM_ECDSA);
            var rs = session.Sign(mechanism, handle, digest.ToArray());
            return Secp256k1.FromCompact(Secp256k1.Default, digest, rs, address);
        }, cancellationToken);
    }

    /// <summary>Closes the sessions (the library stays loaded for the process, as PKCS#11 expects).</summary>
    public void Dispose()
    {
        while (_idle.TryTake(out var session))
        {
            session.Dispose();
        }
        _sessions.Dispose();
    }

    private static string LabelOf(string keyReference)
    {
        if (!keyReference.StartsWith("pkcs11:", StringComparison.OrdinalIgnoreCase))
        {
            return keyReference;
        }
        foreach (var attribute in keyReference["pkcs11:".Length..].Split(';'))
        {
            if (attribute.StartsWith("object=", StringComparison.Ordinal))
            {
                return Uri.UnescapeDataString(attribute["object=".Length..]);
            }
        }
        throw new HsmException(HsmProblem.KeyNotFound, $"PKCS#11 URI '{keyReference}' names no object; expected pkcs11:object=<label>.");
    }

    private (IObjectHandle Handle, Address Address) FindKey(ISession session, string label)
    {
        if (_keys.TryGetValue(label, out var known))
        {
            return known;
        }
        var privateKey = FindObjects(session, CKO.CKO_PRIVATE_KEY, label).FirstOrDefault() ?? throw KeyNotFound(label);
        var publicKey = FindObjects(session, CKO.CKO_PUBLIC_KEY, label).FirstOrDefault()
            ?? throw new HsmException(HsmProblem.KeyNotFound, $"Token '{_options.TokenLabel}' has private key '{label}' but no public key with that label to derive its address from.");
        var found = (privateKey, ReadAddress(session, publicKey, label));
        _keys[label] = found;
        return found;
    }

    private HsmException KeyNotFound(string label) =>
        new(HsmProblem.KeyNotFound, $"Token '{_options.TokenLabel}' ({_options.LibraryPath}) has no key labelled '{label}'.");

    private List<IObjectHandle> FindObjects(ISession session, CKO objectClass, string label) =>
        session.FindAllObjects(
        [
            _factories.ObjectAttributeFactory.Create(CKA.CKA_CLASS, objectClass),
            _factories.ObjectAttributeFactory.Create(CKA.CKA_LABEL, label),
        ]);

    /// <summary>CKA_EC_POINT is a DER OCTET STRING around the uncompressed point 04 ‖ x ‖ y.</summary>
    private Address ReadAddress(ISession session, IObjectHandle publicKey, string label)
    {
        var point = session.GetAttributeValue(publicKey, [CKA.CKA_EC_POINT])[0].GetValueAsByteArray();
        var raw = point.Length == 67 && point[0] == 0x04 && point[1] == 0x41 ? point.AsSpan(2) : point.AsSpan();
        try
        {
            return PublicKey.FromBytes(raw).ToAddress();
        }
        catch (InvalidKeyException failure)
        {
            throw new HsmException(HsmProblem.Failed, $"Token '{_options.TokenLabel}' key '{label}' is not a secp256k1 key: {failure.Message}", failure);
        }
    }

    private async Task<T> WithSessionAsync<T>(string what, Func<ISession, T> work, CancellationToken cancellationToken)
    {
        await _sessions.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // PKCS#11 calls block (a network HSM may take milliseconds); keep them off the caller's thread.
            return await Task.Run(() =>
            {
                var session = Rent();
                try
                {
                    var result = work(session);
                    _idle.Add(session);
                    return result;
                }
                catch (Pkcs11Exception failure)
                {
                    session.Dispose();
                    throw Translate(failure, what);
                }
                catch
                {
                    _idle.Add(session);
                    throw;
                }
            }, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sessions.Release();
        }
    }

    private ISession Rent()
    {
        if (_idle.TryTake(out var idle))
        {
            return idle;
        }
        ISession session;
        try
        {
            session = _slot.Value.OpenSession(SessionType.ReadWrite);
        }
        catch (Pkcs11Exception failure)
        {
            throw Translate(failure, "opening a session");
        }
        if (Interlocked.Exchange(ref _loggedIn, 1) == 0)
        {
            try
            {
                session.Login(CKU.CKU_USER, _options.UserPin);
            }
            catch (Pkcs11Exception failure) when (failure.RV == CKR.CKR_USER_ALREADY_LOGGED_IN)
            {
                // Login is per application and token; another backend on this token logged in already.
            }
            catch (Pkcs11Exception failure)
            {
                Interlocked.Exchange(ref _loggedIn, 0);
                session.Dispose();
                throw Translate(failure, "logging in");
            }
        }
        return session;
    }

    private ISlot FindSlot()
    {
        IPkcs11Library library;
        try
        {
            library = Libraries.GetOrAdd(_options.LibraryPath, path => new Lazy<IPkcs11Library>(() =>
                _factories.Pkcs11LibraryFactory.LoadPkcs11Library(_factories, path, AppType.MultiThreaded))).Value;
        }
        catch (Exception failure) when (failure is not HsmException)
        {
            Libraries.TryRemove(_options.LibraryPath, out _);
            throw new HsmException(HsmProblem.LibraryMissing, $"The PKCS#11 library {_options.LibraryPath} could not be loaded: {failure.Message}", failure);
        }
        var labels = new List<string>();
        foreach (var slot in library.GetSlotList(SlotsType.WithTokenPresent))
        {
            var label = slot.GetTokenInfo().Label.Trim();
            if (label == _options.TokenLabel)
            {
                return slot;
            }
            labels.Add(label);
        }
        throw new HsmException(HsmProblem.TokenMissing,
            $"No token labelled '{_options.TokenLabel}' is present in {_options.LibraryPath}; tokens present: {(labels.Count == 0 ? "none" : string.Join(", ", labels.Select(l => $"'{l}'")))}.");
    }

    private HsmException Translate(Pkcs11Exception failure, string what)
    {
        var problem = failure.RV switch
        {
            CKR.CKR_PIN_INCORRECT or CKR.CKR_PIN_LOCKED or CKR.CKR_PIN_EXPIRED or CKR.CKR_USER_NOT_LOGGED_IN => HsmProblem.LoginFailed,
            CKR.CKR_TOKEN_NOT_PRESENT or CKR.CKR_DEVICE_REMOVED or CKR.CKR_SLOT_ID_INVALID or CKR.CKR_TOKEN_NOT_RECOGNIZED => HsmProblem.TokenMissing,
            CKR.CKR_KEY_HANDLE_INVALID or CKR.CKR_OBJECT_HANDLE_INVALID => HsmProblem.KeyNotFound,
            _ => HsmProblem.Failed,
        };
        if (problem is HsmProblem.KeyNotFound or HsmProblem.TokenMissing)
        {
            _keys.Clear();
        }
        return new HsmException(problem, $"PKCS#11 {failure.Method} failed with {failure.RV} while {what} on token '{_options.TokenLabel}' ({_options.LibraryPath}).", failure);
    }
}
