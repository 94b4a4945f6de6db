using ControlApi.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ControlApi.Data.Configurations;

internal sealed class ClusterHoldConfiguration : IEntityTypeConfiguration<ClusterHold>
{
    public void Configure(EntityTypeBuilder<ClusterHold> builder)
    {
        builder.ToTable("ClusterHolds");
        builder.HasKey(h => new { h.ClusterId, h.Kind });
        builder.Property(h => h.ClusterId).HasMaxLength(63);
        builder.Property(h => h.Kind).HasMaxLength(16);
        builder.Property(h => h.Holder).HasMaxLength(200);
        builder.Property(h => h.Actor).HasMaxLength(200);
        builder.Property(h => h.Reason).HasMaxLength(1000);
    }
}
