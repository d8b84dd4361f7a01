# Weft: build the release binary, then run it on a slim Debian.
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p weft-server --bin weft

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /var/lib/weft --create-home weft
COPY --from=build /src/target/release/weft /usr/local/bin/weft
USER weft
WORKDIR /var/lib/weft
ENV WEFT_LISTEN=0.0.0.0:8069 WEFT_DATABASE_URL=sqlite:///var/lib/weft/weft.db
EXPOSE 8069
CMD ["weft", "serve"]
