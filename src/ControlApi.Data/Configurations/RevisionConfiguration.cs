using ControlApi.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ControlApi.Data.Configurations;

internal sealed class RevisionConfiguration : IEntityTypeConfiguration<Revision>
{
    public void Configure(EntityTypeBuilder<Revision> builder)
    {
        builder.ToTable("Revisions");
        builder.Property(r => r.ClusterId).HasMaxLength(63);
        // Gap-free, unique numbering per cluster; write turns serialize writers, this index guards it.
        builder.HasIndex(r => new { r.ClusterId, r.Number }).IsUnique();
        builder.HasIndex(r => new { r.ClusterId, r.State });
        builder.Property(r => r.State).HasMaxLength(32);
        builder.Property(r => r.Author).HasMaxLength(200);
        builder.Property(r => r.OnBehalfOf).HasMaxLength(200);
        builder.Property(r => r.Reason).HasMaxLength(1000);
        builder.Property(r => r.Source).HasMaxLength(16);
        builder.Property(r => r.CommitSha).HasMaxLength(64);
        builder.Property(r => r.CanarySelector).HasMaxLength(1024);
        builder.Property(r => r.PromotedBy).HasMaxLength(200);
        builder.HasMany(r => r.Timeline).WithOne().HasForeignKey(t => t.RevisionId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class RevisionTransitionConfiguration : IEntityTypeConfiguration<RevisionTransition>
{
    public void Configure(EntityTypeBuilder<RevisionTransition> builder)
    {
        builder.ToTable("RevisionTransitions");
        builder.Property(t => t.State).HasMaxLength(32);
        builder.HasIndex(t => new { t.RevisionId, t.Id });
    }
}
