using ControlApi.Tests.Support;

// Every ControlApiFactory in this assembly starts the service on PostgreSQL.
[assembly: TestDatabase(PostgreSql: true)]
