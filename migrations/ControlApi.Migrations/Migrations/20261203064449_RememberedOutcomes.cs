using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ControlApi.Migrations
{
    /// <inheritdoc />
    public partial class RememberedOutcomes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // An idempotency record now remembers the domain outcome, not the HTTP answer. Existing rows
            // are carried over: 202 was an accepted change, 200 an unchanged one; the stored answer body
            // was already the change resource, and the revision number is read from it.
            migrationBuilder.AddColumn<string>(
                name: "Outcome",
                table: "IdempotencyRecords",
                type: "TEXT",
                maxLength: 16,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<int>(
                name: "RevisionNumber",
                table: "IdempotencyRecords",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.Sql("""
                UPDATE "IdempotencyRecords"
                SET "Outcome" = CASE "StatusCode" WHEN 202 THEN 'Accepted' ELSE 'Unchanged' END,
                    "RevisionNumber" = COALESCE(json_extract("ResponseJson", '$.revision.number'), 0);
                """);

            migrationBuilder.RenameColumn(
                name: "ResponseJson",
                table: "IdempotencyRecords",
                newName: "ChangeJson");

            migrationBuilder.DropColumn(
                name: "Location",
                table: "IdempotencyRecords");

            migrationBuilder.DropColumn(
                name: "StatusCode",
                table: "IdempotencyRecords");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "StatusCode",
                table: "IdempotencyRecords",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "Location",
                table: "IdempotencyRecords",
                type: "TEXT",
                nullable: true);

            migrationBuilder.RenameColumn(
                name: "ChangeJson",
                table: "IdempotencyRecords",
                newName: "ResponseJson");

            migrationBuilder.Sql("""
                UPDATE "IdempotencyRecords"
                SET "StatusCode" = CASE "Outcome" WHEN 'Accepted' THEN 202 ELSE 200 END,
                    "Location" = CASE "Outcome" WHEN 'Accepted'
                        THEN '/api/v1/clusters/' || "ClusterId" || '/revisions/' || "RevisionNumber" END;
                """);

            migrationBuilder.DropColumn(
                name: "Outcome",
                table: "IdempotencyRecords");

            migrationBuilder.DropColumn(
                name: "RevisionNumber",
                table: "IdempotencyRecords");
        }
    }
}
