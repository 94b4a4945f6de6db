using ControlApi.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ControlApi.Data.Configurations;

internal sealed class WebhookConfiguration : IEntityTypeConfiguration<Webhook>
{
    public void Configure(EntityTypeBuilder<Webhook> builder)
    {
        builder.ToTable("Webhooks");
        builder.Property(w => w.Url).HasMaxLength(2048);
        builder.Property(w => w.EventsJson).HasMaxLength(4096);
        builder.Property(w => w.Description).HasMaxLength(500);
        // Deleting a subscription drops its delivery log; a job still holding an id finds nothing and stops.
        builder.HasMany(w => w.Deliveries).WithOne().HasForeignKey(d => d.WebhookId).OnDelete(DeleteBehavior.Cascade);
    }
}
