using ControlApi.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ControlApi.Data.Configurations;

internal sealed class SeenSignatureConfiguration : IEntityTypeConfiguration<SeenSignature>
{
    public void Configure(EntityTypeBuilder<SeenSignature> builder)
    {
        builder.ToTable("SeenSignatures");
        builder.HasKey(s => s.Hash);
        builder.Property(s => s.Hash).HasMaxLength(64);
        // Pruning deletes by expiry.
        builder.HasIndex(s => s.ExpiresAt);
    }
}
