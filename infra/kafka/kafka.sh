#!/usr/bin/env bash
# Starts, stops and reports a single-node Apache Kafka broker (KRaft, no
# ZooKeeper) run from its jars on Maven Central.
#
#   kafka.sh start    fetch jars if missing, format storage if needed, start, wait until it answers
#   kafka.sh stop     stop the broker this script started (SIGTERM, then SIGKILL after a grace period)
#   kafka.sh status   say whether it runs and answers; exit 0 only if it does
#   kafka.sh install  only fetch the jars (CI warms the cache with it)
#
# If KAFKA_BROKERS names a reachable cluster other than ours, start does nothing
# and that cluster is used. Everything the broker writes lives in KAFKA_HOME,
# outside git.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
KAFKA_VERSION="3.9.2"
KAFKA_HOME="${KAFKA_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/ecommerce-supergraph/kafka}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx768m}"
# The broker runs for hours and carries every event, so it gets the JVM's full
# JIT (no -XX:TieredStopAtLevel=1: C1-only code started a second sooner but
# cost the broker about a quarter more CPU per order in the checkout benchmark).
# Serial GC: one small heap on a machine of few cores.
KAFKA_JVM_OPTS="${KAFKA_JVM_OPTS:--XX:+UseSerialGC}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"

libs="$KAFKA_HOME/libs-$KAFKA_VERSION"
data="$KAFKA_HOME/data"
conf="$KAFKA_HOME/server.properties"
log4j="$KAFKA_HOME/log4j.properties"
logfile="$KAFKA_HOME/kafka.log"
pidfile="$KAFKA_HOME/kafka.pid"
lockfile="$KAFKA_HOME/.lock"

say() { printf '[kafka] %s\n' "$*"; }
die() { printf '[kafka] error: %s\n' "$*" >&2; exit 1; }

# host:port of the first entry of a comma-separated broker list.
first_broker() { local b="${1%%,*}"; printf '%s' "$b"; }

