using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ControlApi.Migrations
{
    /// <inheritdoc />
    public partial class Canaries : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "CanaryKeysJson",
                table: "Revisions",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "CanaryPodsJson",
                table: "Revisions",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "CanarySelector",
                table: "Revisions",
                type: "TEXT",
                maxLength: 1024,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "PromotedAt",
                table: "Revisions",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "PromotedBy",
                table: "Revisions",
                type: "TEXT",
                maxLength: 200,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "CanaryKeysJson",
                table: "Revisions");

            migrationBuilder.DropColumn(
                name: "CanaryPodsJson",
                table: "Revisions");

            migrationBuilder.DropColumn(
                name: "CanarySelector",
                table: "Revisions");

            migrationBuilder.DropColumn(
                name: "PromotedAt",
                table: "Revisions");

            migrationBuilder.DropColumn(
                name: "PromotedBy",
                table: "Revisions");
        }
    }
}
