using System.Net;
using ControlApi.Tests.Support;
using Microsoft.AspNetCore.Hosting;

namespace ControlApi.Tests.Hosting;

/// <summary>
/// The README's first command runs the service in Development, where the host validates service
/// scopes: a scoped service read from the root (as a singleton's dependency) stops the start there,
/// while the Testing environment the other tests use would not notice.
/// </summary>
public sealed class DevelopmentStartTests
{
    [Fact]
    public async Task The_service_starts_and_answers_in_Development_with_scope_validation_on()
    {
        using var service = new ControlApiFactory();
        using var development = service.WithWebHostBuilder(host => host.UseEnvironment("Development"));

        using var response = await development.CreateClient().GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
