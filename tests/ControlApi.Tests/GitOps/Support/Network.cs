using System.Net;
using System.Net.Sockets;

namespace ControlApi.Tests.GitOps.Support;

public static class FreePort
{
    /// <summary>A loopback port nothing listens on (bound and released, so connecting is refused).</summary>
    public static int Find()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>Accepts TCP connections and never says a word: a remote that hangs.</summary>
public sealed class SilentServer : IDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _clients = [];
    private readonly Task _accepting;

    private SilentServer()
    {
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public static SilentServer Start() => new();

    private async Task AcceptAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                lock (_clients) _clients.Add(client);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped by Dispose.
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _accepting.Wait(TimeSpan.FromSeconds(5));
        lock (_clients) _clients.ForEach(c => c.Dispose());
        _stop.Dispose();
    }
}
