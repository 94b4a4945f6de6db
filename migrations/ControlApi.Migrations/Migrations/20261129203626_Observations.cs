using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ControlApi.Migrations
{
    /// <inheritdoc />
    public partial class Observations : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "ClusterObservationStates",
                columns: table => new
                {
                    ClusterId = table.Column<string>(type: "TEXT", maxLength: 63, nullable: false),
                    Reachable = table.Column<bool>(type: "INTEGER", nullable: true),
                    DriftJson = table.Column<string>(type: "TEXT", nullable: false),
                    LeftoversJson = table.Column<string>(type: "TEXT", nullable: false),
                    LastHeartbeatAt = table.Column<long>(type: "INTEGER", nullable: true),
                    LastObservedAt = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ClusterObservationStates", x => x.ClusterId);
                });

            migrationBuilder.CreateTable(
                name: "Observations",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ClusterId = table.Column<string>(type: "TEXT", maxLength: 63, nullable: false),
                    ObservedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    Reachable = table.Column<bool>(type: "INTEGER", nullable: false),
                    Summary = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    SnapshotJson = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Observations", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "RevisionTracking",
                columns: table => new
                {
                    RevisionId = table.Column<long>(type: "INTEGER", nullable: false),
                    ReconcileRequestedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    HelmReleaseGeneration = table.Column<long>(type: "INTEGER", nullable: true),
                    RolloutSignature = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    RolloutProgressAt = table.Column<long>(type: "INTEGER", nullable: true),
                    RolloutQuarter = table.Column<int>(type: "INTEGER", nullable: false),
                    Waiting = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RevisionTracking", x => x.RevisionId);
                    table.ForeignKey(
                        name: "FK_RevisionTracking_Revisions_RevisionId",
                        column: x => x.RevisionId,
                        principalTable: "Revisions",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Observations_ClusterId_Id",
                table: "Observations",
                columns: new[] { "ClusterId", "Id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ClusterObservationStates");

            migrationBuilder.DropTable(
                name: "Observations");

            migrationBuilder.DropTable(
                name: "RevisionTracking");
        }
    }
}
