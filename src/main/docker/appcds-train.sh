#!/bin/sh
# AppCDS training run (README "Performance" > Start-up), done once when the image is built.
#
#   appcds-train.sh APP_DIR ARCHIVE [JVM options...]
#
# The demo replays a generated export through every step of the pipeline (rotation, a gzipped backup, bad lines,
# rules, alerts, the file sinks, a Kubernetes client whose API server does not answer, the hub's Kafka consumer whose
# broker does not answer, which loads most of the Kafka client a node's Kafka sink uses) and exits; the JVM then writes
# every class it loaded to ARCHIVE. Starts with -XX:SharedArchiveFile=ARCHIVE map those classes instead of reading,
# parsing and verifying them from the jar. An archive only maps into the JVM build that wrote it, with the same jar
# paths and times: run this with the app's JDK, from the directory the app runs in (routes/ and kamelets/ under it).
# With the default -Xshare:auto a JVM that cannot map the archive starts without it.
set -eu
app=$1
archive=$2
shift 2
java=java
if [ -n "${JAVA_HOME:-}" ]; then
  java="$JAVA_HOME/bin/java"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rm -f "$archive"
if ! "$java" "$@" -XX:ArchiveClassesAtExit="$archive" -Dquarkus.profile=demo \
    -Dtetragon.demo.events=4000 -Dtetragon.demo.rotate-bytes=2000000 \
    -Dtetragon.export.path="$work/export/tetragon.log" -Dtetragon.data.dir="$work/data" \
    -Dtetragon.k8s.enabled=true -Dtetragon.k8s.node-name=appcds-training \
    -Dquarkus.kubernetes-client.api-server-url=http://127.0.0.1:9 \
    -Dtetragon.hub.enabled=true -Dtetragon.hub.brokers=127.0.0.1:9 \
    -Dquarkus.log.category.\"io.fabric8\".level=ERROR -Dquarkus.log.category.\"org.apache.kafka\".level=ERROR \
    -jar "$app/quarkus-run.jar" >"$work/training.log" 2>&1; then
  cat "$work/training.log" >&2
  echo "appcds-train: the training run failed" >&2
  exit 1
fi
if [ ! -s "$archive" ]; then
  cat "$work/training.log" >&2
  echo "appcds-train: the JVM wrote no archive to $archive" >&2
  exit 1
fi
echo "appcds-train: $(wc -c <"$archive") bytes in $archive"
