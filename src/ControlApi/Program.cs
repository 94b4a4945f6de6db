using ControlApi.Adoption;
using ControlApi.Approvals;
using ControlApi.Audit;
using ControlApi.Canary;
using ControlApi.Chatops;
using ControlApi.Cilium;
using ControlApi.Clusters;
using ControlApi.Governance;
using ControlApi.Holds;
using ControlApi.Configuration;
using ControlApi.Health;
using ControlApi.Hosting;
using ControlApi.Jobs;
using ControlApi.Http;
using ControlApi.Metrics;
using ControlApi.Notifications;
using ControlApi.Persistence;
using ControlApi.Revisions;
using ControlApi.Security;
using ControlApi.Telemetry;
using ControlApi.Tracking;

// The root appsettings.json is copied next to the binaries; reading it from there makes
// `dotnet run`, the published image and the tests see the same file.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    Args = args,
    ContentRootPath = AppContext.BaseDirectory,
});

builder.AddListenAddress();
builder.AddProductionLogging();
builder.AddGracefulShutdown();
builder.AddControlApiConfiguration();
builder.Services.AddPersistence(builder.Configuration);
builder.Services.AddRevisions();
builder.AddJobs();
builder.AddTracking();
builder.AddHttpApi();
builder.AddSecurity();
builder.AddChatops();
builder.AddAudit();
builder.AddNotifications();
builder.AddServiceMetrics();
builder.AddTracing();
builder.AddStartupTrim();

var app = builder.Build();
// Off the main thread while it builds the pipeline: the migrations at start wait for it instead.
app.Services.StartBuildingModel();

// `dotnet ControlApi.dll <command>`: a one-off command with this configuration instead of the service.
if (await HostCommands.TryRunAsync(args, app.Services) is { } exitCode) return exitCode;

app.UseHttpLogging();
app.UseHttpApi();
app.UseSecurity();
app.UseJobsDashboard();
app.MapHealthApi();
app.MapMetricsEndpoint();

var api = app.MapGroup("/api/v1");
api.MapClustersApi();
api.MapHoldsApi();
api.MapGovernanceApi();
api.MapCiliumApi();
api.MapAdoptionApi();
api.MapFeaturesApi();
api.MapRevisionsApi();
api.MapApprovalsApi();
api.MapStatusApi();
api.MapApiKeysApi();
api.MapChatopsApi();
api.MapRollbackApi();
api.MapCanaryApi();
api.MapAuditApi();
api.MapEventsApi();
api.MapWebhooksApi();

await app.RunAsync();
return 0;

/// <summary>Visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
