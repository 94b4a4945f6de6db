using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ControlApi.Migrations
{
    /// <inheritdoc />
    public partial class RollbacksAndPersons : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "RollbackTo",
                table: "Revisions",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Person",
                table: "AuditEvents",
                type: "TEXT",
                maxLength: 200,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_AuditEvents_Person_Id",
                table: "AuditEvents",
                columns: new[] { "Person", "Id" });

            // Existing rows: the rollback target from the reason RevisionRollback wrote ("rollback to n[: why]"),
            // and the person from the hashed details (a chat user's name, else X-On-Behalf-Of).
            migrationBuilder.Sql("""
                UPDATE Revisions SET RollbackTo = CAST(substr(Reason, 13) AS INTEGER)
                WHERE Reason LIKE 'rollback to %' AND substr(Reason, 13, 1) BETWEEN '0' AND '9';
                """);
            migrationBuilder.Sql("""
                UPDATE AuditEvents SET Person = substr(COALESCE(json_extract(DetailsJson, '$.userName'), json_extract(DetailsJson, '$.onBehalfOf')), 1, 200)
                WHERE json_valid(DetailsJson) AND COALESCE(json_extract(DetailsJson, '$.userName'), json_extract(DetailsJson, '$.onBehalfOf')) IS NOT NULL;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_AuditEvents_Person_Id",
                table: "AuditEvents");

            migrationBuilder.DropColumn(
                name: "RollbackTo",
                table: "Revisions");

            migrationBuilder.DropColumn(
                name: "Person",
                table: "AuditEvents");
        }
    }
}
