# Herald's container image: built on Debian bookworm, run on bookworm-slim with only the shared
# libraries Herald needs (packaging/container/runtime-packages.txt), as a non-root user.
# packaging/container/verify-tree.sh performs the same steps in a directory tree and runs the
# result in a chroot (CI does, where no image builder is available).
#
#   docker build -t herald .
#   docker run -e HERALD_PIPELINE_SECRET=… -p 8080:8080 -v herald-data:/var/lib/herald \
#              -v "$PWD/routing:/etc/herald/routing:ro" herald

FROM debian:bookworm AS build
WORKDIR /src
COPY . .
RUN scripts/install-deps.sh --build-only \
 && cmake --preset release -DHERALD_BUILD_TESTS=OFF -DHERALD_BUILD_BENCH=OFF \
 && cmake --build build -j"$(nproc)" \
 && DESTDIR=/out cmake --install build --prefix /usr

FROM debian:bookworm-slim
COPY packaging/container/runtime-packages.txt /tmp/runtime-packages.txt
RUN apt-get update \
 && xargs -a /tmp/runtime-packages.txt apt-get install -y --no-install-recommends \
 && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages.txt \
 && useradd --system --uid 10001 --home-dir /var/lib/herald --shell /usr/sbin/nologin herald \
 && mkdir -p /etc/herald/routing /var/lib/herald \
 && chown herald:herald /var/lib/herald
COPY --from=build /out/ /
COPY packaging/container/herald.yaml /etc/herald/herald.yaml
USER herald
VOLUME ["/var/lib/herald"]
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s CMD ["curl", "-fsS", "http://127.0.0.1:8080/healthz"]
# SIGTERM drains: in-flight deliveries get their grace period (herald serve --grace-ms).
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/herald"]
CMD ["serve"]
