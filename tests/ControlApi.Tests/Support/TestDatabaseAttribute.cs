namespace ControlApi.Tests.Support;

/// <summary>
/// Which engine <see cref="ControlApiFactory"/> starts the service on in this test assembly.
/// ControlApi.Tests runs on SQLite (the default); ControlApi.PostgreSql.Tests compiles the same
/// test files with <c>[assembly: TestDatabase(PostgreSql: true)]</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Assembly)]
public sealed class TestDatabaseAttribute(bool PostgreSql) : Attribute
{
    public bool PostgreSql { get; } = PostgreSql;

    public static bool UsePostgreSql { get; } =
        typeof(ControlApiFactory).Assembly.GetCustomAttributes(typeof(TestDatabaseAttribute), false) is [TestDatabaseAttribute { PostgreSql: true }, ..];
}
