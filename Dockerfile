# Build stage: compiles the bridge; no database is needed at build time (queries are checked by
# the test suite, not at compile time).
FROM rust:1-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src src
COPY migrations migrations
RUN cargo build --release --locked --bin approval-bridge

# Runtime stage: a small image running as an unprivileged user, the database on a volume.
FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin bridge \
    && mkdir -p /data && chown bridge:bridge /data
COPY --from=build /src/target/release/approval-bridge /usr/local/bin/approval-bridge
USER bridge
WORKDIR /data
VOLUME /data
ENV DATABASE_URL=sqlite:///data/approval-bridge.db
ENTRYPOINT ["approval-bridge"]
CMD ["run"]
