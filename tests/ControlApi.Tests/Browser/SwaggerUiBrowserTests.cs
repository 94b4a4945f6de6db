using ControlApi.Security;
using ControlApi.Tests.Support;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;

namespace ControlApi.Tests.Browser;

/// <summary>Swagger UI as a person uses it: in a real browser, against the service on a loopback port.</summary>
public sealed class SwaggerUiBrowserTests : IDisposable
{
    private readonly ControlApiFactory _factory = new();
    private readonly ChromeDriver _browser;
    private readonly string _baseUrl;

    public SwaggerUiBrowserTests()
    {
        _factory.UseKestrel(0);
        _factory.StartServer();
        _baseUrl = _factory.ClientOptions.BaseAddress.ToString().TrimEnd('/');

        var options = new ChromeOptions { BinaryLocation = BrowserFactAttribute.Chromium };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,2400");
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(BrowserFactAttribute.ChromeDriver)!, Path.GetFileName(BrowserFactAttribute.ChromeDriver));
        service.SuppressInitialDiagnosticInformation = true;
        _browser = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
    }

    public void Dispose()
    {
        _browser.Quit();
        _factory.Dispose();
    }

    [BrowserFact]
    public void Swagger_UI_lists_the_operations_and_runs_a_read_and_a_refused_change()
    {
        _browser.Navigate().GoToUrl(_baseUrl + "/swagger/index.html");
        var wait = new WebDriverWait(_browser, TimeSpan.FromSeconds(30));

        var operations = wait.Until(d => d.FindElements(By.CssSelector(".opblock")) is { Count: > 5 } found ? found : null);
        var paths = operations.Select(o => o.FindElement(By.CssSelector(".opblock-summary-path")).GetAttribute("data-path")).ToList();
        Assert.Contains("/api/v1/clusters/{cluster}/cilium", paths);
        Assert.Contains("/api/v1/clusters/{cluster}/cilium/plan", paths);

        Authorize(wait, _factory.KeyFor(Role.Operator));

        var read = TryItOut(wait, "GetCiliumSettings");
        FillParameter(read, "cluster", "local");
        var (status, body) = Execute(wait, read);
        Assert.Equal("200", status);
        Assert.Contains("\"settings\"", body);
        Assert.Contains("\"wireguard\"", body);

        var change = TryItOut(wait, "PutCiliumSettings");
        FillParameter(change, "cluster", "local");
        var editor = change.FindElement(By.CssSelector("textarea.body-param__text"));
        // The editor is React-controlled: select everything and type over it, as a person would.
        editor.SendKeys(Keys.Control + "a");
        editor.SendKeys(Keys.Delete);
        editor.SendKeys("""{"bandwidthManager":{"enabled":false,"bbr":true}}""");
        (status, body) = Execute(wait, change);
        Screenshot("swagger-ui.png");
        Assert.Equal("422", status);
        Assert.Contains("validation-failed", body);
        Assert.Contains("bbr-needs-bandwidth-manager", body);
    }

    /// <summary>Swagger UI's Authorize button: paste the bearer key into the dialog, as a person does.</summary>
    private void Authorize(WebDriverWait wait, string key)
    {
        _browser.FindElement(By.CssSelector("button.authorize")).Click();
        var dialog = wait.Until(d => d.FindElements(By.CssSelector(".modal-ux")).FirstOrDefault());
        dialog.FindElement(By.CssSelector("input[type='text'], input[type='password']")).SendKeys(key);
        dialog.FindElement(By.CssSelector("button.modal-btn.auth.authorize")).Click();
        wait.Until(_ => dialog.FindElements(By.CssSelector("button.modal-btn.auth")).Any(b => b.Text.Contains("Logout", StringComparison.Ordinal)));
        dialog.FindElement(By.CssSelector("button.btn-done")).Click();
    }

    private IWebElement TryItOut(WebDriverWait wait, string operationId)
    {
        var block = wait.Until(d => d.FindElements(By.CssSelector($"[id$='-{operationId}']")).FirstOrDefault());
        block.FindElement(By.CssSelector(".opblock-summary")).Click();
        wait.Until(_ => block.FindElements(By.CssSelector(".try-out__btn")).FirstOrDefault())!.Click();
        return block;
    }

    private static void FillParameter(IWebElement block, string name, string value)
    {
        var input = block.FindElement(By.CssSelector($"tr[data-param-name='{name}'] input"));
        input.Clear();
        input.SendKeys(value);
    }

    private static (string Status, string Body) Execute(WebDriverWait wait, IWebElement block)
    {
        block.FindElement(By.CssSelector(".execute")).Click();
        var status = wait.Until(_ => block.FindElements(By.CssSelector(".live-responses-table tr.response td.response-col_status")).FirstOrDefault(e => e.Text.Trim().Length > 0));
        var body = block.FindElement(By.CssSelector(".live-responses-table tr.response td.response-col_description pre")).Text;
        return (status.Text.Trim().Split(' ', '\n')[0], body);
    }

    private void Screenshot(string name)
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "artifacts");
        Directory.CreateDirectory(folder);
        _browser.GetScreenshot().SaveAsFile(Path.Combine(folder, name));
    }
}
