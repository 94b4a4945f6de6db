using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ControlApi.Migrations.PostgreSql.Migrations
{
    /// <inheritdoc />
    public partial class ClusterPolicies : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "ClusterPolicies",
                columns: table => new
                {
                    ClusterId = table.Column<string>(type: "character varying(63)", maxLength: 63, nullable: false),
                    Version = table.Column<int>(type: "integer", nullable: false),
                    PolicyJson = table.Column<string>(type: "text", nullable: false),
                    Author = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    OnBehalfOf = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    Reason = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ClusterPolicies", x => new { x.ClusterId, x.Version });
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ClusterPolicies");
        }
    }
}
