#!/usr/bin/env bash
# Prints the home of a JDK 25 or fails with a remedy. Used by the Makefile, .ci/run and ./tokmix,
# so nothing depends on a hand-set shell.
set -euo pipefail
is25() { [ -x "$1/bin/javac" ] && "$1/bin/java" -version 2>&1 | head -1 | grep -qE '"25(\.|")'; }
for cand in "${TOKMIX_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25* \
            /usr/lib/jvm/*-25* /usr/lib/jvm/jdk-25* /opt/java/jdk-25* /Library/Java/JavaVirtualMachines/*25*/Contents/Home; do
  [ -n "$cand" ] && [ -d "$cand" ] && is25 "$cand" && { echo "$cand"; exit 0; }
done
echo "error: no JDK 25 found (looked at TOKMIX_JAVA_HOME, JAVA_HOME, /usr/lib/jvm/*25*). Install Temurin 25 or set TOKMIX_JAVA_HOME." >&2
exit 1
