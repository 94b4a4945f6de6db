# syntax=docker/dockerfile:1
# ControlApi: multi-stage build (SDK → ASP.NET runtime), non-root, git + OpenSSH client inside.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Restore first, on the project files alone, so source edits keep the restore layer cached.
COPY ControlApi.sln Directory.Build.props Directory.Packages.props appsettings.json ./
COPY src/ControlApi/ControlApi.csproj src/ControlApi/
COPY src/ControlApi.Core/ControlApi.Core.csproj src/ControlApi.Core/
COPY src/ControlApi.Data/ControlApi.Data.csproj src/ControlApi.Data/
COPY migrations/ControlApi.Migrations/ControlApi.Migrations.csproj migrations/ControlApi.Migrations/
COPY migrations/ControlApi.Migrations.PostgreSql/ControlApi.Migrations.PostgreSql.csproj migrations/ControlApi.Migrations.PostgreSql/
# Published for the image's platform: a runtime identifier turns ReadyToRun on (ControlApi.csproj),
# which needs the restore to fetch the platform's crossgen package. BuildKit sets TARGETARCH.
ARG TARGETARCH
RUN echo "linux-$([ "$TARGETARCH" = arm64 ] && echo arm64 || echo x64)" > /tmp/rid \
 && dotnet restore src/ControlApi/ControlApi.csproj -r "$(cat /tmp/rid)"
COPY src/ src/
COPY migrations/ migrations/
RUN dotnet publish src/ControlApi/ControlApi.csproj -c Release --no-restore -r "$(cat /tmp/rid)" --self-contained false -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
# git (and ssh for deploy keys) commit to the GitOps repository; curl serves the HEALTHCHECK.
RUN apt-get update \
 && apt-get install -y --no-install-recommends git openssh-client curl ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 controlapi \
 && useradd --system --uid 10001 --gid controlapi --home-dir /home/controlapi --create-home controlapi \
 && mkdir -p /data \
 && chown controlapi:controlapi /data
WORKDIR /app
COPY --from=build /app ./
# The port as the .NET images choose it (all interfaces); ASPNETCORE_URLS, URLS or Kestrel:Endpoints
# given at run time take precedence.
ENV ASPNETCORE_HTTP_PORTS=8080 \
    ControlApi__DataDirectory=/data \
    DOTNET_gcServer=0 \
    HOME=/home/controlapi
USER 10001:10001
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
  CMD curl --fail --silent --show-error http://127.0.0.1:8080/healthz || exit 1
# `migrate` as the container's argument applies the database migrations and exits (a Kubernetes Job).
ENTRYPOINT ["dotnet", "ControlApi.dll"]
