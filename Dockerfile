# A small static image: the kubegate binary alone (no shell, no libc).
#   docker build -t ghcr.io/kubegate/kubegate:VERSION .
# Built for x86_64; the manifests from `kubegate manifest static-pod | daemonset` run it.

FROM rust:1-bookworm AS build
# ring (TLS for the HTTPS health checks) compiles C and assembly: musl-gcc for the static target.
RUN apt-get update \
 && apt-get install -y --no-install-recommends musl-tools \
 && rm -rf /var/lib/apt/lists/*
RUN rustup target add x86_64-unknown-linux-musl
WORKDIR /src
COPY . .
# No debug info in the image (the workspace's release profile keeps some for profiling).
ENV CARGO_PROFILE_RELEASE_DEBUG=0 \
    CARGO_PROFILE_RELEASE_STRIP=symbols
# Without the `lab` feature: the image cannot run network namespaces, so it carries no lab.
RUN cargo build --locked --release --target x86_64-unknown-linux-musl -p kubegate --no-default-features \
 && cp target/x86_64-unknown-linux-musl/release/kubegate /kubegate

FROM scratch
COPY --from=build /kubegate /kubegate
ENTRYPOINT ["/kubegate"]
CMD ["--help"]
