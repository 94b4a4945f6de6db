namespace ControlApi.Tests.Browser;

/// <summary>
/// A test that drives Debian's headless Chromium. Where the browser is missing it is reported as
/// skipped with the reason (CI installs it: .ci/run adds chromium and chromium-driver).
/// </summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public const string Chromium = "/usr/bin/chromium";
    public const string ChromeDriver = "/usr/bin/chromedriver";

    public BrowserFactAttribute()
    {
        if (!File.Exists(Chromium) || !File.Exists(ChromeDriver))
            Skip = $"Needs {Chromium} and {ChromeDriver} (Debian packages chromium and chromium-driver).";
    }
}
