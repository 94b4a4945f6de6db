using ControlApi.Tests.GitOps.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ControlApi.Tests.Chatops.Support;

/// <summary>Every log line the service writes, to prove what never appears in them.</summary>
public sealed class LogCapture : IDisposable
{
    private readonly CapturingLoggerProvider _provider = new();

    public string AllText => _provider.AllText;

    public void Register(IServiceCollection services) => services.AddSingleton<ILoggerProvider>(_provider);

    public void Dispose() => _provider.Dispose();
}
