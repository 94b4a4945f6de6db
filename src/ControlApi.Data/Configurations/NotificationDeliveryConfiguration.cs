using ControlApi.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ControlApi.Data.Configurations;

internal sealed class NotificationDeliveryConfiguration : IEntityTypeConfiguration<NotificationDelivery>
{
    public void Configure(EntityTypeBuilder<NotificationDelivery> builder)
    {
        builder.ToTable("NotificationDeliveries");
        builder.Property(d => d.DeliveryId).HasMaxLength(36);
        builder.Property(d => d.Channel).HasMaxLength(16);
        builder.Property(d => d.EventKind).HasMaxLength(64);
        builder.Property(d => d.State).HasMaxLength(16);
        builder.HasIndex(d => d.DeliveryId).IsUnique();
        // The delivery log of one webhook, newest first.
        builder.HasIndex(d => new { d.WebhookId, d.Id });
        // The dispatcher and the sweep look for pending work only.
        builder.HasIndex(d => new { d.State, d.Dispatched, d.NextAttemptAt });
        builder.HasMany(d => d.Tries).WithOne().HasForeignKey(t => t.NotificationDeliveryId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class DeliveryAttemptConfiguration : IEntityTypeConfiguration<DeliveryAttempt>
{
    public void Configure(EntityTypeBuilder<DeliveryAttempt> builder)
    {
        builder.ToTable("DeliveryAttempts");
        builder.Property(t => t.Error).HasMaxLength(1000);
        builder.HasIndex(t => new { t.NotificationDeliveryId, t.Number }).IsUnique();
    }
}
