using System.Diagnostics;

namespace ControlApi.Bench;

/// <summary>
/// Keeps every core busy while a measure runs: one spinning shell per core, as other pods on the
/// node would (a test suite, a build). Separate processes at the default priority, so the scheduler
/// shares the cores between them and whatever is measured, service and raw git alike.
/// </summary>
internal sealed class BusyMachine : IDisposable
{
    private readonly List<Process> _spinners;

    private BusyMachine(List<Process> spinners) => _spinners = spinners;

    public static BusyMachine Start(int? processes = null)
    {
        var count = processes ?? Environment.ProcessorCount;
        var spinners = Enumerable.Range(0, count)
            .Select(_ => Process.Start(new ProcessStartInfo("sh", ["-c", "while :; do :; done"]) { UseShellExecute = false })!)
            .ToList();
        return new BusyMachine(spinners);
    }

    public string Describe() => $"{_spinners.Count} spinning processes on {Environment.ProcessorCount} cores";

    public void Dispose()
    {
        foreach (var spinner in _spinners)
        {
            try
            {
                spinner.Kill();
                spinner.WaitForExit();
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
            spinner.Dispose();
        }
    }
}