port_open() {
  local host="${1%:*}" port="${1##*:}"
  (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null
}

running_pid() {
  [[ -f "$pidfile" ]] || return 1
  local pid
  pid="$(cat "$pidfile")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && grep -q 'kafka.Kafka' "/proc/$pid/cmdline" 2>/dev/null || return 1
  printf '%s' "$pid"
}

install_jars() {
  if [[ -f "$libs/.complete" ]]; then return 0; fi
  command -v mvn >/dev/null || die "Maven (mvn) is needed to fetch the Kafka jars; install it (apt-get install maven)"
  command -v java >/dev/null || die "Java 17+ is needed to run Kafka; install it (apt-get install openjdk-17-jre-headless)"
  say "fetching Kafka $KAFKA_VERSION jars from Maven Central into $libs (once; cached afterwards)"
  mkdir -p "$KAFKA_HOME"
  mvn -B -q -Dstyle.color=never -f "$here/pom.xml" package -Dkafka.cache="$KAFKA_HOME" -Dkafka.version="$KAFKA_VERSION" \
    || die "could not fetch the Kafka jars with Maven (see the output above)"
  touch "$libs/.complete"
}

write_config() {
  mkdir -p "$data"
  cat >"$conf" <<EOF
# Written by infra/kafka/kafka.sh; edits are overwritten on start.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@localhost:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://localhost:$KAFKA_PORT,CONTROLLER://localhost:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://localhost:$KAFKA_PORT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$data
num.partitions=3
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=2
log.retention.hours=72
EOF
  cat >"$log4j" <<'EOF'
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka=INFO
log4j.logger.org.apache.kafka=INFO
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.request.logger=WARN
log4j.logger.kafka.controller=INFO
EOF
}

format_storage() {
  if [[ -f "$data/meta.properties" ]]; then return 0; fi
  local cluster_id
  # A cluster id is a base64url UUID of 22 characters. Like Kafka's own
  # Uuid.randomUuid(), never one starting with "-": the tool would read it as an option.
  # KAFKA_CLUSTER_ID fixes it (tests pass one that starts with "-" to prove the quoting).
  cluster_id="${KAFKA_CLUSTER_ID:--}"
  while [[ "$cluster_id" == -* && -z "${KAFKA_CLUSTER_ID:-}" ]]; do
    cluster_id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n' | cut -c1-22)"
  done
  say "formatting storage in $data (cluster $cluster_id)"
  java -cp "$libs/*" -Dlog4j.configuration="file:$log4j" kafka.tools.StorageTool format \
    --cluster-id="$cluster_id" -c "$conf" --ignore-formatted >>"$logfile" 2>&1 \
    || die "formatting storage failed; see $logfile"
}

wait_ready() {
  local pid="$1" deadline=$((SECONDS + KAFKA_START_TIMEOUT))
  while ((SECONDS < deadline)); do
    if ! kill -0 "$pid" 2>/dev/null; then return 2; fi
    if grep -q 'Kafka Server started' "$logfile" 2>/dev/null && port_open "localhost:$KAFKA_PORT"; then
      return 0
    fi
    sleep 0.5
  done
  return 1
}

launch() {
  : >"$logfile"
  # setsid: the broker outlives the shell that started it, in its own process
  # group. 9>&-: it must not inherit (and so hold forever) the start lock.
  # shellcheck disable=SC2086
  setsid java $KAFKA_HEAP_OPTS $KAFKA_JVM_OPTS -Xshare:auto \
    -Djava.awt.headless=true -Dlog4j.configuration="file:$log4j" \
    -cp "$libs/*" kafka.Kafka "$conf" >>"$logfile" 2>&1 </dev/null 9>&- &
  local pid=$!
  echo "$pid" >"$pidfile"
  wait_ready "$pid"
}

start() {
  if [[ -n "${KAFKA_BROKERS:-}" && "$(first_broker "$KAFKA_BROKERS")" != "localhost:$KAFKA_PORT" && "$(first_broker "$KAFKA_BROKERS")" != "127.0.0.1:$KAFKA_PORT" ]]; then
    if port_open "$(first_broker "$KAFKA_BROKERS")"; then
      say "using the cluster at KAFKA_BROKERS=$KAFKA_BROKERS; nothing started"
      return 0
    fi
    die "KAFKA_BROKERS=$KAFKA_BROKERS does not answer; start that cluster, or unset KAFKA_BROKERS to run a local broker"
  fi
  mkdir -p "$KAFKA_HOME"
  install_jars
  exec 9>"$lockfile"
  flock 9 # two concurrent starts: the second waits, then finds the broker running
  local pid
  if pid="$(running_pid)"; then
    if wait_ready "$pid"; then
      say "already running (pid $pid) on localhost:$KAFKA_PORT; log: $logfile"
      return 0
    fi
    die "a broker (pid $pid) is running but does not answer; see $logfile, or run: $0 stop"
  fi
  if port_open "localhost:$KAFKA_PORT"; then
    say "something already listens on localhost:$KAFKA_PORT; using it as the broker"
    return 0
  fi
  write_config
  format_storage
  say "starting Kafka $KAFKA_VERSION on localhost:$KAFKA_PORT; log: $logfile"
  local rc=0
  launch || rc=$?
  if ((rc != 0)); then
    # Quorum formation can stall on a loaded machine: one more try.
    say "broker did not come up (rc $rc); retrying once"
    stop_broker quiet
    launch || die "Kafka did not start within ${KAFKA_START_TIMEOUT}s; see $logfile"
  fi
  say "ready (pid $(cat "$pidfile")) on localhost:$KAFKA_PORT; log: $logfile"
}

stop_broker() {
  local pid
  if ! pid="$(running_pid)"; then
    [[ "${1:-}" == quiet ]] || say "not running"
    rm -f "$pidfile"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "broker did not stop in 30s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
  [[ "${1:-}" == quiet ]] || say "stopped"
}

status() {
  local pid
  if pid="$(running_pid)"; then
    if port_open "localhost:$KAFKA_PORT"; then
      say "running (pid $pid) on localhost:$KAFKA_PORT; log: $logfile"
      return 0
    fi
    say "process $pid is up but localhost:$KAFKA_PORT does not answer yet; log: $logfile"
    return 1
  fi
  say "not running (no broker started by this script); log: $logfile"
  return 3
}

case "${1:-}" in
  start) start ;;
  stop) stop_broker ;;
  status) status ;;
  install) install_jars ;;
  restart) stop_broker && start ;;
  *) printf 'usage: %s start|stop|status|restart|install\n' "$0" >&2; exit 2 ;;
esac
