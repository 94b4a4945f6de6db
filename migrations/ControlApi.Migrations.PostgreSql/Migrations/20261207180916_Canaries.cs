using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ControlApi.Migrations.PostgreSql.Migrations
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
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "CanaryPodsJson",
                table: "Revisions",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "CanarySelector",
                table: "Revisions",
                type: "character varying(1024)",
                maxLength: 1024,
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "PromotedAt",
                table: "Revisions",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "PromotedBy",
                table: "Revisions",
                type: "character varying(200)",
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
