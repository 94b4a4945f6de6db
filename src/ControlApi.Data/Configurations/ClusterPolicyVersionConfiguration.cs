using ControlApi.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ControlApi.Data.Configurations;

internal sealed class ClusterPolicyVersionConfiguration : IEntityTypeConfiguration<ClusterPolicyVersion>
{
    public void Configure(EntityTypeBuilder<ClusterPolicyVersion> builder)
    {
        builder.ToTable("ClusterPolicies");
        builder.HasKey(p => new { p.ClusterId, p.Version });
        builder.Property(p => p.ClusterId).HasMaxLength(63);
        builder.Property(p => p.Author).HasMaxLength(200);
        builder.Property(p => p.OnBehalfOf).HasMaxLength(200);
        builder.Property(p => p.Reason).HasMaxLength(1000);
    }
}
