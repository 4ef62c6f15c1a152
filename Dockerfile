# Production image: one image, two roles. The silo runs by default; the standalone portal with
#   docker run … dotnet Hosting.Portal.dll
# The devnet is not containerised: ./hosting devnet runs it from processes.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/ src/
COPY infra/postgres/ infra/postgres/
RUN dotnet publish src/Silo/Silo.csproj -c Release -o /out/silo --nologo \
 && dotnet publish src/Portal/Portal.csproj -c Release -o /out/portal --nologo

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
# libsecp256k1 gives the fast signing path; the managed BouncyCastle path is the fallback.
RUN apt-get update && apt-get install -y --no-install-recommends libsecp256k1-1 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /out/silo ./
COPY --from=build /out/portal ./portal/
ENV ASPNETCORE_URLS=http://+:8080 \
    Hosting__Mode=Production \
    DOTNET_gcServer=1
USER app
EXPOSE 8080 11111 30000
ENTRYPOINT ["dotnet", "Hosting.Silo.dll"]
