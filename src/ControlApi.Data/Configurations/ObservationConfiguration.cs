using ControlApi.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ControlApi.Data.Configurations;

internal sealed class ObservationConfiguration : IEntityTypeConfiguration<Observation>
{
    public void Configure(EntityTypeBuilder<Observation> builder)
    {
        builder.ToTable("Observations");
        builder.Property(o => o.ClusterId).HasMaxLength(63);
        builder.Property(o => o.Summary).HasMaxLength(500);
        // The latest per cluster is read by id, newest first; pruning walks the same index.
        builder.HasIndex(o => new { o.ClusterId, o.Id });
    }
}

internal sealed class ClusterObservationStateConfiguration : IEntityTypeConfiguration<ClusterObservationState>
{
    public void Configure(EntityTypeBuilder<ClusterObservationState> builder)
    {
        builder.ToTable("ClusterObservationStates");
        builder.HasKey(s => s.ClusterId);
        builder.Property(s => s.ClusterId).HasMaxLength(63);
    }
}

internal sealed class RevisionTrackingConfiguration : IEntityTypeConfiguration<RevisionTracking>
{
    public void Configure(EntityTypeBuilder<RevisionTracking> builder)
    {
        builder.ToTable("RevisionTracking");
        builder.HasKey(t => t.RevisionId);
        builder.HasOne<Revision>().WithOne().HasForeignKey<RevisionTracking>(t => t.RevisionId).OnDelete(DeleteBehavior.Cascade);
        builder.Property(t => t.RolloutSignature).HasMaxLength(200);
        builder.Property(t => t.Waiting).HasMaxLength(1000);
    }
}
