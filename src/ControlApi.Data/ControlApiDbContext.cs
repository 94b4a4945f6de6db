using ControlApi.Data.Entities;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace ControlApi.Data;

public sealed class ControlApiDbContext(DbContextOptions<ControlApiDbContext> options) : DbContext(options), IDataProtectionKeyContext
{
    /// <summary>The assembly that holds the SQLite migrations (its own project, see README architecture).</summary>
    public const string MigrationsAssembly = "ControlApi.Migrations";

    /// <summary>The assembly that holds the PostgreSQL migrations: the same model, its own column types.</summary>
    public const string PostgreSqlMigrationsAssembly = "ControlApi.Migrations.PostgreSql";

    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();
    public DbSet<Revision> Revisions => Set<Revision>();
    public DbSet<RevisionTransition> RevisionTransitions => Set<RevisionTransition>();
    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();
    public DbSet<IdempotencyRecord> IdempotencyRecords => Set<IdempotencyRecord>();
    public DbSet<OutboxMessage> Outbox => Set<OutboxMessage>();
    public DbSet<Observation> Observations => Set<Observation>();
    public DbSet<ClusterObservationState> ClusterObservationStates => Set<ClusterObservationState>();
    public DbSet<RevisionTracking> RevisionTracking => Set<RevisionTracking>();
    public DbSet<Webhook> Webhooks => Set<Webhook>();
    public DbSet<NotificationDelivery> NotificationDeliveries => Set<NotificationDelivery>();
    public DbSet<DeliveryAttempt> DeliveryAttempts => Set<DeliveryAttempt>();
    public DbSet<Lease> Leases => Set<Lease>();
    public DbSet<SeenSignature> SeenSignatures => Set<SeenSignature>();
    public DbSet<ClusterHold> ClusterHolds => Set<ClusterHold>();
    public DbSet<ClusterPolicyVersion> ClusterPolicies => Set<ClusterPolicyVersion>();

    /// <summary>The Data Protection key ring, shared by every replica (webhook secrets must decrypt on all).</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    /// <summary>The provider Npgsql's <c>IsNpgsql()</c> names, compared here by its name: calling that
    /// extension loads the PostgreSQL provider's assembly into every SQLite start (README "Start-up and memory").</summary>
    public const string PostgreSqlProviderName = "Npgsql.EntityFrameworkCore.PostgreSQL";

    private bool IsPostgreSql => Database.ProviderName == PostgreSqlProviderName;

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(ControlApiDbContext).Assembly);
        // Audit kind prefixes are read by hopping along the kind index in ordinal order (AuditReader);
        // SQLite compares text bytewise, PostgreSQL by the database's collation unless told "C" (bytewise).
        if (IsPostgreSql) modelBuilder.Entity<Entities.AuditEvent>().Property(e => e.Kind).UseCollation("C");
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        if (IsPostgreSql)
        {
            // timestamptz: Npgsql writes only offset-zero DateTimeOffsets (it refuses others) and the
            // column keeps microseconds; the converter hands it exactly that (StoredInstant).
            configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToStoredInstantConverter>();
            configurationBuilder.Properties<DateTimeOffset?>().HaveConversion<DateTimeOffsetToStoredInstantConverter>();
            return;
        }
        // SQLite cannot compare or order DateTimeOffset stored as text; store UTC ticks instead.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToUtcTicksConverter>();
        configurationBuilder.Properties<DateTimeOffset?>().HaveConversion<DateTimeOffsetToUtcTicksConverter>();
    }

    /// <summary>Options for a SQLite file; the service and the design-time factory both use this.</summary>
    public static DbContextOptionsBuilder<ControlApiDbContext> SqliteOptions(string connectionString) =>
        new DbContextOptionsBuilder<ControlApiDbContext>().UseSqlite(connectionString, ConfigureSqlite);

    /// <summary>Options for a PostgreSQL database; the service and the design-time factory both use this.</summary>
    public static DbContextOptionsBuilder<ControlApiDbContext> PostgreSqlOptions(string connectionString) =>
        new DbContextOptionsBuilder<ControlApiDbContext>().UseNpgsql(connectionString, ConfigureNpgsql);

    public static void ConfigureSqlite(Microsoft.EntityFrameworkCore.Infrastructure.SqliteDbContextOptionsBuilder sqlite) =>
        sqlite.MigrationsAssembly(MigrationsAssembly);

    public static void ConfigureNpgsql(Npgsql.EntityFrameworkCore.PostgreSQL.Infrastructure.NpgsqlDbContextOptionsBuilder npgsql) =>
        npgsql.MigrationsAssembly(PostgreSqlMigrationsAssembly);
}

/// <summary>An instant as timestamptz takes it: UTC, whole microseconds (<see cref="StoredInstant"/>).</summary>
public sealed class DateTimeOffsetToStoredInstantConverter() : ValueConverter<DateTimeOffset, DateTimeOffset>(
    value => StoredInstant.Of(value),
    stored => stored);

/// <summary>Stores instants as UTC ticks: ordered, comparable and time-zone free.</summary>
public sealed class DateTimeOffsetToUtcTicksConverter() : ValueConverter<DateTimeOffset, long>(
    value => value.UtcTicks,
    ticks => new DateTimeOffset(ticks, TimeSpan.Zero));
