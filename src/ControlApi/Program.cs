using ControlApi.Cilium;
using ControlApi.Clusters;
using ControlApi.Configuration;
using ControlApi.Health;
using ControlApi.Jobs;
using ControlApi.Http;
using ControlApi.Persistence;
using ControlApi.Revisions;
using ControlApi.Tracking;

// The root appsettings.json is copied next to the binaries; reading it from there makes
// `dotnet run`, the published image and the tests see the same file.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    Args = args,
    ContentRootPath = AppContext.BaseDirectory,
});

builder.AddControlApiConfiguration();
builder.Services.AddPersistence();
builder.Services.AddRevisions();
builder.AddJobs();
builder.AddTracking();
builder.AddHttpApi();

var app = builder.Build();

app.UseHttpApi();
app.UseJobsDashboard();
app.MapHealthApi();

var api = app.MapGroup("/api/v1");
api.MapClustersApi();
api.MapCiliumApi();
api.MapFeaturesApi();
api.MapRevisionsApi();
api.MapStatusApi();

app.Run();

/// <summary>Visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
