using ControlApi.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ControlApi.Data.Configurations;

internal sealed class AuditEventConfiguration : IEntityTypeConfiguration<AuditEvent>
{
    public void Configure(EntityTypeBuilder<AuditEvent> builder)
    {
        builder.ToTable("AuditEvents");
        builder.Property(e => e.Kind).HasMaxLength(64);
        builder.Property(e => e.ClusterId).HasMaxLength(63);
        builder.Property(e => e.Actor).HasMaxLength(200);
        builder.Property(e => e.Source).HasMaxLength(16);
        builder.Property(e => e.Person).HasMaxLength(200);
        builder.Property(e => e.PreviousHash).HasMaxLength(64);
        builder.Property(e => e.Hash).HasMaxLength(64);
        // Filtered pages are read newest first by id (keyset); these keep each filter an index range.
        builder.HasIndex(e => new { e.ClusterId, e.Id });
        builder.HasIndex(e => new { e.Kind, e.Id });
        // "What did flux do on this cluster": the most common combination gets its own range.
        builder.HasIndex(e => new { e.ClusterId, e.Kind, e.Id });
        builder.HasIndex(e => new { e.ClusterId, e.Revision, e.Id });
        builder.HasIndex(e => new { e.Actor, e.Id });
        // person= reads actor or person: two index ranges SQLite merges (OR by union).
        builder.HasIndex(e => new { e.Person, e.Id });
        // since/until are turned into an id range through this index (time never decreases along ids).
        builder.HasIndex(e => e.Time);
    }
}
