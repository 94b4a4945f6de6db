using ControlApi.Persistence;
using Npgsql;

namespace ControlApi.Tests.Persistence;

public sealed class DatabaseConnectionTests
{
    [Fact]
    public void A_libpq_uri_as_cloudnativepg_writes_it_is_read_into_its_parts()
    {
        var file = Path.GetTempFileName();
        try
        {
            // CloudNativePG's app Secret key `uri`, as mounted: one line with a trailing newline.
            File.WriteAllText(file, "postgresql://app:p%40ss%3Aword@controlapi-db-rw.controlapi:5433/app?sslmode=require\n");
            var resolved = new NpgsqlConnectionStringBuilder(DatabaseConnection.Resolve(new DatabaseOptions { Provider = Data.DatabaseProvider.PostgreSql, ConnectionStringFile = file }));

            Assert.Equal("controlapi-db-rw.controlapi", resolved.Host);
            Assert.Equal(5433, resolved.Port);
            Assert.Equal("app", resolved.Username);
            Assert.Equal("p@ss:word", resolved.Password);
            Assert.Equal("app", resolved.Database);
            Assert.Equal(SslMode.Require, resolved.SslMode);
            Assert.Equal("controlapi", resolved.ApplicationName);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void A_uri_with_an_unknown_parameter_is_refused_naming_the_parameter_not_the_password()
    {
        var options = new DatabaseOptions { Provider = Data.DatabaseProvider.PostgreSql, ConnectionString = "postgres://app:secret@db/app?frobnicate=1" };

        Assert.Null(DatabaseConnection.TryParse(options, out var error));
        Assert.Contains("frobnicate", error);
        Assert.DoesNotContain("secret", error);
    }
}
