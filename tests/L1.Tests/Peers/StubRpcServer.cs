using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Hosting.L1.Tests.Peers;

/// <summary>
/// A deliberately bad JSON-RPC node on a loopback TCP port: it answers each HTTP request with whatever
/// raw bytes the test scripts (an error object, half a body, garbage, nothing at all), so the client's
/// handling of real-world breakage is tested without a web framework in between.
/// </summary>
internal sealed class StubRpcServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<string, byte[]?> _answer;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _requests;

    /// <summary><paramref name="answer"/> gets the request body and returns the raw HTTP response, or null to never answer.</summary>
    public StubRpcServer(Func<string, byte[]?> answer)
    {
        _answer = answer;
        _listener.Start();
        _loop = Task.Run(AcceptAsync);
    }

    public Uri Url => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

    public int Requests => Volatile.Read(ref _requests);

    public static byte[] Http(string body, int status = 200, int? contentLength = null) =>
        Encoding.UTF8.GetBytes($"HTTP/1.1 {status} {(status == 200 ? "OK" : "Error")}\r\nContent-Type: application/json\r\nContent-Length: {contentLength ?? Encoding.UTF8.GetByteCount(body)}\r\nConnection: close\r\n\r\n{body}");

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            var stream = client.GetStream();
            var body = await ReadRequestBodyAsync(stream);
            Interlocked.Increment(ref _requests);
            var response = _answer(body);
            if (response is null)
            {
                try
                {
                    await Task.Delay(Timeout.Infinite, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            await stream.WriteAsync(response);
            await stream.FlushAsync();
        }
    }

    private static async Task<string> ReadRequestBodyAsync(NetworkStream stream)
    {
        var buffer = new List<byte>();
        var chunk = new byte[4096];
        int headerEnd;
        while ((headerEnd = IndexOfHeaderEnd(buffer)) < 0)
        {
            var read = await stream.ReadAsync(chunk);
            if (read == 0)
            {
                return "";
            }
            buffer.AddRange(chunk.AsSpan(0, read));
        }
        var headers = Encoding.ASCII.GetString([.. buffer.Take(headerEnd)]);
        var length = headers.Split("\r\n").Where(line => line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            .Select(line => int.Parse(line["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture)).FirstOrDefault();
        while (buffer.Count < headerEnd + 4 + length)
        {
            var read = await stream.ReadAsync(chunk);
            if (read == 0)
            {
                break;
            }
            buffer.AddRange(chunk.AsSpan(0, read));
        }
        return Encoding.UTF8.GetString([.. buffer.Skip(headerEnd + 4)]);
    }

    private static int IndexOfHeaderEnd(List<byte> buffer)
    {
        for (var i = 0; i + 3 < buffer.Count; i++)
        {
            if (buffer[i] == '\r' && buffer[i + 1] == '\n' && buffer[i + 2] == '\r' && buffer[i + 3] == '\n')
            {
                return i;
            }
        }
        return -1;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
    }
}
