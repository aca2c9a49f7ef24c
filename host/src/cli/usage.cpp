#include "cli/usage.hpp"

#include <array>
#include <utility>

namespace herald::cli {
namespace {

constexpr std::string_view kOverall = R"(usage: herald <command> [options]

commands:
  serve      accept events and deliver them
  post       send event files to Herald, signed, retrying while it is unreachable
  emit       build an event from flags and the CI environment and send it
  events     show an event, its destinations and every delivery attempt
  dlq        list, show, replay or drop dead-lettered deliveries
  reload     reload the configuration of a running Herald
  plugin     list plugins in a directory, or run the conformance kit on one
  config     validate a host config, a routing directory or a team file
  route      show where one event goes and what would be sent
  help       herald help COMMAND: that command's options
  --version  print the version and plugin ABI

herald COMMAND --help shows a command's options.
Options for every command: --log-format text|json (logs go to standard error).
Exit status: 0 success, 1 findings or refusals, 2 usage error.
)";

constexpr std::array<std::pair<std::string_view, std::string_view>, 9> kCommands = {{
    {"serve", R"(usage: herald serve [--config FILE] [--plugins DIR] [--port-file FILE] [--io-threads N] [--grace-ms MS]

Accepts events and delivers them until SIGTERM or SIGINT; SIGHUP reloads the configuration.
  --config FILE      the host config; without it /etc/herald/herald.yaml, then config/herald.yaml
  --plugins DIR      plugin directory (default: the config's plugins.directory, then next to the binary)
  --port-file FILE   write "intake=PORT" and "admin=PORT" once listening
  --io-threads N     intake I/O threads (default 1)
  --grace-ms MS      how long in-flight deliveries may finish on SIGTERM (default 10000)
)"},
    {"post",
     R"(usage: herald post [--url URL] [--secret-env NAME | --token-env NAME] [--source NAME] [--no-timestamp]
                   [--retries N] [--retry-for DURATION] FILE... | -

Sends each event file (JSON; - reads standard input) to Herald's intake, HMAC-signed with the
secret in $NAME (with a signed timestamp unless --no-timestamp), or with a bearer token from
--token-env. Without either, $HERALD_SECRET (HMAC) or $HERALD_TOKEN (bearer) is used.
  --url URL             Herald's intake (default $HERALD_URL, then http://127.0.0.1:8080);
                        /v1/events is added unless the URL names an endpoint
  --retries N           retries after the first attempt (default 3)
  --retry-for DURATION  the span the retries are spread over (default 5m; 90s, 5m, 1h)
Connection failures, 408, 429 and 5xx are retried (Retry-After is obeyed); 400, 401, 413 and
other refusals stop at once. Exit 0 when every event was accepted (202) or already was (200);
exit 1 with one line on standard error per event that was not.
)"},
    {"emit",
     R"(usage: herald emit --status STATUS [--service S] [--environment E] [--version V] [event flags]
                   [--print] [the sending options of herald post]

Builds one event and sends it like herald post. Inside GitHub Actions (GITHUB_*) or GitLab CI
(CI_*) the commit, author, pipeline URL and name, run id, service (repository or project name),
version (tag or short SHA) and, on GitLab, the environment come from the CI environment; any
flag overrides them. The event is checked with Herald's own rules before anything is sent.
  event flags: --id --team --commit SHA --commit-message --commit-url --triggered-by
               --pipeline-url --pipeline-name --run-id --failure-stage --reason
               --rollback STATUS --rollback-to VERSION --started-at --finished-at
               --deployment-id --label KEY=VALUE (repeatable)
  --print      print the event instead of sending it
Example: herald emit --status failed --service payments-api --environment production \
           --failure-stage canary --reason "$REASON"
)"},
    {"events", R"(usage: herald events show ID [--admin URL] [--token-env NAME] [--json]
       herald events list [--service S] [--environment E] [--status STATUS] [--since WHEN]
                          [--limit N] [--before SEQ] [--admin URL] [--token-env NAME] [--json]

show: an event, its destinations, every delivery's state and attempts (admin API).
list: events newest first, with how their deliveries stand; WHEN as for dlq (90s, 15m, 1h, 2d,
      1w, RFC 3339 or unix milliseconds); --before pages on from a listing's last event.
  --admin URL        the admin listener (default http://127.0.0.1:8081)
  --token-env NAME   the variable holding the admin token (default HERALD_ADMIN_TOKEN)
)"},
    {"dlq", R"(usage: herald dlq list [--team T] [--channel C] [--since WHEN] [--limit N] [--after JOB]
       herald dlq show JOB
       herald dlq replay JOB
       herald dlq replay --all [--team T] [--channel C] [--since WHEN] [--dry-run]
       herald dlq drop JOB

The dead-letter queue. WHEN is a duration back from now (90s, 15m, 1h, 2d, 1w), an RFC 3339
timestamp or unix milliseconds; anything else is refused. --dry-run lists what would be
replayed and changes nothing. Takes --admin URL, --token-env NAME and --json like `events`.
)"},
    {"reload", R"(usage: herald reload [--admin URL] [--token-env NAME] [--json]

Asks a running Herald to reload its configuration; a configuration with errors is refused
(exit 1, findings printed) and the previous one keeps serving.
)"},
    {"plugin", R"(usage: herald plugin list --dir DIR [--json]
       herald plugin check FILE [--settings JSON] [--require JSON-POINTER]...

list: loads every plugin in DIR and lists it, or says why it was refused (exit 1 if any was);
      --json prints {"plugins": [...], "refused": [...]}.
check: runs the conformance kit on one built plugin.
)"},
    {"config",
     R"(usage: herald config check PATH [--plugins DIR] [--resolve-secrets] [--allow-literal-secrets] [--services FILE]

Validates a host config file, a config directory holding herald.yaml, a routing directory or
one team file; prints each finding as file:line:column and a summary.
  --resolve-secrets         resolve ${env:}/${file:} references (default: placeholders)
  --allow-literal-secrets   accept literal values in secret settings (local experiments)
  --services FILE           known service names, one per line: globs matching none are reported
  --json                    findings and counts as one JSON object
)"},
    {"route",
     R"(usage: herald route test --config PATH --event FILE [--render | --json] [--plugins DIR] [--allow-literal-secrets]

Shows where one event goes and why; with --render, the exact request each plugin would send
(secrets masked; exit 1 if a destination cannot be rendered). Nothing is sent. --json prints
the destinations (team, channel, type, fallback, reason) as one JSON object.
)"},
}};

}  // namespace

std::string_view overall_usage() { return kOverall; }

std::optional<std::string_view> command_usage(std::string_view command) {
    for (const auto& [name, text] : kCommands) {
        if (name == command) return text;
    }
    return std::nullopt;
}

}  // namespace herald::cli
