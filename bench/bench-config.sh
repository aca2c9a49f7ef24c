# Sourced by the benchmark scripts: writes the config they share into WORK.
#   write_bench_config WORK BUILD_DIR FAKE_PORT
# One team (bench) owns svc-* and delivers to the fake webhook sink; two sources: bench (HMAC,
# for herald_loadgen) and wrk (a bearer token, for wrk, which cannot sign).
write_bench_config() {
  local work=$1 build=$2 fake_port=$3
  printf 'bench-secret' > "$work/source-secret"
  printf 'bench-token' > "$work/wrk-token"
  # Team files reach only their own variables (BENCH_* for team bench).
  export BENCH_SINK_URL="http://127.0.0.1:$fake_port/webhook/bench"
  mkdir -p "$work/routing"
  cat > "$work/routing/bench.yaml" <<YAML
version: 1
team: bench
services: ["svc-*"]
channels:
  - name: sink
    type: webhook
    settings:
      url: \${env:BENCH_SINK_URL}
YAML
  cat > "$work/herald.yaml" <<YAML
version: 1
listeners:
  intake: {address: 127.0.0.1, port: 0}
  admin: {address: 127.0.0.1, port: 0}
storage: {path: $work/herald.db}
limits: {max_pending_jobs: 1000000}
sources:
  - name: bench
    auth: hmac
    secrets: ["\${file:$work/source-secret}"]
  - name: wrk
    auth: bearer
    secrets: ["\${file:$work/wrk-token}"]
plugins: {directory: $(cd "$build" && pwd)/plugins}
routing: {directory: routing}
destinations: {allow_http: true, hosts: {webhook: [127.0.0.1]}}
YAML
}
