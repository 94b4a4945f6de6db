using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ControlApi.Migrations
{
    /// <inheritdoc />
    public partial class AuditSubMicrosecondTicks : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Empty for every existing row: events hash as stored. Only an import of a chain written
            // with 100 ns instants fills it (HistoryTransfer), with the ticks timestamptz cannot keep.
            migrationBuilder.AddColumn<byte>(
                name: "SubMicrosecondTicks",
                table: "AuditEvents",
                type: "INTEGER",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "SubMicrosecondTicks",
                table: "AuditEvents");
        }
    }
}
